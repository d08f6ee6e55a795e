"""The control-plane operations ddbkit runs itself (emulator/operations/): ListTables,
DescribeTable, DeleteTable, TagResource, UntagResource, ListTagsOfResource,
DescribeContinuousBackups, UpdateContinuousBackups, DescribeLimits and DescribeEndpoints,
each with good and bad input through boto3 against a real server; and their settings changes
(tags, PITR, a deleted table) surviving a kill -9 of a durable server."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from refusals import refused

from ddbkit.emulator.connect.clients import make_client

_names = itertools.count()



def _arn(client: Any, name: str) -> str:
    return str(client.describe_table(TableName=name)["Table"]["TableArn"])


def test_list_tables_pages_by_name_from_any_start(client: Any, unchecked: Any,
                                                  make_table: Any) -> None:
    prefix = f"ops-list-{next(_names)}"
    made = sorted(make_table(f"{prefix}-{suffix}") for suffix in ("c", "a", "b"))
    # The session's emulator may hold over 100 tables: ListTables' default page.
    every = [name for page in client.get_paginator("list_tables").paginate()
             for name in page["TableNames"]]
    assert every == sorted(every) and set(made) <= set(every)
    pages, start = [], {"ExclusiveStartTableName": f"{prefix}-"}
    while True:
        page = client.list_tables(Limit=1, **start)
        pages += page["TableNames"]
        if "LastEvaluatedTableName" not in page:
            break
        start = {"ExclusiveStartTableName": page["LastEvaluatedTableName"]}
    assert pages[:3] == made
    # A start name that is no table still places the page.
    after_a = client.list_tables(ExclusiveStartTableName=made[0] + "0", Limit=1)
    assert after_a["TableNames"] == [made[1]] and after_a["LastEvaluatedTableName"] == made[1]
    assert client.list_tables(ExclusiveStartTableName="zzzz")["TableNames"] == []
    for limit in (0, 101):
        code, message = refused(lambda n=limit: unchecked.list_tables(Limit=n))  # type: ignore[misc]
        assert code == "ValidationException" and f"Value '{limit}' at 'limit'" in message


def test_describe_table_answers_sizes_counts_ids_and_index_figures(
        client: Any, unchecked: Any, make_table: Any) -> None:
    name = make_table("ops-describe", attributes=[{"AttributeName": "g", "AttributeType": "S"}],
                      GlobalSecondaryIndexes=[{
                          "IndexName": "g-index", "Projection": {"ProjectionType": "ALL"},
                          "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}]}])
    client.put_item(TableName=name, Item={"pk": {"S": "a"}, "g": {"S": "x"}})
    client.put_item(TableName=name, Item={"pk": {"S": "b"}})
    table = client.describe_table(TableName=name)["Table"]
    assert (table["TableName"], table["TableStatus"], table["ItemCount"]) == (name, "ACTIVE", 2)
    assert table["TableSizeBytes"] == len("pka" "gx") + len("pkb")
    assert table["TableId"] == client.describe_table(TableName=name)["Table"]["TableId"]
    assert table["BillingModeSummary"] == {
        "BillingMode": "PAY_PER_REQUEST",
        "LastUpdateToPayPerRequestDateTime": table["CreationDateTime"]}
    [index] = table["GlobalSecondaryIndexes"]
    assert (index["IndexArn"], index["ItemCount"], index["IndexSizeBytes"]) == (
        f"{table['TableArn']}/index/g-index", 1, len("pka" "gx"))
    assert refused(lambda: client.describe_table(TableName="ops-no-such-table")) == (
        "ResourceNotFoundException", "Requested resource not found: Table: ops-no-such-table "
        "not found")
    code, message = refused(lambda: unchecked.describe_table(TableName="ab"))
    assert code == "ValidationException" and "Member must have length greater than or equal " \
        "to 3" in message


def test_describe_table_ends_a_new_indexs_backfill(client: Any, make_table: Any) -> None:
    name = make_table("ops-backfill")
    updated = client.update_table(
        TableName=name, AttributeDefinitions=[{"AttributeName": "h", "AttributeType": "S"}],
        GlobalSecondaryIndexUpdates=[{"Create": {
            "IndexName": "h-index", "Projection": {"ProjectionType": "KEYS_ONLY"},
            "KeySchema": [{"AttributeName": "h", "KeyType": "HASH"}]}}])["TableDescription"]
    [creating] = updated["GlobalSecondaryIndexes"]
    assert (creating["IndexStatus"], creating["Backfilling"]) == ("CREATING", True)
    [active] = client.describe_table(TableName=name)["Table"]["GlobalSecondaryIndexes"]
    assert active["IndexStatus"] == "ACTIVE" and "Backfilling" not in active


def test_delete_table_answers_deleting_and_the_table_is_gone(client: Any) -> None:
    name = f"ops-delete-{next(_names)}"
    client.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    client.put_item(TableName=name, Item={"pk": {"S": "a"}})
    described = client.delete_table(TableName=name)["TableDescription"]
    assert (described["TableName"], described["TableStatus"], described["ItemCount"]) == (
        name, "DELETING", 1)
    assert refused(lambda: client.describe_table(TableName=name))[0] == \
        "ResourceNotFoundException"
    assert name not in client.list_tables()["TableNames"]
    assert refused(lambda: client.delete_table(TableName=name)) == (
        "ResourceNotFoundException", "Requested resource not found")
    client.get_waiter("table_not_exists").wait(TableName=name)


def test_a_protected_table_is_not_deleted(client: Any, make_table: Any) -> None:
    name = make_table("ops-protected", DeletionProtectionEnabled=True)
    assert refused(lambda: client.delete_table(TableName=name)) == (
        "ValidationException", "Resource cannot be deleted as it is currently protected "
        "against deletion. Disable deletion protection first.")
    assert client.describe_table(TableName=name)["Table"]["TableStatus"] == "ACTIVE"
    client.update_table(TableName=name, DeletionProtectionEnabled=False)
    assert client.delete_table(TableName=name)["TableDescription"]["TableStatus"] == "DELETING"


def test_tags_add_replace_remove_and_list_in_one_page(client: Any, make_table: Any) -> None:
    arn = _arn(client, make_table("ops-tags"))
    client.tag_resource(ResourceArn=arn, Tags=[{"Key": f"k{i:02}", "Value": "v"}
                                               for i in range(12)])
    client.tag_resource(ResourceArn=arn, Tags=[{"Key": "k00", "Value": "new"},
                                               {"Key": "empty", "Value": ""}])
    client.untag_resource(ResourceArn=arn, TagKeys=["k01", "never-there"])
    listed = client.list_tags_of_resource(ResourceArn=arn)
    assert "NextToken" not in listed  # at most 50 tags: DynamoDB answers them in one page
    assert listed["Tags"] == [{"Key": "k00", "Value": "new"},
                              *({"Key": f"k{i:02}", "Value": "v"} for i in range(2, 12)),
                              {"Key": "empty", "Value": ""}]
    again = client.list_tags_of_resource(ResourceArn=arn, NextToken="anything")
    assert again["Tags"] == listed["Tags"]


def test_tag_limits(client: Any, unchecked: Any, make_table: Any) -> None:
    arn = _arn(client, make_table("ops-tag-limits"))
    client.tag_resource(ResourceArn=arn, Tags=[{"Key": "k" * 128, "Value": "v" * 256}])
    for tags, wording in (
            ([{"Key": "k" * 129, "Value": "v"}], "Member must have length less than or equal "
                                                 "to 128"),
            ([{"Key": "k", "Value": "v" * 257}], "Member must have length less than or equal "
                                                 "to 256"),
            ([], "Atleast one Tag needs to be provided as Input."),
            ([{"Key": "aws:owner", "Value": "v"}], "Tag Key cannot be prefixed with aws:"),
            ([{"Key": "d", "Value": "1"}, {"Key": "d", "Value": "2"}],
             "Duplicate Tag Keys provided as input")):
        code, message = refused(lambda t=tags: unchecked.tag_resource(  # type: ignore[misc]
            ResourceArn=arn, Tags=t))
        assert code == "ValidationException" and wording in message, message
    client.tag_resource(ResourceArn=arn, Tags=[{"Key": f"m{i}", "Value": "v"} for i in range(49)])
    too_many = ("ValidationException",
                "Number of Tags exceed the current limit for the provided ResourceArn")
    assert refused(lambda: client.tag_resource(ResourceArn=arn, Tags=[
        {"Key": "one-more", "Value": "v"}])) == too_many
    client.tag_resource(ResourceArn=arn, Tags=[{"Key": "m0", "Value": "replaced"}])  # still 50
    assert len(client.list_tags_of_resource(ResourceArn=arn)["Tags"]) == 50
    assert refused(lambda: unchecked.untag_resource(ResourceArn=arn, TagKeys=[])) == (
        "ValidationException", "Atleast one Tag Key needs to be provided as Input.")


@pytest.mark.parametrize("make_arn, code, wording", [
    (lambda arn: "table/x", "ValidationException", "ARNs must start with 'arn:': table/x"),
    (lambda arn: "arn:aws:s3:::bucket", "ValidationException",
     "Provided Arn is not a DynamoDB resource arn: arn:aws:s3:::bucket"),
    (lambda arn: arn.replace(":table/", ":backup/"), "ValidationException",
     "Invalid resource arn provided, only table or stream is accepted"),
    (lambda arn: arn + "/index/i-index", "ValidationException",
     "Invalid resource arn provided, only table or stream is accepted"),
    (lambda arn: arn.replace(":us-east-1:", ":eu-west-1:"), "ValidationException",
     "Invalid TableArn: Invalid ResourceArn provided as input"),
    (lambda arn: arn.split(":table/")[0].rsplit(":", 1)[0] + ":999999999999:table/x-table",
     "AccessDeniedException", "is not authorized to perform: dynamodb:"),
    (lambda arn: arn.split(":table/")[0] + ":table/ops-no-such-table",
     "ResourceNotFoundException", "Requested resource not found: ResourcArn: "),
])
def test_tag_operations_check_the_arn(client: Any, make_table: Any,
                                      make_arn: Callable[[str], str], code: str,
                                      wording: str) -> None:
    arn = make_arn(_arn(client, make_table("ops-arns")))
    for action in (lambda: client.tag_resource(ResourceArn=arn, Tags=[{"Key": "k", "Value": "v"}]),
                   lambda: client.untag_resource(ResourceArn=arn, TagKeys=["k"]),
                   lambda: client.list_tags_of_resource(ResourceArn=arn)):
        got_code, message = refused(action)
        assert got_code == code and wording in message, message


def test_continuous_backups_on_off_and_period(client: Any, unchecked: Any,
                                              make_table: Any) -> None:
    name = make_table("ops-pitr")
    off = {"ContinuousBackupsStatus": "ENABLED",
           "PointInTimeRecoveryDescription": {"PointInTimeRecoveryStatus": "DISABLED"}}
    assert client.describe_continuous_backups(TableName=name)[
        "ContinuousBackupsDescription"] == off

    def update(**spec: Any) -> dict[str, Any]:
        answer = client.update_continuous_backups(
            TableName=name, PointInTimeRecoverySpecification=spec)
        described = client.describe_continuous_backups(TableName=name)
        assert answer["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"][
            "PointInTimeRecoveryStatus"] == described["ContinuousBackupsDescription"][
            "PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"]
        found: dict[str, Any] = described["ContinuousBackupsDescription"][
            "PointInTimeRecoveryDescription"]
        return found

    on = update(PointInTimeRecoveryEnabled=True)
    assert (on["PointInTimeRecoveryStatus"], on["RecoveryPeriodInDays"]) == ("ENABLED", 35)
    assert on["EarliestRestorableDateTime"] <= on["LatestRestorableDateTime"]
    shorter = update(PointInTimeRecoveryEnabled=True, RecoveryPeriodInDays=7)
    assert shorter["RecoveryPeriodInDays"] == 7  # (in memory the window is the present)
    assert update(PointInTimeRecoveryEnabled=True)["RecoveryPeriodInDays"] == 7  # kept
    assert update(PointInTimeRecoveryEnabled=False) == {"PointInTimeRecoveryStatus": "DISABLED"}
    for days in (0, 36):
        code, message = refused(lambda d=days: unchecked.update_continuous_backups(  # type: ignore[misc]
            TableName=name, PointInTimeRecoverySpecification={
                "PointInTimeRecoveryEnabled": True, "RecoveryPeriodInDays": d}))
        assert code == "ValidationException" and "recoveryPeriodInDays" in message
    missing = ("TableNotFoundException", "Table not found: ops-no-such-table")
    assert refused(lambda: client.describe_continuous_backups(
        TableName="ops-no-such-table")) == missing
    assert refused(lambda: client.update_continuous_backups(
        TableName="ops-no-such-table",
        PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})) == missing


def test_describe_limits_and_endpoints(client: Any) -> None:
    limits = client.describe_limits()
    assert {k: v for k, v in limits.items() if k != "ResponseMetadata"} == {
        "AccountMaxReadCapacityUnits": 20000, "AccountMaxWriteCapacityUnits": 20000,
        "TableMaxReadCapacityUnits": 10000, "TableMaxWriteCapacityUnits": 10000}
    region = client.meta.region_name
    assert client.describe_endpoints()["Endpoints"] == [
        {"Address": f"dynamodb.{region}.amazonaws.com", "CachePeriodInMinutes": 1440}]


def test_settings_changes_survive_a_kill(tmp_path: Path, durable_up: Any) -> None:
    """Tags, PITR and a deletion are journaled before they are answered: kill -9 loses none."""
    data_dir = tmp_path / "data"
    args = ("--stage", "opsctl", "--no-seed", "--ttl-interval", "0")
    first = durable_up(data_dir, *args).start()
    client = make_client(endpoint_url=first.endpoint_url)
    for name in ("kept", "dropped"):
        client.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                            AttributeDefinitions=[{"AttributeName": "pk",
                                                   "AttributeType": "S"}])
    arn = _arn(client, "kept")
    client.tag_resource(ResourceArn=arn, Tags=[{"Key": "env", "Value": "dev"},
                                               {"Key": "team", "Value": "a"}])
    client.tag_resource(ResourceArn=arn, Tags=[{"Key": "env", "Value": "prod"}])
    client.untag_resource(ResourceArn=arn, TagKeys=["team"])
    client.update_continuous_backups(TableName="kept", PointInTimeRecoverySpecification={
        "PointInTimeRecoveryEnabled": True, "RecoveryPeriodInDays": 9})
    client.delete_table(TableName="dropped")
    first.kill()  # no clean stop: only the journal carries the changes

    second = durable_up(data_dir, *args).start()
    client = make_client(endpoint_url=second.endpoint_url)
    assert client.list_tags_of_resource(ResourceArn=arn)["Tags"] == [
        {"Key": "env", "Value": "prod"}]
    pitr = client.describe_continuous_backups(TableName="kept")[
        "ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
    assert (pitr["PointInTimeRecoveryStatus"], pitr["RecoveryPeriodInDays"]) == ("ENABLED", 9)
    names = client.list_tables()["TableNames"]
    assert "kept" in names and "dropped" not in names
    assert refused(lambda: client.describe_table(TableName="dropped"))[0] == \
        "ResourceNotFoundException"

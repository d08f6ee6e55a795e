"""Table-level behaviour as DynamoDB has it (issue 14, missing behaviour): ListTables order and
paging, tags, TTL settings, GSIs added and removed by UpdateTable, DescribeTable's sizes and
ids, TransactGetItems of 100, ClientRequestToken idempotency, DescribeStream / ListStreams
paging."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest

from ddbkit.emulator.operations import transact_write_items
from ddbkit.emulator.runtime import Emulator

_names = itertools.count()


def _create(client: Any, name: str, **extra: Any) -> str:
    client.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                              *extra.pop("attributes", [])], **extra)
    return name


@pytest.fixture
def table(client: Any) -> Iterator[str]:
    name = _create(client, f"sem-cp-{next(_names)}")
    yield name
    client.delete_table(TableName=name)


def test_list_tables_in_name_order_paged_by_name(client: Any) -> None:
    made = [_create(client, f"sem-list-{suffix}") for suffix in ("c", "a", "b")]
    try:
        names = client.list_tables()["TableNames"]
        assert names == sorted(names)
        first = client.list_tables(ExclusiveStartTableName="sem-list-", Limit=2)
        assert first["TableNames"] == ["sem-list-a", "sem-list-b"]
        assert first["LastEvaluatedTableName"] == "sem-list-b"
        client.delete_table(TableName="sem-list-b")  # a start name that no longer exists
        made.remove("sem-list-b")
        rest = client.list_tables(ExclusiveStartTableName="sem-list-b", Limit=1)
        assert rest["TableNames"] == ["sem-list-c"]
    finally:
        for name in made:
            client.delete_table(TableName=name)


def test_tag_resource_replaces_the_value_of_an_existing_key(client: Any, table: str) -> None:
    arn = client.describe_table(TableName=table)["Table"]["TableArn"]
    client.tag_resource(ResourceArn=arn, Tags=[{"Key": "env", "Value": "dev"},
                                               {"Key": "team", "Value": "a"}])
    client.tag_resource(ResourceArn=arn, Tags=[{"Key": "env", "Value": "production"}])
    tags = client.list_tags_of_resource(ResourceArn=arn)["Tags"]
    assert sorted((t["Key"], t["Value"]) for t in tags) == [("env", "production"),
                                                           ("team", "a")]


def test_ttl_settings(client: Any, table: str) -> None:
    assert client.describe_time_to_live(TableName=table)["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "DISABLED"}
    with pytest.raises(client.exceptions.ClientError, match="TimeToLive is already disabled"):
        client.update_time_to_live(TableName=table, TimeToLiveSpecification={
            "Enabled": False, "AttributeName": "exp"})
    client.update_time_to_live(TableName=table, TimeToLiveSpecification={
        "Enabled": True, "AttributeName": "exp"})
    with pytest.raises(client.exceptions.ClientError, match="TimeToLive is already enabled"):
        client.update_time_to_live(TableName=table, TimeToLiveSpecification={
            "Enabled": True, "AttributeName": "exp"})
    assert client.describe_time_to_live(TableName=table)["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "ENABLED", "AttributeName": "exp"}
    client.update_time_to_live(TableName=table, TimeToLiveSpecification={
        "Enabled": False, "AttributeName": "exp"})
    assert client.describe_time_to_live(TableName=table)["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "DISABLED"}
    for call in (client.describe_time_to_live,
                 lambda **kw: client.update_time_to_live(**kw, TimeToLiveSpecification={
                     "Enabled": True, "AttributeName": "exp"})):
        with pytest.raises(client.exceptions.ResourceNotFoundException):
            call(TableName="sem-cp-nosuch")


def test_update_table_adds_a_gsi_over_existing_items_and_deletes_it(client: Any,
                                                                    table: str) -> None:
    for i in range(3):
        item = {"pk": {"S": f"k{i}"}, "pad": {"S": "x" * 10}}
        if i:
            item["g"] = {"S": "G"}
        client.put_item(TableName=table, Item=item)
    created = client.update_table(
        TableName=table, AttributeDefinitions=[{"AttributeName": "g", "AttributeType": "S"}],
        GlobalSecondaryIndexUpdates=[{"Create": {
            "IndexName": "g-index", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "KEYS_ONLY"}}}])["TableDescription"]
    index = created["GlobalSecondaryIndexes"][0]
    assert (index["IndexStatus"], index["Backfilling"]) == ("CREATING", True)
    described = client.describe_table(TableName=table)["Table"]
    index = described["GlobalSecondaryIndexes"][0]
    assert index["IndexStatus"] == "ACTIVE" and "Backfilling" not in index
    assert index["ItemCount"] == 2
    assert index["IndexArn"] == f"{described['TableArn']}/index/g-index"
    # KEYS_ONLY: "pk" + "k1" and "g" + "G" per item (2 + 2 + 1 + 1 bytes)
    assert index["IndexSizeBytes"] == 2 * 6
    queried = client.query(TableName=table, IndexName="g-index", KeyConditionExpression="g = :g",
                           ExpressionAttributeValues={":g": {"S": "G"}})["Items"]
    assert sorted(i["pk"]["S"] for i in queried) == ["k1", "k2"]
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.update_table(TableName=table, GlobalSecondaryIndexUpdates=[
            {"Delete": {"IndexName": "nosuch-index"}}])
    with pytest.raises(client.exceptions.ClientError, match="not defined in AttributeDefinitions"):
        client.update_table(TableName=table, GlobalSecondaryIndexUpdates=[{"Create": {
            "IndexName": "u-index", "KeySchema": [{"AttributeName": "u", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "ALL"}}}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    refused = client.describe_table(TableName=table)["Table"]
    assert [i["IndexName"] for i in refused["GlobalSecondaryIndexes"]] == ["g-index"]
    assert sorted(d["AttributeName"] for d in refused["AttributeDefinitions"]) == ["g", "pk"]
    deleted = client.update_table(TableName=table, GlobalSecondaryIndexUpdates=[
        {"Delete": {"IndexName": "g-index"}}])["TableDescription"]["GlobalSecondaryIndexes"]
    assert [(i["IndexName"], i["IndexStatus"]) for i in deleted] == [("g-index", "DELETING")]
    after = client.describe_table(TableName=table)["Table"]
    assert not after.get("GlobalSecondaryIndexes")
    assert [d["AttributeName"] for d in after["AttributeDefinitions"]] == ["pk"]


def test_describe_table_sizes_counts_and_id(client: Any, table: str) -> None:
    client.put_item(TableName=table, Item={"pk": {"S": "a"}, "n": {"N": "12345"},
                                           "l": {"L": [{"S": "xy"}]}})
    described = client.describe_table(TableName=table)["Table"]
    # "pk"+"a" = 3; "n" + 12345 (5 digits: 3 + 1) = 5; "l" + list (3 + 1 + 2) = 7
    assert (described["ItemCount"], described["TableSizeBytes"]) == (1, 15)
    assert described["TableId"] == client.describe_table(TableName=table)["Table"]["TableId"]
    assert len(described["TableId"]) == 36


def test_describe_table_figures_follow_every_kind_of_write(client: Any, table: str) -> None:
    def figures() -> tuple[int, int]:
        described = client.describe_table(TableName=table)["Table"]
        return described["ItemCount"], described["TableSizeBytes"]

    client.put_item(TableName=table, Item={"pk": {"S": "a"}})
    assert figures() == (1, 3)  # "pk" + "a"
    client.update_item(TableName=table, Key={"pk": {"S": "a"}},
                       UpdateExpression="SET v = :v", ExpressionAttributeValues={":v": {"S": "xyz"}})
    assert figures() == (1, 7)  # + "v" + "xyz"
    client.batch_write_item(RequestItems={table: [
        {"PutRequest": {"Item": {"pk": {"S": "b"}}}}, {"DeleteRequest": {"Key": {"pk": {"S": "a"}}}}]})
    assert figures() == (1, 3)
    client.transact_write_items(TransactItems=[{"Delete": {"TableName": table,
                                                           "Key": {"pk": {"S": "b"}}}}])
    assert figures() == (0, 0)


def test_transact_get_items_takes_100(client: Any, table: str) -> None:
    gets = [{"Get": {"TableName": table, "Key": {"pk": {"S": f"k{i}"}}}} for i in range(100)]
    assert len(client.transact_get_items(TransactItems=gets)["Responses"]) == 100


def test_client_request_token_applies_a_transaction_once(client: Any, table: str) -> None:
    def add(amount: str) -> dict[str, Any]:
        return {"Update": {"TableName": table, "Key": {"pk": {"S": "t"}},
                           "UpdateExpression": "ADD n :n",
                           "ExpressionAttributeValues": {":n": {"N": amount}}}}

    for _ in range(2):
        client.transact_write_items(TransactItems=[add("1")], ClientRequestToken="tok-1")
    assert client.get_item(TableName=table, Key={"pk": {"S": "t"}})["Item"]["n"] == {"N": "1"}
    with pytest.raises(client.exceptions.IdempotentParameterMismatchException):
        client.transact_write_items(TransactItems=[add("2")], ClientRequestToken="tok-1")
    client.transact_write_items(TransactItems=[add("2")], ClientRequestToken="tok-2")
    assert client.get_item(TableName=table, Key={"pk": {"S": "t"}})["Item"]["n"] == {"N": "3"}
    assert len(transact_write_items._tokens) <= transact_write_items.MAX_TOKENS


def test_stream_paging(emulator: Emulator, client: Any) -> None:
    names = [_create(client, f"sem-stream-{next(_names)}", StreamSpecification={
        "StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}) for _ in range(2)]
    try:
        streams = emulator.client("dynamodbstreams")
        arn = client.describe_table(TableName=names[0])["Table"]["LatestStreamArn"]
        shards = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
        after = streams.describe_stream(StreamArn=arn, ExclusiveStartShardId=shards[-1]["ShardId"])
        assert after["StreamDescription"]["Shards"] == []
        assert "LastEvaluatedShardId" not in after["StreamDescription"]
        seen, start = [], None
        for _ in range(1000):  # other tests' tables have streams too
            page = streams.list_streams(Limit=2, **({"ExclusiveStartStreamArn": start}
                                                    if start else {}))
            seen += [s["TableName"] for s in page["Streams"]]
            start = page.get("LastEvaluatedStreamArn")
            if start is None:
                break
        assert set(names) <= set(seen) and len(seen) == len(set(seen))
    finally:
        for name in names:
            client.delete_table(TableName=name)

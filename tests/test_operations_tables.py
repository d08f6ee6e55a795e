"""CreateTable and UpdateTable, ddbkit's own modules (emulator/operations/create_table.py and
update_table.py), through boto3 against a real server: the spec's six tables, good and bad
input in DynamoDB's wording, GSIs added (CREATING, then ACTIVE and queryable over the items
already there) and deleted, streams, billing mode, deletion protection; and all of it
surviving a kill -9 of a durable server."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

from refusals import refused

from ddbkit.emulator.connect.clients import make_client
from ddbkit.emulator.spec import TABLES
from ddbkit.emulator.tables.schema import create_table_request

_names = itertools.count()
KEY = [{"AttributeName": "pk", "KeyType": "HASH"}]
PK = [{"AttributeName": "pk", "AttributeType": "S"}]
ALL = {"ProjectionType": "ALL"}



def _name(prefix: str) -> str:
    return f"optab-{prefix}-{next(_names)}"


def _gsi(name: str, attribute: str, **extra: Any) -> dict[str, Any]:
    return {"IndexName": name, "KeySchema": [{"AttributeName": attribute, "KeyType": "HASH"}],
            "Projection": ALL, **extra}


def test_the_spec_tables_are_created_as_the_spec_says(client: Any) -> None:
    for spec in TABLES:
        request = create_table_request(spec, "optab")
        answer = client.create_table(**request)["TableDescription"]
        try:
            assert answer["TableStatus"] == "ACTIVE"
            table = client.describe_table(TableName=request["TableName"])["Table"]
            for described in (answer, table):
                assert described["KeySchema"] == request["KeySchema"]
                assert described["AttributeDefinitions"] == request["AttributeDefinitions"]
                assert described["BillingModeSummary"]["BillingMode"] == request["BillingMode"]
                indexes = {i["IndexName"]: i for i in described.get("GlobalSecondaryIndexes", [])}
                assert set(indexes) == {g.name for g in spec.gsis}
                for gsi in spec.gsis:
                    assert indexes[gsi.name]["KeySchema"] == gsi.key.to_wire()
                    assert indexes[gsi.name]["Projection"] == gsi.projection_wire()
                    assert indexes[gsi.name]["IndexStatus"] == "ACTIVE"
                stream = described.get("StreamSpecification")
                assert (stream or {}).get("StreamViewType") == spec.stream_view
        finally:
            client.delete_table(TableName=request["TableName"])


def test_create_table_answers_and_refuses_in_dynamodbs_words(client: Any, unchecked: Any) -> None:
    name = _name("create")
    answer = client.create_table(
        TableName=name, KeySchema=KEY, AttributeDefinitions=PK, DeletionProtectionEnabled=True,
        ProvisionedThroughput={"ReadCapacityUnits": 3, "WriteCapacityUnits": 4},
        Tags=[{"Key": "team", "Value": "a"}])["TableDescription"]
    assert answer["ProvisionedThroughput"]["ReadCapacityUnits"] == 3
    assert answer["BillingModeSummary"] == {"BillingMode": "PROVISIONED"}
    assert answer["DeletionProtectionEnabled"] is True and answer["ItemCount"] == 0
    assert client.list_tags_of_resource(ResourceArn=answer["TableArn"])["Tags"] == [
        {"Key": "team", "Value": "a"}]
    assert refused(lambda: client.create_table(
        TableName=name, KeySchema=KEY, AttributeDefinitions=PK,
        BillingMode="PAY_PER_REQUEST")) == ("ResourceInUseException",
                                            f"Table already exists: {name}")
    invalid = "One or more parameter values were invalid: "
    cases = {
        "unused definition": ({"AttributeDefinitions": [*PK, {"AttributeName": "x",
                                                              "AttributeType": "S"}]},
                              invalid + "Number of attributes in KeySchema does not exactly "
                              "match number of attributes defined in AttributeDefinitions"),
        "undefined key": ({"AttributeDefinitions": [{"AttributeName": "q", "AttributeType": "S"}]},
                          invalid + "Some index key attributes are not defined in "
                          "AttributeDefinitions. Keys: [pk], AttributeDefinitions: [q]"),
        "stream without view": ({"StreamSpecification": {"StreamEnabled": True}},
                                invalid + "Table is being created with a stream enabled, "
                                "UpdateViewType is required"),
        "throughput on demand": ({"ProvisionedThroughput": {"ReadCapacityUnits": 1,
                                                            "WriteCapacityUnits": 1}},
                                 invalid + "Neither ReadCapacityUnits nor WriteCapacityUnits "
                                 "can be specified when BillingMode is PAY_PER_REQUEST"),
        "empty GSI list": ({"GlobalSecondaryIndexes": []},
                           invalid + "List of GlobalSecondaryIndexes is empty"),
    }
    for case, (extra, message) in cases.items():
        request = {"TableName": _name("bad"), "KeySchema": KEY, "AttributeDefinitions": PK,
                   "BillingMode": "PAY_PER_REQUEST", **extra}
        assert refused(lambda r=request: unchecked.create_table(**r)) == (  # type: ignore[misc]
            "ValidationException", message), case
        assert refused(lambda r=request: client.describe_table(  # type: ignore[misc]
            TableName=r["TableName"]))[0] == "ResourceNotFoundException"
    assert refused(lambda: client.delete_table(TableName=name))[0] == "ValidationException"
    client.update_table(TableName=name, DeletionProtectionEnabled=False)
    client.delete_table(TableName=name)


def test_a_new_gsi_is_creating_then_active_and_holds_the_items_already_there(
        client: Any, make_table: Any) -> None:
    name = make_table("optab-gsi")
    for key, group in (("a", "red"), ("b", "red"), ("c", "blue"), ("d", None)):
        item = {"pk": {"S": key}} | ({"g": {"S": group}} if group else {})
        client.put_item(TableName=name, Item=item)
    answer = client.update_table(
        TableName=name, AttributeDefinitions=[{"AttributeName": "g", "AttributeType": "S"}],
        GlobalSecondaryIndexUpdates=[{"Create": _gsi("g-index", "g")}])["TableDescription"]
    created = answer["GlobalSecondaryIndexes"][0]
    assert (created["IndexStatus"], created["Backfilling"]) == ("CREATING", True)
    assert answer["AttributeDefinitions"] == [*PK, {"AttributeName": "g", "AttributeType": "S"}]
    table = client.describe_table(TableName=name)["Table"]
    index = table["GlobalSecondaryIndexes"][0]
    assert index["IndexStatus"] == "ACTIVE" and "Backfilling" not in index
    assert index["ItemCount"] == 3
    found = client.query(TableName=name, IndexName="g-index", KeyConditionExpression="g = :g",
                         ExpressionAttributeValues={":g": {"S": "red"}})["Items"]
    assert sorted(i["pk"]["S"] for i in found) == ["a", "b"]
    client.put_item(TableName=name, Item={"pk": {"S": "e"}, "g": {"S": "blue"}})
    assert client.query(TableName=name, IndexName="g-index", KeyConditionExpression="g = :g",
                        ExpressionAttributeValues={":g": {"S": "blue"}})["Count"] == 2

    deleted = client.update_table(TableName=name, GlobalSecondaryIndexUpdates=[
        {"Delete": {"IndexName": "g-index"}}])["TableDescription"]
    assert [(i["IndexName"], i["IndexStatus"]) for i in deleted["GlobalSecondaryIndexes"]] == [
        ("g-index", "DELETING")]
    table = client.describe_table(TableName=name)["Table"]
    assert table.get("GlobalSecondaryIndexes", []) == [] and table["AttributeDefinitions"] == PK
    assert refused(lambda: client.query(
        TableName=name, IndexName="g-index", KeyConditionExpression="g = :g",
        ExpressionAttributeValues={":g": {"S": "red"}}))[0] == "ValidationException"


def test_update_table_refuses_index_changes_in_dynamodbs_words(client: Any,
                                                                make_table: Any) -> None:
    name = make_table("optab-bad-gsi", attributes=[{"AttributeName": "g", "AttributeType": "S"}],
                      GlobalSecondaryIndexes=[_gsi("g-index", "g")])
    define = [{"AttributeName": "h", "AttributeType": "S"},
              {"AttributeName": "i", "AttributeType": "S"}]
    invalid = "One or more parameter values were invalid: "
    cases = [
        ([{"Create": _gsi("g-index", "g")}], [{"AttributeName": "g", "AttributeType": "S"}],
         ("ValidationException", "Attempting to create an index which already exists")),
        ([{"Delete": {"IndexName": "nope"}}], None,
         ("ResourceNotFoundException",
          f"Requested resource not found: Index: nope not found for table: {name}")),
        ([{"Create": _gsi("h-index", "h")}, {"Create": _gsi("i-index", "i")}], define,
         ("LimitExceededException", "Subscriber limit exceeded: Only 1 online index can be "
          "created or deleted simultaneously per table")),
        ([{"Create": _gsi("h-index", "h")}, {"Delete": {"IndexName": "g-index"}}], define,
         ("LimitExceededException", "Subscriber limit exceeded: Only 1 online index can be "
          "created or deleted simultaneously per table")),
        ([{"Create": _gsi("z-index", "z")}], define,
         ("ValidationException", invalid + "Some index key attributes are not defined in "
          "AttributeDefinitions. Keys: [z], AttributeDefinitions: [h, i]")),
        ([{"Create": _gsi("h-index", "h", ProvisionedThroughput={
            "ReadCapacityUnits": 1, "WriteCapacityUnits": 1})}], define,
         ("ValidationException", invalid + "Neither ReadCapacityUnits nor WriteCapacityUnits "
          "can be specified for index: h-index when BillingMode is PAY_PER_REQUEST")),
        ([{"Create": _gsi("n-index", "pk")}], [{"AttributeName": "pk", "AttributeType": "N"}],
         ("ValidationException", invalid + "Attribute pk is already defined with type S; "
          "index n-index cannot define it as N")),
    ]
    for updates, definitions, expected in cases:
        request: dict[str, Any] = {"TableName": name, "GlobalSecondaryIndexUpdates": updates}
        if definitions:
            request["AttributeDefinitions"] = definitions
        assert refused(lambda r=request: client.update_table(**r)) == expected  # type: ignore[misc]
    table = client.describe_table(TableName=name)["Table"]  # nothing changed
    assert [i["IndexName"] for i in table["GlobalSecondaryIndexes"]] == ["g-index"]
    assert table["AttributeDefinitions"] == [*PK, {"AttributeName": "g", "AttributeType": "S"}]
    assert refused(lambda: client.update_table(TableName="optab-missing",
                                              BillingMode="PAY_PER_REQUEST")) == (
        "ResourceNotFoundException", "Requested resource not found: Table: optab-missing not found")


def test_streams_billing_and_protection_change_and_refuse_no_ops(client: Any,
                                                                 make_table: Any) -> None:
    name = make_table("optab-settings")
    on = {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}
    first = client.update_table(TableName=name, StreamSpecification=on)["TableDescription"]
    assert first["StreamSpecification"] == on and first["LatestStreamArn"].endswith(
        first["LatestStreamLabel"])
    assert refused(lambda: client.update_table(TableName=name, StreamSpecification=on)) == (
        "ValidationException", f"Table already has an enabled stream: TableName: {name}")
    off = client.update_table(TableName=name, StreamSpecification={"StreamEnabled": False})
    assert "StreamSpecification" not in off["TableDescription"]
    assert refused(lambda: client.update_table(
        TableName=name, StreamSpecification={"StreamEnabled": False})) == (
        "ValidationException", f"Table has no stream to disable: TableName: {name}")
    again = client.update_table(TableName=name, StreamSpecification={
        "StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})["TableDescription"]
    assert again["StreamSpecification"]["StreamViewType"] == "KEYS_ONLY"
    assert again["LatestStreamArn"] != first["LatestStreamArn"]

    throughput = {"ReadCapacityUnits": 7, "WriteCapacityUnits": 8}
    assert refused(lambda: client.update_table(TableName=name, ProvisionedThroughput=throughput)) \
        == ("ValidationException", "Neither ReadCapacityUnits nor WriteCapacityUnits can be "
            "specified when BillingMode is PAY_PER_REQUEST")
    assert refused(lambda: client.update_table(TableName=name, BillingMode="PROVISIONED")) == (
        "ValidationException", "One or more parameter values were invalid: "
        "ProvisionedThroughput must be specified when BillingMode is PROVISIONED")
    switched = client.update_table(TableName=name, BillingMode="PROVISIONED",
                                   ProvisionedThroughput=throughput)["TableDescription"]
    assert switched["BillingModeSummary"] == {"BillingMode": "PROVISIONED"}
    assert switched["ProvisionedThroughput"]["ReadCapacityUnits"] == 7
    code, message = refused(lambda: client.update_table(TableName=name,
                                                       ProvisionedThroughput=throughput))
    assert code == "ValidationException" and message.startswith(
        "The provisioned throughput for the table will not change.")
    client.update_table(TableName=name, BillingMode="PAY_PER_REQUEST")
    client.update_table(TableName=name, DeletionProtectionEnabled=True)
    assert client.describe_table(TableName=name)["Table"]["DeletionProtectionEnabled"] is True
    assert refused(lambda: client.delete_table(TableName=name))[0] == "ValidationException"
    client.update_table(TableName=name, DeletionProtectionEnabled=False)
    assert refused(lambda: client.update_table(TableName=name))[1].startswith(
        "At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled")


def test_created_and_updated_tables_survive_a_kill(tmp_path: Path, durable_up: Any) -> None:
    """Tables, new GSIs, stream, billing and protection changes are journaled before they are
    answered: kill -9 loses none, and the new GSI still answers a Query."""
    data_dir = tmp_path / "data"
    args = ("--stage", "optab", "--no-seed", "--ttl-interval", "0")
    first = durable_up(data_dir, *args).start()
    client = make_client(endpoint_url=first.endpoint_url)
    client.create_table(TableName="kept", BillingMode="PAY_PER_REQUEST", KeySchema=KEY,
                        AttributeDefinitions=PK)
    client.put_item(TableName="kept", Item={"pk": {"S": "a"}, "g": {"S": "red"}})
    client.update_table(TableName="kept",
                        AttributeDefinitions=[{"AttributeName": "g", "AttributeType": "S"}],
                        GlobalSecondaryIndexUpdates=[{"Create": _gsi("g-index", "g")}])
    image = {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    client.update_table(TableName="kept", StreamSpecification={**image, "StreamViewType":
                                                                "KEYS_ONLY"})
    client.update_table(TableName="kept", StreamSpecification={"StreamEnabled": False})
    client.update_table(TableName="kept", StreamSpecification=image)  # a new stream
    client.put_item(TableName="kept", Item={"pk": {"S": "b"}})
    client.update_table(TableName="kept", BillingMode="PROVISIONED", ProvisionedThroughput={
        "ReadCapacityUnits": 2, "WriteCapacityUnits": 3})
    client.update_table(TableName="kept", DeletionProtectionEnabled=True)
    stream_arn = client.describe_table(TableName="kept")["Table"]["LatestStreamArn"]
    first.kill()  # no clean stop: only the journal carries the changes

    second = durable_up(data_dir, *args).start()
    client = make_client(endpoint_url=second.endpoint_url)
    table = client.describe_table(TableName="kept")["Table"]
    assert [(i["IndexName"], i["IndexStatus"]) for i in table["GlobalSecondaryIndexes"]] == [
        ("g-index", "ACTIVE")]
    assert table["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert table["LatestStreamArn"] == stream_arn
    assert table["BillingModeSummary"] == {"BillingMode": "PROVISIONED"}
    assert table["ProvisionedThroughput"]["WriteCapacityUnits"] == 3
    assert table["DeletionProtectionEnabled"] is True
    found = client.query(TableName="kept", IndexName="g-index", KeyConditionExpression="g = :g",
                         ExpressionAttributeValues={":g": {"S": "red"}})["Items"]
    assert [i["pk"]["S"] for i in found] == ["a"]
    streams = make_client("dynamodbstreams", endpoint_url=second.endpoint_url)
    shard = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"][0]
    iterator = streams.get_shard_iterator(StreamArn=stream_arn, ShardId=shard["ShardId"],
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    records = streams.get_records(ShardIterator=iterator)["Records"]
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in records] == ["b"]

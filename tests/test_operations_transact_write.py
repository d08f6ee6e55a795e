"""TransactWriteItems as ddbkit's own operation (operations/transact_write_items.py): through a
real server with boto3, all of a transaction's writes are visible from outside, or none.

Capacity figures follow AWS's rules for transactions: 2 WCU per KB of the larger of the old
and new item, a ConditionCheck charged by its item (2 WCU for a small one), a GSI entry
1 WCU to add or remove (index writes are not transactional).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from write_tables import error_of, stream_records

from ddbkit.emulator.connect.clients import make_client
from ddbkit.emulator.runtime import Emulator


@pytest.fixture
def plain(make_table: Any) -> str:
    return str(make_table("tplain", sort="N"))


def _by_g(client: Any, table: str, g: str) -> list[str]:
    items = client.query(TableName=table, IndexName="by-g", KeyConditionExpression="g = :g",
                         ExpressionAttributeValues={":g": {"N": g}})["Items"]
    return sorted(item["pk"]["S"] for item in items)


def _seed(client: Any, indexed: str, plain: str) -> None:
    client.put_item(TableName=indexed, Item={"pk": {"S": "upd"}, "g": {"N": "1"},
                                             "n": {"N": "5"}})
    client.put_item(TableName=indexed, Item={"pk": {"S": "gone"}, "g": {"N": "1"}})
    client.put_item(TableName=plain, Item={"pk": {"S": "chk"}, "sk": {"N": "1"},
                                           "state": {"S": "open"}})


def _mixed(indexed: str, plain: str, state: str = "open") -> list[dict[str, Any]]:
    return [
        {"Put": {"TableName": indexed, "Item": {"pk": {"S": "new"}, "g": {"N": "2"}},
                 "ConditionExpression": "attribute_not_exists(pk)"}},
        {"Update": {"TableName": indexed, "Key": {"pk": {"S": "upd"}},
                    "UpdateExpression": "SET g = :g ADD n :one",
                    "ExpressionAttributeValues": {":g": {"N": "2"}, ":one": {"N": "1"}}}},
        {"Delete": {"TableName": indexed, "Key": {"pk": {"S": "gone"}}}},
        {"ConditionCheck": {"TableName": plain, "Key": {"pk": {"S": "chk"}, "sk": {"N": "1"}},
                            "ConditionExpression": "#s = :s",
                            "ExpressionAttributeNames": {"#s": "state"},
                            "ExpressionAttributeValues": {":s": {"S": state}},
                            "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}},
    ]


def test_mixed_actions_across_tables_commit_together(emulator: Emulator, client: Any,
                                                     indexed: str, plain: str) -> None:
    _seed(client, indexed, plain)
    answer = client.transact_write_items(TransactItems=_mixed(indexed, plain),
                                         ReturnConsumedCapacity="INDEXES")
    items = {i["pk"]["S"]: i for i in client.scan(TableName=indexed)["Items"]}
    assert set(items) == {"new", "upd"}
    assert items["upd"] == {"pk": {"S": "upd"}, "g": {"N": "2"}, "n": {"N": "6"}}
    assert _by_g(client, indexed, "2") == ["new", "upd"]
    assert _by_g(client, indexed, "1") == []
    events = [(r["eventName"], r["Keys"]["pk"]["S"]) for r in stream_records(emulator, client, indexed)]
    assert events[-3:] == [("INSERT", "new"), ("MODIFY", "upd"), ("REMOVE", "gone")]
    # The table 2 per item (Put, Update, Delete); the GSI, not transactional, 1 per entry
    # change (an add, a move as delete and put, a delete); the ConditionCheck 2.
    capacity = {c["TableName"]: c for c in answer["ConsumedCapacity"]}
    assert capacity[indexed] == {
        "TableName": indexed, "CapacityUnits": 10.0, "WriteCapacityUnits": 10.0,
        "Table": {"CapacityUnits": 6.0, "WriteCapacityUnits": 6.0},
        "GlobalSecondaryIndexes": {"by-g": {"CapacityUnits": 4.0, "WriteCapacityUnits": 4.0}}}
    assert capacity[plain] == {"TableName": plain, "CapacityUnits": 2.0,
                               "WriteCapacityUnits": 2.0, "Table": {
                                   "CapacityUnits": 2.0, "WriteCapacityUnits": 2.0}}
    assert answer["ItemCollectionMetrics"] == {}


def test_a_failing_condition_cancels_everything_with_reasons_in_order(
        emulator: Emulator, client: Any, indexed: str, plain: str) -> None:
    _seed(client, indexed, plain)
    before = sorted(client.scan(TableName=indexed)["Items"], key=lambda i: i["pk"]["S"])
    records = len(stream_records(emulator, client, indexed))
    with pytest.raises(ClientError) as exc:
        client.transact_write_items(TransactItems=_mixed(indexed, plain, state="closed"))
    code, message = error_of(exc)
    assert code == "TransactionCanceledException"
    assert message.endswith("[None, None, None, ConditionalCheckFailed]")
    reasons = exc.value.response["CancellationReasons"]
    assert [r["Code"] for r in reasons] == ["None", "None", "None", "ConditionalCheckFailed"]
    assert reasons[3]["Message"] == "The conditional request failed"
    assert reasons[3]["Item"] == {"pk": {"S": "chk"}, "sk": {"N": "1"}, "state": {"S": "open"}}
    after = sorted(client.scan(TableName=indexed)["Items"], key=lambda i: i["pk"]["S"])
    assert after == before
    assert _by_g(client, indexed, "1") == ["gone", "upd"]
    assert _by_g(client, indexed, "2") == []
    assert len(stream_records(emulator, client, indexed)) == records


def test_a_key_that_does_not_match_its_schema_cancels(client: Any, plain: str) -> None:
    with pytest.raises(ClientError) as exc:
        client.transact_write_items(TransactItems=[
            {"Put": {"TableName": plain, "Item": {"pk": {"S": "a"}, "sk": {"N": "1"}}}},
            {"Delete": {"TableName": plain, "Key": {"pk": {"S": "a"}}}}])
    reasons = exc.value.response["CancellationReasons"]
    assert reasons == [{"Code": "None"}, {
        "Code": "ValidationError",
        "Message": "The provided key element does not match the schema"}]
    assert client.scan(TableName=plain)["Items"] == []


def test_two_actions_on_one_item_are_refused(client: Any, plain: str) -> None:
    key = {"pk": {"S": "a"}, "sk": {"N": "1"}}
    with pytest.raises(ClientError) as exc:
        client.transact_write_items(TransactItems=[
            {"Put": {"TableName": plain, "Item": {**key, "v": {"S": "x"}}}},
            {"Delete": {"TableName": plain, "Key": {"pk": {"S": "a"}, "sk": {"N": "1.0"}}}}])
    assert error_of(exc) == ("ValidationException",
                           "Transaction request cannot include multiple operations on one item")
    assert client.scan(TableName=plain)["Items"] == []


def test_101_actions_are_refused_100_are_taken(client: Any, plain: str) -> None:
    puts = [{"Put": {"TableName": plain, "Item": {"pk": {"S": "p"}, "sk": {"N": str(n)}}}}
            for n in range(101)]
    with pytest.raises(ClientError) as exc:
        client.transact_write_items(TransactItems=puts)
    assert error_of(exc)[0] == "ValidationException"
    assert client.scan(TableName=plain)["Items"] == []
    client.transact_write_items(TransactItems=puts[:100])
    assert client.scan(TableName=plain, Select="COUNT")["Count"] == 100


def test_a_token_retry_applies_once_and_another_body_is_refused(client: Any,
                                                              plain: str) -> None:
    def add(amount: str) -> list[dict[str, Any]]:
        return [{"Update": {"TableName": plain, "Key": {"pk": {"S": "t"}, "sk": {"N": "0"}},
                            "UpdateExpression": "ADD n :n",
                            "ExpressionAttributeValues": {":n": {"N": amount}}}}]

    first = client.transact_write_items(TransactItems=add("1"), ClientRequestToken="h13-a")
    again = client.transact_write_items(TransactItems=add("1"), ClientRequestToken="h13-a")
    assert first.keys() == again.keys()
    key = {"pk": {"S": "t"}, "sk": {"N": "0"}}
    assert client.get_item(TableName=plain, Key=key)["Item"]["n"] == {"N": "1"}
    with pytest.raises(ClientError) as exc:
        client.transact_write_items(TransactItems=add("2"), ClientRequestToken="h13-a")
    assert error_of(exc)[0] == "IdempotentParameterMismatchException"
    assert client.get_item(TableName=plain, Key=key)["Item"]["n"] == {"N": "1"}


def test_binary_keys(make_table: Any, client: Any) -> None:
    table = _binary_table(client, make_table)
    client.transact_write_items(TransactItems=[
        {"Put": {"TableName": table, "Item": {"b": {"B": b"\x00\xff"}, "v": {"N": "1"}}}},
        {"Put": {"TableName": table, "Item": {"b": {"B": b"\x01"}, "v": {"N": "2"}}}}])
    client.transact_write_items(TransactItems=[
        {"Update": {"TableName": table, "Key": {"b": {"B": b"\x00\xff"}},
                    "UpdateExpression": "SET v = :v",
                    "ExpressionAttributeValues": {":v": {"N": "3"}}}},
        {"Delete": {"TableName": table, "Key": {"b": {"B": b"\x01"}},
                    "ConditionExpression": "v = :two",
                    "ExpressionAttributeValues": {":two": {"N": "2"}}}}])
    assert client.scan(TableName=table)["Items"] == [{"b": {"B": b"\x00\xff"}, "v": {"N": "3"}}]
    with pytest.raises(ClientError) as exc:
        client.transact_write_items(TransactItems=[
            {"Put": {"TableName": table, "Item": {"b": {"B": b"\x00\xff"}}}},
            {"ConditionCheck": {"TableName": table, "Key": {"b": {"B": b"\x00\xff"}},
                                "ConditionExpression": "attribute_exists(b)"}}])
    assert error_of(exc)[1] == "Transaction request cannot include multiple operations on one item"


def _binary_table(client: Any, make_table: Any) -> str:
    """A table keyed on a binary `b` (make_table's name, so it is deleted after the test)."""
    name = str(make_table("tbin"))
    client.delete_table(TableName=name)
    client.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                        KeySchema=[{"AttributeName": "b", "KeyType": "HASH"}],
                        AttributeDefinitions=[{"AttributeName": "b", "AttributeType": "B"}])
    return name


def test_item_collection_metrics_one_entry_per_written_item(make_table: Any,
                                                            client: Any) -> None:
    table = make_table(
        "tlsi", sort="N", attributes=[{"AttributeName": "l", "AttributeType": "S"}],
        LocalSecondaryIndexes=[{"IndexName": "by-l", "Projection": {"ProjectionType": "ALL"},
                                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                              {"AttributeName": "l", "KeyType": "RANGE"}]}])
    answer = client.transact_write_items(ReturnItemCollectionMetrics="SIZE", TransactItems=[
        {"Put": {"TableName": table, "Item": {"pk": {"S": "a"}, "sk": {"N": "1"},
                                              "l": {"S": "x"}}}},
        {"Put": {"TableName": table, "Item": {"pk": {"S": "b"}, "sk": {"N": "1"}}}},
        {"ConditionCheck": {"TableName": table, "Key": {"pk": {"S": "c"}, "sk": {"N": "1"}},
                            "ConditionExpression": "attribute_not_exists(pk)"}}])
    assert answer["ItemCollectionMetrics"] == {table: [
        {"ItemCollectionKey": {"pk": {"S": "a"}}, "SizeEstimateRangeGB": [0.0, 1.0]},
        {"ItemCollectionKey": {"pk": {"S": "b"}}, "SizeEstimateRangeGB": [0.0, 1.0]}]}
    assert client.query(TableName=table, IndexName="by-l", KeyConditionExpression="pk = :a",
                        ExpressionAttributeValues={":a": {"S": "a"}})["Count"] == 1


def test_an_update_past_400_kb_cancels(client: Any, plain: str) -> None:
    key = {"pk": {"S": "big"}, "sk": {"N": "1"}}
    client.put_item(TableName=plain, Item={**key, "a": {"S": "x" * 300_000}})
    with pytest.raises(ClientError) as exc:
        client.transact_write_items(TransactItems=[
            {"Put": {"TableName": plain, "Item": {"pk": {"S": "other"}, "sk": {"N": "1"}}}},
            {"Update": {"TableName": plain, "Key": key, "UpdateExpression": "SET b = :b",
                        "ExpressionAttributeValues": {":b": {"S": "y" * 200_000}}}}])
    assert [r["Code"] for r in exc.value.response["CancellationReasons"]] == [
        "None", "ValidationError"]
    assert client.scan(TableName=plain, Select="COUNT")["Count"] == 1


def test_a_durable_server_restarted_sees_every_committed_transaction(
        tmp_path: Path, durable_up: Any) -> None:
    data_dir = tmp_path / "data"
    args = ("--stage", "twrite", "--no-seed", "--ttl-interval", "0")
    first = durable_up(data_dir, *args).start()
    client = make_client(endpoint_url=first.endpoint_url)
    for name in ("left", "right"):
        client.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    for n in range(10):
        client.transact_write_items(TransactItems=[
            {"Put": {"TableName": "left", "Item": {"pk": {"S": f"k{n}"}, "b": {"B": bytes([n])}}}},
            {"Update": {"TableName": "right", "Key": {"pk": {"S": "total"}},
                        "UpdateExpression": "ADD n :one",
                        "ExpressionAttributeValues": {":one": {"N": "1"}}}}])
    client.transact_write_items(TransactItems=[
        {"Delete": {"TableName": "left", "Key": {"pk": {"S": "k0"}}}}])
    with pytest.raises(ClientError):
        client.transact_write_items(TransactItems=[
            {"Delete": {"TableName": "left", "Key": {"pk": {"S": "k1"}}}},
            {"ConditionCheck": {"TableName": "right", "Key": {"pk": {"S": "total"}},
                                "ConditionExpression": "attribute_not_exists(pk)"}}])
    before = {name: sorted(client.scan(TableName=name)["Items"], key=lambda i: i["pk"]["S"])
              for name in ("left", "right")}
    first.kill()  # a crash: only what was journaled before each answer survives

    second = durable_up(data_dir, *args).start()
    client = make_client(endpoint_url=second.endpoint_url)
    after = {name: sorted(client.scan(TableName=name)["Items"], key=lambda i: i["pk"]["S"])
             for name in ("left", "right")}
    assert after == before
    assert len(after["left"]) == 9
    assert after["right"] == [{"pk": {"S": "total"}, "n": {"N": "10"}}]


def test_expressions_are_read_before_any_table_is_looked_up(client: Any, plain: str) -> None:
    with pytest.raises(ClientError) as exc:
        client.transact_write_items(TransactItems=[
            {"Delete": {"TableName": "no-such-table", "Key": {"pk": {"S": "a"}}}},
            {"ConditionCheck": {"TableName": plain, "Key": {"pk": {"S": "a"}, "sk": {"N": "1"}},
                                "ConditionExpression": "attribute_exists("}}])
    code, message = error_of(exc)
    assert code == "ValidationException"
    assert message.startswith("Invalid ConditionExpression: Syntax error")


def test_an_empty_string_key_in_a_put_is_refused_in_dynamodbs_words(client: Any,
                                                                   plain: str) -> None:
    with pytest.raises(ClientError) as exc:
        client.transact_write_items(TransactItems=[
            {"Put": {"TableName": plain, "Item": {"pk": {"S": ""}, "sk": {"N": "1"}}}}])
    assert error_of(exc) == ("ValidationException", "One or more parameter values are not valid. "
                           "The AttributeValue for a key attribute cannot contain an empty "
                           "string value. Key: pk")

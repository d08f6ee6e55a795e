"""PutItem and DeleteItem as ddbkit's own operations (operations/put_item.py, delete_item.py):
through a real server with boto3, every stage of the write is visible from outside.

Capacity figures follow AWS's rules (1 WCU per KB of the larger of the old and new item; a
GSI entry 1 WCU to add or remove, 2 when its key changes; 1 WCU for a delete of nothing).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from write_tables import FILLER, by_g, error_of, stream_records

from ddbkit.emulator.connect.clients import make_client
from ddbkit.emulator.runtime import Emulator


def test_put_and_delete_answer_the_old_item_when_asked(client: Any, indexed: str) -> None:
    first = {"pk": {"S": "a"}, "g": {"N": "1"}, "x": {"S": "one"}}
    assert "Attributes" not in client.put_item(TableName=indexed, Item=first,
                                               ReturnValues="ALL_OLD")
    second = {"pk": {"S": "a"}, "g": {"N": "2"}}
    assert client.put_item(TableName=indexed, Item=second,
                           ReturnValues="ALL_OLD")["Attributes"] == first
    assert client.get_item(TableName=indexed, Key={"pk": {"S": "a"}})["Item"] == second
    assert client.delete_item(TableName=indexed, Key={"pk": {"S": "a"}},
                              ReturnValues="ALL_OLD")["Attributes"] == second
    assert "Item" not in client.get_item(TableName=indexed, Key={"pk": {"S": "a"}})
    assert "Attributes" not in client.delete_item(TableName=indexed, Key={"pk": {"S": "a"}},
                                                  ReturnValues="ALL_OLD")


def test_conditions_and_the_old_item_on_failure(client: Any, indexed: str) -> None:
    item = {"pk": {"S": "c"}, "g": {"N": "1"}}
    client.put_item(TableName=indexed, Item=item, ConditionExpression="attribute_not_exists(pk)")
    with pytest.raises(ClientError) as failed:
        client.put_item(TableName=indexed, Item={"pk": {"S": "c"}},
                        ConditionExpression="attribute_not_exists(pk)",
                        ReturnValuesOnConditionCheckFailure="ALL_OLD")
    assert error_of(failed) == ("ConditionalCheckFailedException",
                              "The conditional request failed")
    assert failed.value.response["Item"] == item
    with pytest.raises(ClientError) as bare:  # not asked: no item in the answer
        client.delete_item(TableName=indexed, Key={"pk": {"S": "c"}},
                           ConditionExpression="#g = :g", ExpressionAttributeNames={"#g": "g"},
                           ExpressionAttributeValues={":g": {"N": "9"}})
    assert "Item" not in bare.value.response
    client.delete_item(TableName=indexed, Key={"pk": {"S": "c"}}, ConditionExpression="g = :g",
                       ExpressionAttributeValues={":g": {"N": "1"}})
    assert "Item" not in client.get_item(TableName=indexed, Key={"pk": {"S": "c"}})


def test_legacy_expected_with_or(client: Any, indexed: str) -> None:
    client.put_item(TableName=indexed, Item={"pk": {"S": "e"}, "g": {"N": "1"}},
                    Expected={"pk": {"Exists": False}})
    with pytest.raises(ClientError) as failed:
        client.put_item(TableName=indexed, Item={"pk": {"S": "e"}},
                        Expected={"pk": {"Exists": False}})
    assert error_of(failed)[0] == "ConditionalCheckFailedException"
    # OR: the second condition holds though the first does not.
    client.delete_item(TableName=indexed, Key={"pk": {"S": "e"}}, ConditionalOperator="OR",
                       Expected={"g": {"Value": {"N": "7"}},
                                 "pk": {"ComparisonOperator": "NOT_NULL"}})
    assert "Item" not in client.get_item(TableName=indexed, Key={"pk": {"S": "e"}})


def test_binary_keys_and_attributes(client: Any, make_table: Any) -> None:
    table = make_table("binary", sort="B")
    key = {"pk": {"S": "b"}, "sk": {"B": b"\x00\xff"}}
    item = {**key, "data": {"B": b"\x01\x02"}, "set": {"BS": [b"\x00", b"a"]},
            "nested": {"M": {"in": {"B": b"\xfe"}}}}
    client.put_item(TableName=table, Item=item)
    assert client.get_item(TableName=table, Key=key)["Item"] == item
    with pytest.raises(ClientError) as failed:
        client.put_item(TableName=table, Item=key, ConditionExpression="begins_with(#d, :p)",
                        ExpressionAttributeNames={"#d": "data"},
                        ExpressionAttributeValues={":p": {"B": b"\x02"}},
                        ReturnValuesOnConditionCheckFailure="ALL_OLD")
    assert failed.value.response["Item"] == item
    old = client.put_item(TableName=table, Item=key, ReturnValues="ALL_OLD",
                          ConditionExpression="begins_with(#d, :p) AND nested.#i = :n",
                          ExpressionAttributeNames={"#i": "in", "#d": "data"},
                          ExpressionAttributeValues={":p": {"B": b"\x01"},
                                                     ":n": {"B": b"\xfe"}})
    assert old["Attributes"] == item
    with pytest.raises(ClientError) as empty:
        client.delete_item(TableName=table, Key={"pk": {"S": "b"}, "sk": {"B": b""}})
    assert error_of(empty) == ("ValidationException",
                             "One or more parameter values are not valid. The AttributeValue "
                             "for a key attribute cannot contain an empty binary value. Key: sk")
    assert client.delete_item(TableName=table, Key=key, ReturnValues="ALL_OLD")[
        "Attributes"] == key


def test_key_checks_in_dynamodbs_words(client: Any, indexed: str) -> None:
    cases = [
        ({"g": {"N": "1"}}, "One or more parameter values were invalid: Missing the key pk in "
                            "the item"),
        ({"pk": {"N": "1"}}, "One or more parameter values were invalid: Type mismatch for key "
                             "pk expected: S actual: N"),
        ({"pk": {"S": "a"}, "g": {"S": "1"}},
         "One or more parameter values were invalid: Type mismatch for Index Key g Expected: N "
         "Actual: S IndexName: by-g"),
        ({"pk": {"S": "k" * 2049}}, "One or more parameter values were invalid: Size of hashkey "
                                    "has exceeded the maximum size limit of2048 bytes"),
        ({"pk": {"S": "a"}, "big": {"S": "x" * 400 * 1024}},
         "Item size has exceeded the maximum allowed size"),
    ]
    for item, message in cases:
        with pytest.raises(ClientError) as refused:
            client.put_item(TableName=indexed, Item=item)
        assert error_of(refused) == ("ValidationException", message)
    with pytest.raises(ClientError) as mismatch:
        client.delete_item(TableName=indexed, Key={"pk": {"S": "a"}, "g": {"N": "1"}})
    assert error_of(mismatch) == ("ValidationException",
                                "The provided key element does not match the schema")
    with pytest.raises(ClientError) as missing:
        client.put_item(TableName="no-such-table", Item={"pk": {"S": "a"}})
    assert error_of(missing)[0] == "ResourceNotFoundException"


def test_a_refused_write_leaves_no_trace(emulator: Emulator, client: Any, indexed: str) -> None:
    client.put_item(TableName=indexed, Item={"pk": {"S": "kept"}, "g": {"N": "5"}})
    before = client.describe_table(TableName=indexed)["Table"]
    refusals: list[dict[str, Any]] = [
        {"Item": {"pk": {"S": "new"}, "g": {"S": "not a number"}}},
        {"Item": {"pk": {"S": "new"}, "big": {"S": "x" * 400 * 1024}}},
        {"Item": {"pk": {"S": "kept"}, "g": {"N": "6"}},
         "ConditionExpression": "attribute_not_exists(pk)"},
    ]
    for refusal in refusals:
        with pytest.raises(ClientError):
            client.put_item(TableName=indexed, **refusal)
    with pytest.raises(ClientError):
        client.delete_item(TableName=indexed, Key={"pk": {"S": "kept"}},
                           ConditionExpression="attribute_not_exists(pk)")
    after = client.describe_table(TableName=indexed)["Table"]
    assert (after["ItemCount"], after["TableSizeBytes"]) == (before["ItemCount"],
                                                             before["TableSizeBytes"])
    assert "Item" not in client.get_item(TableName=indexed, Key={"pk": {"S": "new"}})
    assert by_g(client, indexed, "5") == [{"pk": {"S": "kept"}, "g": {"N": "5"}}]
    assert by_g(client, indexed, "6") == []
    assert [r["eventName"] for r in stream_records(emulator, client, indexed)] == ["INSERT"]


def test_indexes_and_stream_records_follow_each_write(emulator: Emulator, client: Any,
                                                      indexed: str) -> None:
    key = {"pk": {"S": "s"}}
    one, two = {**key, "g": {"N": "1"}}, {**key, "g": {"N": "2"}}
    client.put_item(TableName=indexed, Item=one)
    client.put_item(TableName=indexed, Item=one)  # no change: no record
    client.put_item(TableName=indexed, Item=two)
    assert by_g(client, indexed, "1") == []
    assert by_g(client, indexed, "2") == [two]
    client.delete_item(TableName=indexed, Key=key)
    client.delete_item(TableName=indexed, Key=key)  # nothing there: no record
    assert by_g(client, indexed, "2") == []
    records = stream_records(emulator, client, indexed)
    assert [(r["eventName"], r.get("OldImage"), r.get("NewImage")) for r in records] == [
        ("INSERT", None, one), ("MODIFY", one, two), ("REMOVE", two, None)]
    assert all(r["Keys"] == key for r in records)


def test_consumed_capacity_exact(client: Any, indexed: str) -> None:
    item = {"pk": {"S": "a"}, "g": {"N": "1"}, "x": {"S": FILLER}}
    first = client.put_item(TableName=indexed, Item=item, ReturnConsumedCapacity="INDEXES")
    assert first["ConsumedCapacity"] == {
        "TableName": indexed, "CapacityUnits": 3.0, "Table": {"CapacityUnits": 2.0},
        "GlobalSecondaryIndexes": {"by-g": {"CapacityUnits": 1.0}}}
    moved = client.put_item(TableName=indexed, Item={**item, "g": {"N": "2"}},
                            ReturnConsumedCapacity="INDEXES")  # the GSI key changes: 2
    assert moved["ConsumedCapacity"]["GlobalSecondaryIndexes"] == {
        "by-g": {"CapacityUnits": 2.0}}
    small = client.put_item(TableName=indexed, Item={"pk": {"S": "a"}, "g": {"N": "2"}},
                            ReturnConsumedCapacity="TOTAL")  # by the larger, old item
    assert small["ConsumedCapacity"] == {"TableName": indexed, "CapacityUnits": 2.0}
    deleted = client.delete_item(TableName=indexed, Key={"pk": {"S": "a"}},
                                 ReturnConsumedCapacity="TOTAL")
    assert deleted["ConsumedCapacity"] == {"TableName": indexed, "CapacityUnits": 2.0}
    nothing = client.delete_item(TableName=indexed, Key={"pk": {"S": "a"}},
                                 ReturnConsumedCapacity="INDEXES")
    assert nothing["ConsumedCapacity"] == {"TableName": indexed, "CapacityUnits": 1.0,
                                           "Table": {"CapacityUnits": 1.0}}
    assert "ConsumedCapacity" not in client.put_item(TableName=indexed, Item=item)
    assert "ConsumedCapacity" not in client.delete_item(TableName=indexed,
                                                        Key={"pk": {"S": "a"}})


def test_item_collection_metrics_on_lsi_tables(client: Any, collections: str,
                                               indexed: str) -> None:
    item = {"pk": {"S": "p"}, "sk": {"N": "1"}, "l": {"S": "x"}}
    put = client.put_item(TableName=collections, Item=item, ReturnItemCollectionMetrics="SIZE")
    expected = {"ItemCollectionKey": {"pk": {"S": "p"}}, "SizeEstimateRangeGB": [0.0, 1.0]}
    assert put["ItemCollectionMetrics"] == expected
    found = client.query(TableName=collections, IndexName="by-l",
                         KeyConditionExpression="pk = :p AND l = :l",
                         ExpressionAttributeValues={":p": {"S": "p"}, ":l": {"S": "x"}})
    assert found["Items"] == [item]
    deleted = client.delete_item(TableName=collections, Key={"pk": {"S": "p"}, "sk": {"N": "1"}},
                                 ReturnItemCollectionMetrics="SIZE")
    assert deleted["ItemCollectionMetrics"] == expected
    assert "ItemCollectionMetrics" not in client.put_item(
        TableName=indexed, Item={"pk": {"S": "p"}}, ReturnItemCollectionMetrics="SIZE")


def test_a_restarted_durable_server_has_every_acknowledged_write(tmp_path: Path,
                                                                  durable_up: Any) -> None:
    data_dir = tmp_path / "data"
    args = ("--stage", "writes", "--no-seed", "--ttl-interval", "0")
    first = durable_up(data_dir, *args).start()
    client = make_client(endpoint_url=first.endpoint_url)
    client.create_table(TableName="kept", BillingMode="PAY_PER_REQUEST",
                        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    for n in range(20):
        client.put_item(TableName="kept", Item={"pk": {"S": f"k{n}"}, "n": {"N": str(n)},
                                                "b": {"B": bytes([n])}})
    for n in range(0, 20, 3):
        client.delete_item(TableName="kept", Key={"pk": {"S": f"k{n}"}})
    client.put_item(TableName="kept", Item={"pk": {"S": "k1"}, "n": {"N": "100"}})
    with pytest.raises(ClientError):
        client.put_item(TableName="kept", Item={"pk": {"S": "k2"}},
                        ConditionExpression="attribute_not_exists(pk)")
    before = sorted(client.scan(TableName="kept")["Items"], key=lambda i: i["pk"]["S"])
    first.kill()  # a crash: only what was journaled before each answer survives

    second = durable_up(data_dir, *args).start()
    client = make_client(endpoint_url=second.endpoint_url)
    after = sorted(client.scan(TableName="kept")["Items"], key=lambda i: i["pk"]["S"])
    assert after == before
    assert len(after) == 13
    assert {"pk": {"S": "k2"}, "n": {"N": "2"}, "b": {"B": b"\x02"}} in after

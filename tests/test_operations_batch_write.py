"""BatchWriteItem as ddbkit's own operation (operations/batch_write_item.py): through a real
server with boto3, the whole batch is checked before anything is written, and each write's
stages (store, indexes, stream record, capacity) are visible from outside.

Capacity figures follow AWS's rules (1 WCU per KB of the larger of the old and new item; a
GSI entry 1 WCU to add or remove; 1 WCU for a delete of nothing), summed per table.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from write_tables import FILLER, by_g, error_of, stream_records

from ddbkit.emulator.connect.clients import make_client
from ddbkit.emulator.runtime import Emulator

DUPLICATES = "Provided list of item keys contains duplicates"


def _put(item: dict[str, Any]) -> dict[str, Any]:
    return {"PutRequest": {"Item": item}}


def _delete(key: dict[str, Any]) -> dict[str, Any]:
    return {"DeleteRequest": {"Key": key}}


def _keys(client: Any, table: str) -> list[str]:
    return sorted(item["pk"]["S"] for item in client.scan(TableName=table)["Items"])


def test_puts_and_deletes_over_several_tables(client: Any, make_table: Any) -> None:
    first, second = make_table("batch-a"), make_table("batch-b", sort="N")
    client.put_item(TableName=first, Item={"pk": {"S": "gone"}})
    answer = client.batch_write_item(RequestItems={
        first: [_put({"pk": {"S": "k"}, "v": {"N": "1"}}), _delete({"pk": {"S": "gone"}}),
                _put({"pk": {"S": "other"}})],
        # The same key values in another table are no duplicate.
        second: [_put({"pk": {"S": "k"}, "sk": {"N": "1"}}),
                 _put({"pk": {"S": "k"}, "sk": {"N": "2"}})],
    })
    assert answer["UnprocessedItems"] == {}
    assert "ConsumedCapacity" not in answer
    assert _keys(client, first) == ["k", "other"]
    assert client.get_item(TableName=first, Key={"pk": {"S": "k"}})["Item"] == {
        "pk": {"S": "k"}, "v": {"N": "1"}}
    assert client.scan(TableName=second)["Count"] == 2


def test_binary_keys(client: Any, make_table: Any) -> None:
    """The regression: a batch with a binary key crashed in moto's duplicate check."""
    table = make_table("batch-bin", sort="B")
    keys = [{"pk": {"S": "p"}, "sk": {"B": bytes([n, 0xff])}} for n in range(3)]
    client.batch_write_item(RequestItems={table: [_put({**k, "b": {"B": b"\x00"}})
                                                  for k in keys]})
    found = client.get_item(TableName=table, Key=keys[1])["Item"]
    assert found == {**keys[1], "b": {"B": b"\x00"}}
    client.batch_write_item(RequestItems={table: [_delete(keys[0]), _put(keys[1])]})
    assert sorted(i["sk"]["B"] for i in client.scan(TableName=table)["Items"]) == [
        bytes([1, 0xff]), bytes([2, 0xff])]
    with pytest.raises(ClientError) as refused:
        client.batch_write_item(RequestItems={table: [_put(keys[0]), _delete(dict(keys[0]))]})
    assert error_of(refused) == ("ValidationException", DUPLICATES)


def test_duplicate_keys_refuse_the_batch(client: Any, make_table: Any) -> None:
    table = make_table("batch-dup", sort="N")
    batches = [
        [_put({"pk": {"S": "a"}, "sk": {"N": "1"}, "x": {"S": "one"}}),
         _put({"pk": {"S": "a"}, "sk": {"N": "1"}, "x": {"S": "two"}})],
        [_put({"pk": {"S": "a"}, "sk": {"N": "1"}}), _delete({"pk": {"S": "a"}, "sk": {"N": "1"}})],
        [_put({"pk": {"S": "a"}, "sk": {"N": "1"}}), _put({"pk": {"S": "a"}, "sk": {"N": "1.0"}})],
    ]
    for batch in batches:
        with pytest.raises(ClientError) as refused:
            client.batch_write_item(RequestItems={table: batch})
        assert error_of(refused) == ("ValidationException", DUPLICATES)
    assert client.scan(TableName=table)["Count"] == 0


def test_more_than_25_requests_are_refused(client: Any, make_table: Any) -> None:
    first, second = make_table("batch-26a"), make_table("batch-26b")
    with pytest.raises(ClientError) as refused:
        client.batch_write_item(RequestItems={
            first: [_put({"pk": {"S": f"k{n}"}}) for n in range(13)],
            second: [_put({"pk": {"S": f"k{n}"}}) for n in range(13)]})
    assert error_of(refused) == ("ValidationException",
                               "Too many items requested for the BatchWriteItem call")
    assert client.scan(TableName=first)["Count"] == client.scan(TableName=second)["Count"] == 0


def test_an_unknown_table_refuses_the_batch(client: Any, make_table: Any) -> None:
    table = make_table("batch-known")
    with pytest.raises(ClientError) as refused:
        client.batch_write_item(RequestItems={table: [_put({"pk": {"S": "k"}})],
                                              "batch-no-such-table": [_put({"pk": {"S": "k"}})]})
    assert error_of(refused)[0] == "ResourceNotFoundException"
    assert client.scan(TableName=table)["Count"] == 0


def test_wrong_key_types_refuse_the_batch(client: Any, make_table: Any) -> None:
    table = make_table("batch-types")
    client.put_item(TableName=table, Item={"pk": {"S": "kept"}})
    good = [_put({"pk": {"S": "new"}}), _delete({"pk": {"S": "kept"}})]
    # A Put's keys get a Key's answer, not PutItem's (recorded against DynamoDB).
    refusals = [_put({"pk": {"N": "1"}}), _put({"pk": {"L": [{"S": "x"}]}}),
                _put({"other": {"S": "x"}}), _delete({"pk": {"N": "1"}}),
                _delete({"pk": {"S": "x"}, "extra": {"S": "y"}})]
    for request in refusals:
        with pytest.raises(ClientError) as refused:
            client.batch_write_item(RequestItems={table: [*good, request]})
        assert error_of(refused) == ("ValidationException",
                                   "The provided key element does not match the schema")
    with pytest.raises(ClientError) as refused:
        client.batch_write_item(RequestItems={table: [*good, _put({"pk": {"S": ""}})]})
    assert error_of(refused) == ("ValidationException", "One or more parameter values are not "
                               "valid. The AttributeValue for a key attribute cannot contain "
                               "an empty string value. Key: pk")
    assert _keys(client, table) == ["kept"]


def test_an_item_over_400_kb_refuses_the_whole_batch(emulator: Emulator, client: Any,
                                                      indexed: str) -> None:
    client.put_item(TableName=indexed, Item={"pk": {"S": "kept"}, "g": {"N": "5"}})
    before = client.describe_table(TableName=indexed)["Table"]
    with pytest.raises(ClientError) as refused:
        client.batch_write_item(RequestItems={indexed: [
            _put({"pk": {"S": "new"}, "g": {"N": "6"}}), _delete({"pk": {"S": "kept"}}),
            _put({"pk": {"S": "big"}, "x": {"S": "x" * 400 * 1024}})]})
    assert error_of(refused) == ("ValidationException",
                               "Item size has exceeded the maximum allowed size")
    after = client.describe_table(TableName=indexed)["Table"]
    assert (after["ItemCount"], after["TableSizeBytes"]) == (before["ItemCount"],
                                                             before["TableSizeBytes"])
    assert _keys(client, indexed) == ["kept"]
    assert by_g(client, indexed, "5") == [{"pk": {"S": "kept"}, "g": {"N": "5"}}]
    assert by_g(client, indexed, "6") == []
    assert [r["eventName"] for r in stream_records(emulator, client, indexed)] == ["INSERT"]


def test_indexes_and_stream_records_follow_each_write(emulator: Emulator, client: Any,
                                                      indexed: str, collections: str) -> None:
    one, two = {"pk": {"S": "s"}, "g": {"N": "1"}}, {"pk": {"S": "t"}, "g": {"N": "1"}}
    client.batch_write_item(RequestItems={indexed: [_put(one), _put(two)]})
    assert sorted(i["pk"]["S"] for i in by_g(client, indexed, "1")) == ["s", "t"]
    moved = {**one, "g": {"N": "2"}}
    lsi_item = {"pk": {"S": "p"}, "sk": {"N": "1"}, "l": {"S": "x"}}
    client.batch_write_item(RequestItems={
        indexed: [_put(moved), _delete({"pk": {"S": "t"}}), _delete({"pk": {"S": "none"}})],
        collections: [_put(lsi_item)]})
    assert by_g(client, indexed, "1") == []
    assert by_g(client, indexed, "2") == [moved]
    found = client.query(TableName=collections, IndexName="by-l",
                         KeyConditionExpression="pk = :p AND l = :l",
                         ExpressionAttributeValues={":p": {"S": "p"}, ":l": {"S": "x"}})
    assert found["Items"] == [lsi_item]
    records = stream_records(emulator, client, indexed)
    assert [(r["eventName"], r.get("OldImage"), r.get("NewImage")) for r in records] == [
        ("INSERT", None, one), ("INSERT", None, two), ("MODIFY", one, moved),
        ("REMOVE", two, None)]  # the delete of nothing leaves no record


def test_consumed_capacity_exact(client: Any, indexed: str, make_table: Any) -> None:
    plain = make_table("batch-plain")
    big = {"pk": {"S": "a"}, "g": {"N": "1"}, "x": {"S": FILLER}}
    answer = client.batch_write_item(ReturnConsumedCapacity="INDEXES", RequestItems={
        indexed: [_put(big), _delete({"pk": {"S": "none"}})],
        plain: [_put({"pk": {"S": "a"}}), _put({"pk": {"S": "b"}})]})
    by_table = {c["TableName"]: c for c in answer["ConsumedCapacity"]}
    assert by_table == {
        indexed: {"TableName": indexed, "CapacityUnits": 4.0, "Table": {"CapacityUnits": 3.0},
                  "GlobalSecondaryIndexes": {"by-g": {"CapacityUnits": 1.0}}},
        plain: {"TableName": plain, "CapacityUnits": 2.0, "Table": {"CapacityUnits": 2.0}}}
    total = client.batch_write_item(ReturnConsumedCapacity="TOTAL", RequestItems={
        indexed: [_put({"pk": {"S": "a"}, "g": {"N": "2"}})]})  # by the larger, old item
    assert total["ConsumedCapacity"] == [{"TableName": indexed, "CapacityUnits": 4.0}]
    assert "ConsumedCapacity" not in client.batch_write_item(
        RequestItems={plain: [_delete({"pk": {"S": "a"}})]})


def test_item_collection_metrics_on_lsi_tables(client: Any, collections: str,
                                               indexed: str) -> None:
    answer = client.batch_write_item(ReturnItemCollectionMetrics="SIZE", RequestItems={
        collections: [_put({"pk": {"S": "p"}, "sk": {"N": "1"}, "l": {"S": "x"}}),
                      _put({"pk": {"S": "q"}, "sk": {"N": "1"}}),
                      _delete({"pk": {"S": "r"}, "sk": {"N": "1"}})],
        indexed: [_put({"pk": {"S": "p"}})]})
    assert answer["ItemCollectionMetrics"] == {collections: [
        {"ItemCollectionKey": {"pk": {"S": key}}, "SizeEstimateRangeGB": [0.0, 1.0]}
        for key in ("p", "q", "r")]}
    assert not client.batch_write_item(RequestItems={
        collections: [_put({"pk": {"S": "s"}, "sk": {"N": "1"}})]}).get("ItemCollectionMetrics")


def test_a_restarted_durable_server_has_every_acknowledged_write(tmp_path: Path,
                                                                  durable_up: Any) -> None:
    data_dir = tmp_path / "data"
    args = ("--stage", "batch", "--no-seed", "--ttl-interval", "0")
    first = durable_up(data_dir, *args).start()
    client = make_client(endpoint_url=first.endpoint_url)
    for name in ("kept", "also"):
        client.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    for start in range(0, 40, 20):
        client.batch_write_item(RequestItems={
            "kept": [_put({"pk": {"S": f"k{n}"}, "b": {"B": bytes([n])}})
                     for n in range(start, start + 20)],
            "also": [_put({"pk": {"S": f"a{start}"}})]})
    client.batch_write_item(RequestItems={"kept": [_delete({"pk": {"S": f"k{n}"}})
                                                   for n in range(0, 40, 4)]})
    with pytest.raises(ClientError):  # refused whole: nothing of it is kept
        client.batch_write_item(RequestItems={"kept": [_delete({"pk": {"S": "k1"}}),
                                                       _put({"pk": {"N": "1"}})]})
    before = {name: sorted(client.scan(TableName=name)["Items"], key=lambda i: i["pk"]["S"])
              for name in ("kept", "also")}
    first.kill()  # a crash: only what was journaled before each answer survives

    second = durable_up(data_dir, *args).start()
    client = make_client(endpoint_url=second.endpoint_url)
    after = {name: sorted(client.scan(TableName=name)["Items"], key=lambda i: i["pk"]["S"])
             for name in ("kept", "also")}
    assert after == before
    assert (len(after["kept"]), len(after["also"])) == (30, 2)
    assert {"pk": {"S": "k1"}, "b": {"B": b"\x01"}} in after["kept"]

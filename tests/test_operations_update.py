"""UpdateItem as ddbkit's own operation (operations/update_item.py): through a real server
with boto3, every stage of the update is visible from outside.

Capacity figures follow AWS's rules (1 WCU per KB of the larger of the old and new item; a
GSI entry 1 WCU to add or remove, 2 when its key changes).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from write_tables import FILLER, by_g, error_of, stream_records

from ddbkit.emulator.connect.clients import make_client
from ddbkit.emulator.endpoint.server import ServerConfig
from ddbkit.emulator.runtime import Emulator, EmulatorConfig
from ddbkit.emulator.spec import get_table

_stages = itertools.count(1)


def _update(client: Any, table: str, pk: str, expression: str, **values: Any) -> dict[str, Any]:
    """ALL_NEW of `expression` on item pk, values as :name -> attribute value."""
    request: dict[str, Any] = {"TableName": table, "Key": {"pk": {"S": pk}},
                               "UpdateExpression": expression, "ReturnValues": "ALL_NEW"}
    if values:
        request["ExpressionAttributeValues"] = {f":{k}": v for k, v in values.items()}
    return dict(client.update_item(**request)["Attributes"])


def test_set_remove_add_delete_on_nested_paths(client: Any, indexed: str) -> None:
    item = _update(client, indexed, "a", "SET m = :m, l = :l, s = :s, n = :n",
                   m={"M": {"deep": {"M": {"x": {"S": "1"}}}}}, l={"L": [{"N": "1"}]},
                   s={"SS": ["a", "b"]}, n={"N": "1"})
    assert item["m"] == {"M": {"deep": {"M": {"x": {"S": "1"}}}}}
    item = _update(client, indexed, "a",
                   "SET m.deep.y = :y, l[1] = :two REMOVE m.deep.x ADD n :one, t :c DELETE s :a",
                   y={"S": "2"}, two={"N": "2"}, one={"N": "1"}, c={"SS": ["c"]},
                   a={"SS": ["a"]})
    assert item == {"pk": {"S": "a"}, "m": {"M": {"deep": {"M": {"y": {"S": "2"}}}}},
                    "l": {"L": [{"N": "1"}, {"N": "2"}]}, "s": {"SS": ["b"]}, "t": {"SS": ["c"]},
                    "n": {"N": "2"}}
    item = _update(client, indexed, "a", "SET l = list_append(l, :more), "
                   "fresh = if_not_exists(fresh, :zero), n = if_not_exists(n, :zero)",
                   more={"L": [{"S": "x"}]}, zero={"N": "0"})
    assert item["l"] == {"L": [{"N": "1"}, {"N": "2"}, {"S": "x"}]}
    assert (item["fresh"], item["n"]) == ({"N": "0"}, {"N": "2"})
    with pytest.raises(ClientError) as missing:
        _update(client, indexed, "a", "SET q = nope.deeper + :one", one={"N": "1"})
    assert error_of(missing) == ("ValidationException", "The provided expression refers to an "
                               "attribute that does not exist in the item")


def test_arithmetic_with_and_without_parentheses(client: Any, indexed: str) -> None:
    _update(client, indexed, "c", "SET c = :ten", ten={"N": "10"})
    assert _update(client, indexed, "c", "SET c = (c - :v)", v={"N": "3"})["c"] == {"N": "7"}
    assert _update(client, indexed, "c", "SET c = c + (:v)", v={"N": "3"})["c"] == {"N": "10"}
    assert _update(client, indexed, "c", "SET c = ((c) - :v), d = (:v)",
                   v={"N": "0.5"})["c"] == {"N": "9.5"}
    assert _update(client, indexed, "c", "SET c = (if_not_exists(c, :z) + :v)",
                   z={"N": "0"}, v={"N": "0.5"})["c"] == {"N": "10"}
    assert _update(client, indexed, "c", "SET l = (list_append(if_not_exists(l, :e), :v))",
                   e={"L": []}, v={"L": [{"N": "1"}]})["l"] == {"L": [{"N": "1"}]}


def test_legacy_attribute_updates_and_expected(client: Any, indexed: str) -> None:
    key = {"pk": {"S": "legacy"}}
    client.update_item(TableName=indexed, Key=key, AttributeUpdates={
        "b": {"Action": "PUT", "Value": {"BOOL": True}},
        "bin": {"Action": "PUT", "Value": {"BS": [b"\x00", b"\x01"]}},
        "n": {"Action": "ADD", "Value": {"N": "5"}}})
    answer = client.update_item(TableName=indexed, Key=key, ReturnValues="UPDATED_NEW",
                                Expected={"n": {"Value": {"N": "5"}}}, AttributeUpdates={
                                    "bin": {"Action": "DELETE", "Value": {"BS": [b"\x00"]}},
                                    "n": {"Action": "ADD", "Value": {"N": "-2"}},
                                    "b": {"Action": "DELETE"}})
    assert answer["Attributes"] == {"bin": {"BS": [b"\x01"]}, "n": {"N": "3"}}
    with pytest.raises(ClientError) as failed:
        client.update_item(TableName=indexed, Key=key, Expected={"n": {"Value": {"N": "5"}}},
                           AttributeUpdates={"n": {"Action": "PUT", "Value": {"N": "0"}}})
    assert error_of(failed)[0] == "ConditionalCheckFailedException"
    with pytest.raises(ClientError) as mismatch:
        client.update_item(TableName=indexed, Key=key,
                           AttributeUpdates={"n": {"Action": "ADD", "Value": {"SS": ["x"]}}})
    assert error_of(mismatch) == ("ValidationException", "Type mismatch for attribute to update")
    with pytest.raises(ClientError) as keyed:
        client.update_item(TableName=indexed, Key=key,
                           AttributeUpdates={"pk": {"Action": "PUT", "Value": {"S": "z"}}})
    assert error_of(keyed) == ("ValidationException", "One or more parameter values were "
                             "invalid: Cannot update attribute pk. This attribute is part of "
                             "the key")
    assert client.get_item(TableName=indexed, Key=key)["Item"] == {
        **key, "bin": {"BS": [b"\x01"]}, "n": {"N": "3"}}


def test_every_return_values(client: Any, indexed: str) -> None:
    key = {"pk": {"S": "r"}}
    first = {**key, "a": {"S": "x"}, "m": {"M": {"k": {"N": "1"}, "o": {"N": "2"}}}}
    client.put_item(TableName=indexed, Item=first)
    common = {"TableName": indexed, "Key": key, "UpdateExpression": "SET m.k = :v, a = a",
              "ExpressionAttributeValues": {":v": {"N": "5"}}}
    assert "Attributes" not in client.update_item(**common, ReturnValues="NONE")
    assert client.update_item(**common, ReturnValues="ALL_OLD")["Attributes"] == {
        **first, "m": {"M": {"k": {"N": "5"}, "o": {"N": "2"}}}}
    common["ExpressionAttributeValues"] = {":v": {"N": "6"}}
    assert client.update_item(**common, ReturnValues="UPDATED_OLD")["Attributes"] == {
        "a": {"S": "x"}, "m": {"M": {"k": {"N": "5"}}}}
    common["ExpressionAttributeValues"] = {":v": {"N": "7"}}
    assert client.update_item(**common, ReturnValues="UPDATED_NEW")["Attributes"] == {
        "a": {"S": "x"}, "m": {"M": {"k": {"N": "7"}}}}
    assert client.update_item(**common, ReturnValues="ALL_NEW")["Attributes"] == {
        **first, "m": {"M": {"k": {"N": "7"}, "o": {"N": "2"}}}}
    named = client.update_item(TableName=indexed, Key=key, UpdateExpression="SET #add = :v",
                               ExpressionAttributeNames={"#add": "add"},
                               ExpressionAttributeValues={":v": {"N": "1"}},
                               ReturnValues="UPDATED_NEW")  # a name spelt like a clause
    assert named["Attributes"] == {"add": {"N": "1"}}
    created = client.update_item(TableName=indexed, Key={"pk": {"S": "r2"}},
                                 UpdateExpression="SET a = :a", ReturnValues="UPDATED_OLD",
                                 ExpressionAttributeValues={":a": {"S": "new"}})
    assert "Attributes" not in created
    with pytest.raises(ClientError) as failed:
        client.update_item(TableName=indexed, Key=key, UpdateExpression="REMOVE a",
                           ConditionExpression="attribute_not_exists(a)",
                           ReturnValuesOnConditionCheckFailure="ALL_OLD")
    assert error_of(failed) == ("ConditionalCheckFailedException",
                              "The conditional request failed")
    assert failed.value.response["Item"]["a"] == {"S": "x"}


def test_binary_keys_and_values(client: Any, make_table: Any) -> None:
    table = make_table("binupd", sort="B")
    key = {"pk": {"S": "b"}, "sk": {"B": b"\x00\xff"}}
    answer = client.update_item(
        TableName=table, Key=key, ReturnValues="ALL_NEW",
        UpdateExpression="SET d = :d, s = :s, m = :m",
        ConditionExpression="attribute_not_exists(pk)",
        ExpressionAttributeValues={":d": {"B": b"\x01"}, ":s": {"BS": [b"\x02"]},
                                   ":m": {"M": {"in": {"B": b"\xfe"}}}})
    assert answer["Attributes"] == {**key, "d": {"B": b"\x01"}, "s": {"BS": [b"\x02"]},
                                    "m": {"M": {"in": {"B": b"\xfe"}}}}
    client.update_item(TableName=table, Key=key, UpdateExpression="ADD s :s",
                       ConditionExpression="begins_with(d, :p)",
                       ExpressionAttributeValues={":s": {"BS": [b"\x03"]},
                                                  ":p": {"B": b"\x01"}})
    client.update_item(TableName=table, Key=key, UpdateExpression="DELETE s :old",
                       ExpressionAttributeValues={":old": {"BS": [b"\x02"]}})
    assert client.get_item(TableName=table, Key=key)["Item"]["s"] == {"BS": [b"\x03"]}
    # The key the update created is stored as bytes, as a PutItem's would be.
    selected = client.execute_statement(Statement=f'SELECT pk, sk FROM "{table}" WHERE pk = ?',
                                        Parameters=[{"S": "b"}])["Items"]
    assert selected == [key]
    with pytest.raises(ClientError) as empty:
        client.update_item(TableName=table, Key={"pk": {"S": "b"}, "sk": {"B": b""}},
                           UpdateExpression="SET d = :d",
                           ExpressionAttributeValues={":d": {"B": b"\x01"}})
    assert error_of(empty) == ("ValidationException",
                             "One or more parameter values are not valid. The AttributeValue "
                             "for a key attribute cannot contain an empty binary value. Key: sk")


def test_gsi_keys_and_stream_records_follow_each_update(emulator: Emulator, client: Any,
                                                        indexed: str) -> None:
    key = {"pk": {"S": "s"}}
    client.update_item(TableName=indexed, Key=key, UpdateExpression="SET g = :g",
                       ExpressionAttributeValues={":g": {"N": "1"}})
    assert by_g(client, indexed, "1") == [{**key, "g": {"N": "1"}}]
    client.update_item(TableName=indexed, Key=key, UpdateExpression="SET g = :g",
                       ExpressionAttributeValues={":g": {"N": "1"}})  # no change: no record
    client.update_item(TableName=indexed, Key=key, UpdateExpression="SET g = g + :g",
                       ExpressionAttributeValues={":g": {"N": "1"}})
    assert by_g(client, indexed, "1") == []
    assert by_g(client, indexed, "2") == [{**key, "g": {"N": "2"}}]
    client.update_item(TableName=indexed, Key=key, UpdateExpression="REMOVE g")
    assert by_g(client, indexed, "2") == []
    records = stream_records(emulator, client, indexed)
    one, two = {**key, "g": {"N": "1"}}, {**key, "g": {"N": "2"}}
    assert [(r["eventName"], r.get("OldImage"), r.get("NewImage")) for r in records] == [
        ("INSERT", None, one), ("MODIFY", one, two), ("MODIFY", two, key)]


def test_consumed_capacity_exact(client: Any, indexed: str) -> None:
    key = {"pk": {"S": "cap"}}
    first = client.update_item(TableName=indexed, Key=key, ReturnConsumedCapacity="INDEXES",
                               UpdateExpression="SET g = :g, x = :x",
                               ExpressionAttributeValues={":g": {"N": "1"},
                                                          ":x": {"S": FILLER}})
    assert first["ConsumedCapacity"] == {
        "TableName": indexed, "CapacityUnits": 3.0, "Table": {"CapacityUnits": 2.0},
        "GlobalSecondaryIndexes": {"by-g": {"CapacityUnits": 1.0}}}
    moved = client.update_item(TableName=indexed, Key=key, ReturnConsumedCapacity="INDEXES",
                               UpdateExpression="SET g = :g REMOVE x",
                               ExpressionAttributeValues={":g": {"N": "2"}})
    assert moved["ConsumedCapacity"] == {  # by the larger, old item; the GSI key changed
        "TableName": indexed, "CapacityUnits": 4.0, "Table": {"CapacityUnits": 2.0},
        "GlobalSecondaryIndexes": {"by-g": {"CapacityUnits": 2.0}}}
    with pytest.raises(ClientError) as failed:
        client.update_item(TableName=indexed, Key=key, ReturnConsumedCapacity="TOTAL",
                           UpdateExpression="SET g = :g", ConditionExpression="g = :g",
                           ExpressionAttributeValues={":g": {"N": "9"}})
    assert error_of(failed)[0] == "ConditionalCheckFailedException"
    assert "ConsumedCapacity" not in client.update_item(
        TableName=indexed, Key=key, UpdateExpression="SET g = :g",
        ExpressionAttributeValues={":g": {"N": "3"}})


def test_a_refused_update_leaves_no_trace(emulator: Emulator, client: Any,
                                          indexed: str) -> None:
    key = {"pk": {"S": "kept"}}
    client.put_item(TableName=indexed, Item={**key, "g": {"N": "5"}, "n": {"N": "1"}})
    before = client.describe_table(TableName=indexed)["Table"]
    refusals: list[tuple[dict[str, Any], str]] = [
        ({"UpdateExpression": "SET g = :s", "ExpressionAttributeValues": {":s": {"S": "x"}}},
         "One or more parameter values were invalid: Type mismatch for Index Key g Expected: "
         "N Actual: S IndexName: by-g"),
        ({"UpdateExpression": "SET big = :b",
          "ExpressionAttributeValues": {":b": {"S": "x" * 400 * 1024}}},
         "Item size to update has exceeded the maximum allowed size"),
        ({"UpdateExpression": "SET n = :n + :n",
          "ExpressionAttributeValues": {":n": {"N": "9.9E+125"}}},
         "Number overflow. Attempting to store a number with magnitude larger than supported "
         "range"),
        ({"UpdateExpression": "SET pk = :s", "ExpressionAttributeValues": {":s": {"S": "x"}}},
         "One or more parameter values were invalid: Cannot update attribute pk. This "
         "attribute is part of the key"),
        ({"UpdateExpression": "SET g = :g", "ConditionExpression": "attribute_not_exists(pk)",
          "ExpressionAttributeValues": {":g": {"N": "6"}}}, "The conditional request failed"),
    ]
    for refusal, message in refusals:
        with pytest.raises(ClientError) as refused:
            client.update_item(TableName=indexed, Key=key, **refusal)
        assert message in error_of(refused)[1]
    for fresh in ({"pk": {"S": "new"}},):
        with pytest.raises(ClientError):
            client.update_item(TableName=indexed, Key=fresh, UpdateExpression="SET g = :s",
                               ExpressionAttributeValues={":s": {"S": "x"}})
    after = client.describe_table(TableName=indexed)["Table"]
    assert (after["ItemCount"], after["TableSizeBytes"]) == (before["ItemCount"],
                                                             before["TableSizeBytes"])
    assert "Item" not in client.get_item(TableName=indexed, Key={"pk": {"S": "new"}})
    assert client.get_item(TableName=indexed, Key=key)["Item"] == {
        **key, "g": {"N": "5"}, "n": {"N": "1"}}
    assert by_g(client, indexed, "5") == [{**key, "g": {"N": "5"}}]
    assert by_g(client, indexed, "6") == []
    assert [r["eventName"] for r in stream_records(emulator, client, indexed)] == ["INSERT"]


def test_syntax_and_request_errors_in_dynamodbs_words(client: Any, indexed: str) -> None:
    with pytest.raises(ClientError) as syntax:
        client.update_item(TableName=indexed, Key={"pk": {"S": "x"}}, UpdateExpression="SET a")
    assert error_of(syntax)[1].startswith('Invalid UpdateExpression: Syntax error; token: "<EOF>"')
    with pytest.raises(ClientError) as both:
        client.update_item(TableName=indexed, Key={"pk": {"S": "x"}}, UpdateExpression="SET a = :a",
                           ExpressionAttributeValues={":a": {"S": "1"}},
                           AttributeUpdates={"b": {"Action": "DELETE"}})
    assert error_of(both)[0] == "ValidationException"
    with pytest.raises(ClientError) as mismatch:
        client.update_item(TableName=indexed, Key={"pk": {"S": "x"}, "g": {"N": "1"}},
                           UpdateExpression="REMOVE a")
    assert error_of(mismatch) == ("ValidationException",
                                "The provided key element does not match the schema")
    for expression in ("SET pk = :v", "SET a = :v, a = :v"):  # before the condition
        with pytest.raises(ClientError) as static:
            client.update_item(TableName=indexed, Key={"pk": {"S": "x"}},
                               UpdateExpression=expression, ConditionExpression="a = :v",
                               ExpressionAttributeValues={":v": {"S": "1"}})
        assert error_of(static)[0] == "ValidationException"
    with pytest.raises(ClientError) as missing:
        client.update_item(TableName="no-such-table", Key={"pk": {"S": "x"}},
                           UpdateExpression="REMOVE a")
    assert error_of(missing)[0] == "ResourceNotFoundException"


def test_a_restarted_durable_server_has_every_acknowledged_update(tmp_path: Path,
                                                                   durable_up: Any) -> None:
    data_dir = tmp_path / "data"
    args = ("--stage", "updates", "--no-seed", "--ttl-interval", "0")
    first = durable_up(data_dir, *args).start()
    client = make_client(endpoint_url=first.endpoint_url)
    client.create_table(TableName="kept", BillingMode="PAY_PER_REQUEST",
                        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    for n in range(10):
        for _ in range(3):
            client.update_item(TableName="kept", Key={"pk": {"S": f"k{n}"}},
                               UpdateExpression="ADD n :one SET b = :b",
                               ExpressionAttributeValues={":one": {"N": "1"},
                                                          ":b": {"B": bytes([n])}})
    client.update_item(TableName="kept", Key={"pk": {"S": "k1"}}, UpdateExpression="REMOVE b")
    with pytest.raises(ClientError):
        client.update_item(TableName="kept", Key={"pk": {"S": "k2"}}, UpdateExpression="REMOVE b",
                           ConditionExpression="attribute_not_exists(pk)")
    before = sorted(client.scan(TableName="kept")["Items"], key=lambda i: i["pk"]["S"])
    first.kill()  # a crash: only what was journaled before each answer survives

    second = durable_up(data_dir, *args).start()
    client = make_client(endpoint_url=second.endpoint_url)
    after = sorted(client.scan(TableName="kept")["Items"], key=lambda i: i["pk"]["S"])
    assert after == before
    assert {"pk": {"S": "k2"}, "n": {"N": "3"}, "b": {"B": b"\x02"}} in after
    assert {"pk": {"S": "k1"}, "n": {"N": "3"}} in after


@pytest.fixture
def modelled() -> Iterator[tuple[Any, str]]:
    """An on-demand throughput model on a clock that stands still; a client that never
    retries."""
    stage = f"updtput{next(_stages)}"
    config = EmulatorConfig(server=ServerConfig(port=0), stage=stage, ttl_interval=0,
                            clock=lambda: 1_800_000_000.0, throughput_model="on-demand")
    with Emulator(config) as emulator:
        yield emulator.client(max_attempts=0), get_table("idempotency").name(stage)


def test_a_throttled_update_leaves_no_trace(modelled: tuple[Any, str]) -> None:
    client, table = modelled
    key = {"idempotencyKey": {"S": "hot"}}

    def update(tag: str) -> Any:  # 300 KB: 300 write units of the partition's 1,000
        return client.update_item(TableName=table, Key=key, UpdateExpression="SET r = :r",
                                  ExpressionAttributeValues={
                                      ":r": {"S": tag + "x" * (300 * 1024 - 40)}})

    for n in range(3):
        update(f"v{n}")
    with pytest.raises(ClientError) as throttled:
        update("v3")
    assert error_of(throttled)[0] == "ThrottlingException"
    stored = client.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]
    assert stored["r"]["S"].startswith("v2")

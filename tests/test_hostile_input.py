"""Each moto crash the fuzz test found answers as DynamoDB does, and valid input succeeds.

Requests that pass the checks before moto (test_request_validation.py) and used to crash it
(moto_ext: key_schema, number_values, the condition parser (now ddbkit's own),
the Streams operations, UpdateItem's AttributeUpdates and PartiQL, now ddbkit's own)
over HTTP as raw JSON.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from raw_requests import call, error

from ddbkit.emulator.runtime import Emulator

KEY_MISMATCH = "The provided key element does not match the schema"


@pytest.fixture
def bookings(fresh_emulator: Emulator) -> str:
    return f"marketplace-{fresh_emulator.config.stage}-bookings-table"


@pytest.mark.parametrize("number", ["1e5", "1E+5", "1e125"])
def test_add_and_set_plus_take_exponent_numbers(fresh_emulator: Emulator, bookings: str,
                                                number: str) -> None:
    client = fresh_emulator.client()
    key = {"bookingId": {"S": "counter"}}
    client.put_item(TableName=bookings, Item={**key, "a": {"N": "0"}})
    client.update_item(TableName=bookings, Key=key, UpdateExpression="ADD c :n",
                       ExpressionAttributeValues={":n": {"N": number}})
    client.update_item(TableName=bookings, Key=key, UpdateExpression="SET a = a + :n",
                       ExpressionAttributeValues={":n": {"N": number}})
    client.update_item(TableName=bookings, Key=key, UpdateExpression="ADD c :one",
                       ExpressionAttributeValues={":one": {"N": "0"}})
    item = client.get_item(TableName=bookings, Key=key)["Item"]
    assert Decimal(item["c"]["N"]) == Decimal(item["a"]["N"]) == Decimal(number)


def test_arithmetic_past_dynamodbs_range_is_refused(fresh_emulator: Emulator,
                                                   bookings: str) -> None:
    key = {"bookingId": {"S": "big"}}
    call(fresh_emulator, "PutItem", {"TableName": bookings, "Item": {
        **key, "n": {"N": "9.9999999999999999999999999999999999999E+125"}}})
    answer = call(fresh_emulator, "UpdateItem", {
        "TableName": bookings, "Key": key, "UpdateExpression": "SET n = n + :v",
        "ExpressionAttributeValues": {":v": {"N": "1E+125"}}})
    assert error(answer) == (400, "ValidationException", "Number overflow. Attempting to store "
                             "a number with magnitude larger than supported range")


@pytest.mark.parametrize(("operation", "body", "kind", "message"), [
    ("GetItem", {"Key": {"bookingId": {"S": "b"}, "extra": {"S": "x"}}}, "ValidationException",
     KEY_MISMATCH),
    ("DeleteItem", {"Key": {"bookingId": {"L": []}}}, "ValidationException", KEY_MISMATCH),
    ("DeleteItem", {"Key": {"bookingId": {"S": "b"}}, "ConditionExpression": "NOT NOT"},
     "ValidationException", "Invalid ConditionExpression: Syntax error;"),
    ("Scan", {"ExclusiveStartKey": {}}, "ValidationException",
     "The provided starting key is invalid: " + KEY_MISMATCH),
    ("Query", {"KeyConditionExpression": "bookingId = :v",
               "ExpressionAttributeValues": {":v": {"N": "1"}}}, "ValidationException",
     "Condition parameter type does not match schema type"),
    ("ExecuteStatement", {"Statement": "-Infinity"}, "ValidationException",
     "Statement wasn't well formed"),
])
def test_requests_moto_crashed_on_get_dynamodbs_errors(fresh_emulator: Emulator, bookings: str,
                                                       operation: str, body: dict[str, Any],
                                                       kind: str, message: str) -> None:
    if operation != "ExecuteStatement":
        body = {"TableName": bookings, **body}
    status, got_kind, got_message = error(call(fresh_emulator, operation, body))
    assert (status, got_kind) == (400, kind), got_message
    assert message in got_message


def test_stream_requests_naming_nothing_get_dynamodbs_errors(fresh_emulator: Emulator,
                                                            bookings: str) -> None:
    arn = fresh_emulator.client().describe_table(TableName=bookings)["Table"]["LatestStreamArn"]
    streams = "DynamoDBStreams_20120810"
    shard = call(fresh_emulator, "DescribeStream", {"StreamArn": arn}, service=streams)[1][
        "StreamDescription"]["Shards"][0]["ShardId"]
    cases = [
        ("GetRecords", {"ShardIterator": f"{arn}|1|forged"}, "ValidationException"),
        ("GetShardIterator", {"StreamArn": arn, "ShardId": "shardId-00000000000000000000-nope",
                              "ShardIteratorType": "LATEST"}, "ResourceNotFoundException"),
        ("GetShardIterator", {"StreamArn": arn, "ShardId": shard,
                              "ShardIteratorType": "AFTER_SEQUENCE_NUMBER"},
         "ValidationException"),
        ("GetShardIterator", {"StreamArn": arn, "ShardId": shard, "ShardIteratorType":
                              "AT_SEQUENCE_NUMBER", "Timestamp": int("9" * 100)},
         "SerializationException"),  # a 100-digit timestamp (was a 500) is no date
        ("DescribeStream", {"StreamArn": arn.replace("bookings", "nosuch")},
         "ResourceNotFoundException"),
    ]
    for operation, body, kind in cases:
        assert error(call(fresh_emulator, operation, body, service=streams))[:2] == \
            (400, kind), (operation, body)


def test_partiql_writes_take_parameters(fresh_emulator: Emulator, bookings: str) -> None:
    client = fresh_emulator.client()
    client.execute_statement(
        Statement=f"INSERT INTO \"{bookings}\" VALUE {{'bookingId': ?, 'note': ?}}",
        Parameters=[{"S": "p1"}, {"S": "it's"}])
    client.execute_statement(Statement=f"UPDATE \"{bookings}\" SET note = ? WHERE bookingId = ?",
                             Parameters=[{"N": "5"}, {"S": "p1"}])
    item = client.get_item(TableName=bookings, Key={"bookingId": {"S": "p1"}})["Item"]
    assert item["note"] == {"N": "5"}
    client.execute_statement(Statement=f"DELETE FROM \"{bookings}\" WHERE bookingId = ?",
                             Parameters=[{"S": "p1"}])
    assert "Item" not in client.get_item(TableName=bookings, Key={"bookingId": {"S": "p1"}})


def test_conditions_and_projections_over_any_item_evaluate(fresh_emulator: Emulator,
                                                           bookings: str) -> None:
    """size() of a missing attribute, a string compared with a number, a path through a
    string: false or absent in DynamoDB, crashes in moto."""
    client = fresh_emulator.client()
    key = {"bookingId": {"S": "c1"}}
    client.put_item(TableName=bookings, Item={**key, "note": {"S": "text"}})
    for condition in ("size(gone) > :n", "note < :n", "note BETWEEN :n AND :n"):
        with pytest.raises(client.exceptions.ConditionalCheckFailedException):
            client.delete_item(TableName=bookings, Key=key, ConditionExpression=condition,
                               ExpressionAttributeValues={":n": {"N": "1"}})
    got = client.get_item(TableName=bookings, Key=key, ProjectionExpression="note.x, bookingId")
    assert got["Item"] == key
    status, kind, message = error(call(fresh_emulator, "UpdateItem", {
        "TableName": bookings, "Key": key, "UpdateExpression": "REMOVE note.x"}))
    assert (status, kind) == (400, "ValidationException") and "document path" in message


def test_legacy_attribute_updates_cover_every_type(fresh_emulator: Emulator,
                                                   bookings: str) -> None:
    client = fresh_emulator.client()
    key = {"bookingId": {"S": "l1"}}
    client.update_item(TableName=bookings, Key=key, AttributeUpdates={
        "flag": {"Action": "PUT", "Value": {"BOOL": True}},
        "blobs": {"Action": "ADD", "Value": {"BS": [b"a"]}}})
    client.update_item(TableName=bookings, Key=key, AttributeUpdates={
        "blobs": {"Action": "ADD", "Value": {"BS": [b"b"]}}})
    item = client.get_item(TableName=bookings, Key=key)["Item"]
    assert item["flag"] == {"BOOL": True} and sorted(item["blobs"]["BS"]) == [b"a", b"b"]
    with pytest.raises(client.exceptions.ClientError, match="Type mismatch for attribute"):
        client.update_item(TableName=bookings, Key=key, AttributeUpdates={
            "flag": {"Action": "ADD", "Value": {"N": "1"}}})

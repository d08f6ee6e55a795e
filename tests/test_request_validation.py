"""The request checks before moto: DynamoDB's rules for attribute values and requests.

Requests go over HTTP as raw JSON (what a client without botocore's own checks sends); the
answer must be DynamoDB's error type and wording, never a 500 or a Python exception's text.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from raw_requests import call, error

from ddbkit.emulator.endpoint.attribute_values import MAX_NESTING_LEVELS
from ddbkit.emulator.runtime import Emulator

EMPTY = "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
NESTING = ("Nesting Levels have exceeded supported limits: Attributes in the item have nested "
           "levels beyond supported limit")


def nested(levels: int) -> dict[str, Any]:
    """An attribute value `levels` deep: maps and lists around a string."""
    value: dict[str, Any] = {"S": "bottom"}
    for level in range(levels - 1):
        value = {"M": {"m": value}} if level % 2 else {"L": [value]}
    return value


@pytest.fixture
def bookings(fresh_emulator: Emulator) -> str:
    return f"marketplace-{fresh_emulator.config.stage}-bookings-table"


def test_an_empty_attribute_value_gets_dynamodbs_message(fresh_emulator: Emulator,
                                                         bookings: str) -> None:
    put = {"TableName": bookings, "Item": {"bookingId": {"S": "b1"}, "note": {}}}
    assert error(call(fresh_emulator, "PutItem", put)) == (400, "ValidationException", EMPTY)
    get = {"TableName": bookings, "Key": {"bookingId": {}}}
    assert error(call(fresh_emulator, "GetItem", get)) == (400, "ValidationException", EMPTY)
    update = {"TableName": bookings, "Key": {"bookingId": {"S": "b1"}},
              "UpdateExpression": "SET note = :n", "ExpressionAttributeValues": {":n": {}}}
    assert error(call(fresh_emulator, "UpdateItem", update)) == (
        400, "ValidationException",
        f"1 validation error detected: {EMPTY}")  # the current layer (rules/layers.py)
    several = {"TableName": bookings, "Item": {"bookingId": {"S": "b1"},
                                               "note": {"S": "a", "BOOL": True}}}
    assert "more than one datatypes" in error(call(fresh_emulator, "PutItem", several))[2]


def test_nesting_beyond_32_levels_gets_dynamodbs_error(fresh_emulator: Emulator,
                                                      bookings: str) -> None:
    def put(value: dict[str, Any]) -> tuple[int, str, str]:
        return error(call(fresh_emulator, "PutItem", {
            "TableName": bookings, "Item": {"bookingId": {"S": "deep"}, "doc": value}}))

    assert put(nested(MAX_NESTING_LEVELS))[0] == 200
    assert put(nested(MAX_NESTING_LEVELS + 1)) == (400, "ValidationException", NESTING)
    assert put(nested(250)) == (400, "ValidationException", NESTING)  # was a 500
    too_deep_json = b'{"a":' * 3000 + b"1" + b"}" * 3000  # was a 500 (RecursionError)
    status, kind, _ = error(call(fresh_emulator, "PutItem", None, raw=too_deep_json))
    assert (status, kind) == (400, "SerializationException")


@pytest.mark.parametrize(("operation", "body", "kind", "message"), [
    ("PutItem", {"Item": {"bookingId": {"S": "\ud800"}}}, "SerializationException",
     "unpaired UTF-16 surrogate"),
    ("PutItem", {"Item": {"bookingId": {"N": "1e"}}}, "ValidationException",
     "The parameter cannot be converted to a numeric value: 1e"),
    ("PutItem", {"Item": {"bookingId": {"S": "b"}, "n": {"N": "1" * 39}}}, "ValidationException",
     "Attempting to store more than 38 significant digits in a Number"),
    ("PutItem", {"Item": {"bookingId": {"S": "b"}, "s": {"SS": ["a", "a"]}}},
     "ValidationException", "Input collection [a, a] contains duplicates."),
    ("PutItem", {"Item": {"bookingId": {"S": "b"}, "s": {"NS": []}}},
     "ValidationException", "An number set  may not be empty"),
    ("DeleteItem", {"Key": {"bookingId": {"S": "b"}}, "ConditionExpression": "a = :gone"},
     "ValidationException", "Invalid ConditionExpression: An expression attribute value used "
     "in expression is not defined; attribute value: :gone"),
    ("DeleteItem", {"Key": {"bookingId": {"S": "b"}}, "ConditionExpression": "a = :v",
                    "ExpressionAttributeValues": {":v": {"S": "x"}}, "Expected": {}},
     "ValidationException", "Can not use both expression and non-expression parameters"),
    ("Scan", {"ProjectionExpression": " "}, "ValidationException",
     "Invalid ProjectionExpression: The expression can not be empty;"),
    ("Query", {}, "ValidationException",
     "Either the KeyConditions or KeyConditionExpression parameter must be specified"),
    ("UpdateItem", {"Key": {"bookingId": {"S": "b"}},
                    "AttributeUpdates": {"a": {"Action": "ADD", "Value": {"S": "x"}}}},
     "ValidationException", "ADD action is not supported for the type S"),
    ("TransactWriteItems", {"TransactItems": [{}]}, "ValidationException",
     "TransactItems can only contain one of Check, Put, Update or Delete"),
    ("CreateGlobalTable", {"GlobalTableName": "global", "ReplicationGroup": []},
     "UnknownOperationException", "not supported"),
])
def test_malformed_requests_get_dynamodbs_errors(fresh_emulator: Emulator, bookings: str,
                                                 operation: str, body: dict[str, Any],
                                                 kind: str, message: str) -> None:
    if operation not in ("ExecuteStatement", "CreateGlobalTable", "TransactWriteItems"):
        body = {"TableName": bookings, **body}
    status, got_kind, got_message = error(call(fresh_emulator, operation, body))
    assert (status, got_kind) == (400, kind), got_message
    assert message in got_message


def test_the_last_resort_answer_names_no_exception_and_logs_the_traceback(
        fresh_emulator: Emulator, bookings: str, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    from ddbkit.emulator.operations import describe_table

    def crash(*args: Any, **kwargs: Any) -> Any:
        raise KeyError("a gap not closed yet")

    # A crash inside an operation (ddbkit's own, or moto's behind it) as a stand-in gap.
    monkeypatch.setattr(describe_table, "describe", crash)
    with caplog.at_level(logging.ERROR, logger="ddbkit.emulator.endpoint.app"):
        status, kind, message = error(call(fresh_emulator, "DescribeTable",
                                           {"TableName": bookings}))
    assert (status, kind) == (400, "ValidationException")
    assert "could not process this DescribeTable request" in message
    assert "KeyError" not in message and "a gap not closed yet" not in message
    assert any(record.exc_info and record.exc_info[0] is KeyError for record in caplog.records)



def test_oversized_batches_are_refused_before_any_work(fresh_emulator: Emulator,
                                                       bookings: str) -> None:
    """AWS's limits (25 writes per table, 100 reads, per call over all tables) hold before
    the store is touched: an oversized BatchWriteItem deletes nothing, however many it names."""
    put = {"TableName": bookings, "Item": {"bookingId": {"S": "keep"}}}
    assert call(fresh_emulator, "PutItem", put)[0] == 200
    deletes = [{"DeleteRequest": {"Key": {"bookingId": {"S": "keep" if i == 0 else f"b{i}"}}}}
               for i in range(26)]
    status, kind, message = error(call(fresh_emulator, "BatchWriteItem",
                                       {"RequestItems": {bookings: deletes}}))
    assert (status, kind) == (400, "ValidationException")
    assert message.startswith(f"1 validation error detected: Value '{{{bookings}=[WriteRequest(")
    assert message.endswith("' at 'requestItems' failed to satisfy constraint: Map value must "
                            "satisfy constraint: [Member must have length less than or equal "
                            "to 25, Member must have length greater than or equal to 1]")
    users = bookings.replace("bookings", "users")
    split = {bookings: deletes[:13], users: [
        {"DeleteRequest": {"Key": {"userId": {"S": f"u{i}"}}}} for i in range(13)]}
    assert error(call(fresh_emulator, "BatchWriteItem", {"RequestItems": split})) \
        == (400, "ValidationException", "Too many items requested for the BatchWriteItem call")
    get = {"TableName": bookings, "Key": {"bookingId": {"S": "keep"}}}
    assert call(fresh_emulator, "GetItem", get)[1]["Item"] == {"bookingId": {"S": "keep"}}
    keys = [{"bookingId": {"S": f"b{i}"}} for i in range(101)]
    assert error(call(fresh_emulator, "BatchGetItem", {"RequestItems": {bookings: {"Keys": keys}}})) \
        == (400, "ValidationException", "1 validation error detected: Value at 'RequestItems."
            f"{bookings}.member.Keys' failed to satisfy constraint: Member must have length "
            "less than or equal to 100")
    assert call(fresh_emulator, "BatchWriteItem", {"RequestItems": {bookings: deletes[:25]}})[0] \
        == 200

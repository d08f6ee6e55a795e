"""A Query's or Scan's request as the later stages read it, and the checks they share.

Values are decoded (binary as bytes, as the store holds them); legacy conditions (QueryFilter,
ScanFilter, ConditionalOperator, and a Query's KeyConditions when it has no
KeyConditionExpression) are written as the expressions they stand for
(moto_ext/legacy_conditions.py), so one evaluator reads every condition. An
ExclusiveStartKey names exactly the table's keys and, reading an index, the index's, of
their declared types (DynamoDB: "The provided starting key is invalid: ...").
"""

from __future__ import annotations

from typing import Any

from ddbkit.emulator.operations import key_schema, legacy_conditions, writes
from ddbkit.emulator.operations.call import validation_error

CONDITIONS = ("KeyConditions", "QueryFilter", "ScanFilter")


def request(params: dict[str, Any], legacy: str) -> dict[str, Any]:
    written = dict(params)
    for name in CONDITIONS:
        if name in written:
            written[name] = writes.decoded_expected(written[name])
    if "ExpressionAttributeValues" in written:
        written["ExpressionAttributeValues"] = writes.decoded_map(
            written["ExpressionAttributeValues"])
    if legacy in written or "KeyConditions" in written:
        legacy_conditions.rewrite(written, legacy, "FilterExpression")
    if "ExclusiveStartKey" in written:
        written["ExclusiveStartKey"] = writes.decoded_map(written["ExclusiveStartKey"])
    return written


def check_start_key(table: Any, params: dict[str, Any]) -> None:
    start = params.get("ExclusiveStartKey")
    if start is not None and not key_schema.matches(table, start, params.get("IndexName")):
        raise validation_error(key_schema.START_KEY)

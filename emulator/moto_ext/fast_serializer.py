"""moto's values as JSON wants them, and a faster DynamoResult conversion.

`wire` turns what moto holds (bytes, sets, datetimes, Decimals) into the wire's JSON values
(base64, lists, epoch seconds, numbers), and `epoch_seconds` writes a timestamp as moto's
serializer does; ddbkit's own operations answer with them. `dynamo_to_dict` (DynamoResult's
conversion of the answers moto's handler still gives) is short-cut for plain scalar values.
"""

from __future__ import annotations

import base64
import calendar
from datetime import datetime
from decimal import Decimal
from typing import Any

import moto.dynamodb.responses as dynamodb_responses
from moto.dynamodb.models.dynamo_type import DynamoType

from ddbkit.emulator.endpoint.protocol import PLAIN_SCALAR_TYPES
from ddbkit.emulator.moto_ext.store import require


def wire(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: wire(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [wire(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return [wire(v) for v in value]
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode()
    if isinstance(value, datetime):
        return epoch_seconds(value)
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def epoch_seconds(value: datetime) -> int | float:
    """As moto's serializer writes a timestamp: a naive datetime is UTC (moto's `utcnow()`),
    and sub-millisecond digits are truncated (the Smithy rule moto follows)."""
    whole = calendar.timegm(value.utctimetuple())
    return whole + (value.microsecond // 1000) / 1000.0 if value.microsecond else whole


def _wrap_dynamo_to_dict(original: Any) -> Any:
    """DynamoResult's conversion of results to plain values, short-cut for scalar values."""

    def dynamo_to_dict(obj: Any) -> Any:
        kind = type(obj)
        if kind is DynamoType:
            value = obj.value
            if type(value) is PLAIN_SCALAR_TYPES.get(obj.type):
                return {obj.type: value}  # what moto's recursion ends in for these
            return original(obj)
        if isinstance(obj, dict) and not hasattr(obj, "to_json"):  # item attrs: a dict subclass
            return {k: dynamo_to_dict(v) for k, v in obj.items()}
        if kind is list:
            return [dynamo_to_dict(v) for v in obj]
        return original(obj)

    return dynamo_to_dict


def install() -> None:
    require(dynamodb_responses, "dynamo_to_dict")
    module: Any = dynamodb_responses  # DynamoResult looks the name up here
    module.dynamo_to_dict = _wrap_dynamo_to_dict(module.dynamo_to_dict)

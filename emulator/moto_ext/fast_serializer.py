"""JSON responses for the data-plane operations without moto's model-driven serializer.

moto 5.2 serializes every response by walking botocore's output shape member by member
(`moto.core.serialize`): about half of a PutItem's server time, and most of a Query's
(each attribute value is resolved against the AttributeValue union). For the data-plane
operations the handler's result is already the wire document: this walks the output shape
only down to the attribute values (free-form documents, copied as they are), dropping members
the shape does not have (moto leaves some, like ConsumedCapacityUnits) and absent ones, and
converting blobs to base64 and timestamps to epoch seconds. Errors and every other operation
keep moto's serializer; a test compares the two on the same requests.
"""

from __future__ import annotations

import base64
import calendar
import functools
import json
from datetime import datetime
from decimal import Decimal
from typing import Any

import moto.dynamodb.responses as dynamodb_responses
from botocore.model import Shape
from moto.core.responses import ActionResult
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.responses import DynamoHandler, DynamoResult

from ddbkit.emulator.connect.clients import bare_botocore_session
from ddbkit.emulator.endpoint.protocol import CONTENT_TYPE, PLAIN_SCALAR_TYPES
from ddbkit.emulator.moto_ext.store import require

FAST_OPERATIONS = frozenset({
    "TransactWriteItems"})


_session = bare_botocore_session()


@functools.cache
def output_shape(operation: str, service: str = "dynamodb") -> Shape:
    return _session.get_service_model(service).operation_model(operation).output_shape


def shaped(value: Any, shape: Shape) -> Any:
    """`value` as the output shape allows it; attribute values are taken as they are."""
    if shape.name == "AttributeValue":
        return attribute_value(value)
    if shape.type_name == "structure" and isinstance(value, dict):
        members = shape.members
        return {k: shaped(v, members[k]) for k, v in value.items()
                if v is not None and k in members}
    if shape.type_name == "list" and isinstance(value, (list, tuple)):
        return [shaped(v, shape.member) for v in value]
    if shape.type_name == "map" and isinstance(value, dict):
        if shape.value.name == "AttributeValue":  # an item: the bulk of every response
            return {k: attribute_value(v) for k, v in value.items() if v is not None}
        return {k: shaped(v, shape.value) for k, v in value.items() if v is not None}
    return wire(value)


def attribute_value(value: Any) -> Any:
    """Scalar strings, numbers and booleans (most values) are already as the wire wants them."""
    if type(value) is dict and len(value) == 1:
        for kind, inner in value.items():
            if type(inner) is PLAIN_SCALAR_TYPES.get(kind):
                return value
    return wire(value)


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


def _wrap_serialized(original: Any, service: str, operations: frozenset[str]) -> Any:
    def serialized(self: Any, action_result: ActionResult) -> Any:
        result = action_result.result
        # Plain results only: a subclass such as PaginatedResult serializes differently.
        if (type(action_result) not in (ActionResult, DynamoResult)
                or not isinstance(result, dict) or self._get_action() not in operations):
            return original(self, action_result)
        headers = {"Content-Type": CONTENT_TYPE, **self.response_headers}
        shape = output_shape(self._get_action(), service)
        return 200, headers, json.dumps(shaped(result, shape))

    serialized.__wrapped__ = original  # type: ignore[attr-defined]
    return serialized


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
    require(DynamoHandler, "serialized", "_get_action")
    require(ActionResult, "result", "execute_result")
    require(dynamodb_responses, "dynamo_to_dict")
    module: Any = dynamodb_responses  # DynamoResult looks the name up here
    module.dynamo_to_dict = _wrap_dynamo_to_dict(module.dynamo_to_dict)
    DynamoHandler.serialized = _wrap_serialized(  # type: ignore[method-assign]
        DynamoHandler.serialized, "dynamodb", FAST_OPERATIONS)

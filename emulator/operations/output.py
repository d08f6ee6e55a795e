"""An operation's output document as the API model shapes it: the answer's last stage.

Walks botocore's output shape for the operation: a structure keeps the members its shape
has, in the shape's order, and drops absent ones (None); timestamps become epoch seconds
truncated to the millisecond (the Smithy rule, as moto's serializer wrote them, so answers
that moved from moto's handler are unchanged byte for byte); integers are ints.
Attribute values and other free-form documents pass as they are.
"""

from __future__ import annotations

import calendar
import functools
from datetime import UTC, datetime
from typing import Any

from botocore.model import Shape

from ddbkit.emulator.connect.clients import bare_botocore_session
from ddbkit.emulator.operations.call import Answer, Call, answer

_session = bare_botocore_session()


@functools.cache
def _output_shape(service: str, operation: str) -> Shape | None:
    shape: Shape | None = _session.get_service_model(service).operation_model(
        operation).output_shape
    return shape


def shaped_answer(call: Call, payload: dict[str, Any]) -> Answer:
    """The successful answer to `call`, its payload shaped by the operation's output shape."""
    shape = _output_shape(call.service, call.operation)
    return answer(payload if shape is None else shaped(payload, shape))


def shaped(value: Any, shape: Shape) -> Any:
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict) and shape.name != "AttributeValue":
        members = shape.members
        return {name: shaped(value[name], member) for name, member in members.items()
                if value.get(name) is not None}
    if kind == "list" and isinstance(value, (list, tuple)):
        return [shaped(element, shape.member) for element in value]
    if kind == "map" and isinstance(value, dict):
        inner = shape.value
        return {key: shaped(element, inner) for key, element in value.items()
                if element is not None}
    if kind == "timestamp":
        return epoch_seconds(value)
    if kind in ("integer", "long") and isinstance(value, (int, float)):
        return int(value)
    return value


def epoch_seconds(value: Any) -> Any:
    """A timestamp as DynamoDB's JSON writes it: seconds, millisecond precision at most.
    A naive datetime is UTC (moto's clock)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = datetime.fromtimestamp(value, UTC)
    if not isinstance(value, datetime):
        return value
    whole = calendar.timegm(value.utctimetuple())
    return whole + (value.microsecond // 1000) / 1000.0 if value.microsecond else whole

"""Answers in the shape moto's handler gave them: moto's model-driven JSON serializer, called.

The operations that moved from moto's handler to ddbkit's own modules (`emulator/operations/`)
answer byte for byte as before: only the output shape's members, in its order, timestamps as
epoch seconds truncated to milliseconds, integers as integers.
"""

from __future__ import annotations

import functools
from typing import Any

from moto.core.responses import ActionContext
from moto.core.serialize import get_serializer_class
from moto.core.utils import get_service_model
from moto.dynamodb.responses import DynamoHandler, DynamoResult

_HANDLER = DynamoHandler()  # read only for its response transformers, as moto's own use
# Loaded once, at start: loading it takes ~0.1 s, which an operation's first answer would
# otherwise pay under the store lock (moto loads it again for each operation).
_SERVICE = get_service_model(_HANDLER.boto3_service_name)


@functools.cache
def _context(operation: str) -> ActionContext:
    handler, service = _HANDLER, _SERVICE
    return ActionContext(service, service.operation_model(operation),
                         get_serializer_class(service.service_name, "json"), handler)


def wire_body(operation: str, result: dict[str, Any]) -> bytes:
    """`result` (datetimes, moto's values) as the body of `operation`'s answer."""
    _, _, body = DynamoResult(result).execute_result(_context(operation))
    return body.encode() if isinstance(body, str) else bytes(body)

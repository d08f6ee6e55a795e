"""moto's own check for unused `#names` and `:values` gives way to the endpoint's.

moto's handler (`responses.validate_attributes_used`) collects the names an expression uses
from its own parse, which misses a name before a list index (`#l[0]` in a
ProjectionExpression: "unused ... keys: {#l}" for a name in use), and words its UpdateItem
answer "1 validation error detected: Value provided ...", which DynamoDB does not. The
validation engine (endpoint/rules/expressions.py) checks every request's names and values
before moto sees it, with DynamoDB's wording, so moto's check is replaced by nothing.
"""

from __future__ import annotations

from typing import Any

from moto.dynamodb import responses

from ddbkit.emulator.moto_ext.store import require


def _checked_at_the_endpoint(*args: Any, **kwargs: Any) -> None:
    return None


def install() -> None:
    require(responses, "validate_attributes_used")
    responses.validate_attributes_used = _checked_at_the_endpoint

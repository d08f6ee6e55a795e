"""moto's UpdateExpression parser and reserved words, for `endpoint.rules.expressions`.

Imported lazily by the rules (on an error path, or at the first ProjectionExpression), so
checking a request's shape does not import moto.
"""

from __future__ import annotations

from moto.dynamodb.exceptions import MockValidationException
from moto.dynamodb.parsing.expressions import (  # type: ignore[attr-defined]
    UpdateExpressionParser,
)
from moto.dynamodb.parsing.reserved_keywords import ReservedKeywords

from ddbkit.emulator.operations.call import dynamodb_wording


def update_syntax_error(text: str) -> str | None:
    """moto's syntax error for an UpdateExpression (worded as DynamoDB's), or None."""
    try:
        UpdateExpressionParser.make(text)
    except MockValidationException as exc:
        return dynamodb_wording(str(exc.message))
    except Exception:  # noqa: BLE001 - moto's parser crashing is no syntax answer
        return None
    return None


def reserved_words() -> frozenset[str]:
    return frozenset(ReservedKeywords.get_reserved_keywords())

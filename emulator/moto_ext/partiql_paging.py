"""ExecuteStatement's Limit and NextToken for SELECT.

moto's `DynamoHandler.execute_statement` reads only Statement and Parameters: a SELECT
returns every match in one answer, whatever its Limit, and never a NextToken. DynamoDB's
Limit is the number of items a SELECT evaluates (not the number it returns); when it stops
before the end it answers a NextToken that continues after the last item evaluated. Here the
handler hands Limit and NextToken to `partiql_statements` (`window`, over the SELECT's
candidate items in their order), and adds the NextToken it leaves. A token names the
statement it was made for and the position; any other token is refused.
"""

from __future__ import annotations

import base64
import contextvars
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from moto.dynamodb.exceptions import MockValidationException
from moto.dynamodb.responses import DynamoHandler

from ddbkit.emulator.moto_ext.store import require

INVALID_TOKEN = "The provided NextToken is not valid for this statement"


@dataclass
class _Page:
    start: int
    limit: int | None
    next_start: int | None = None


_page: contextvars.ContextVar[_Page | None] = contextvars.ContextVar("ddbkit_partiql_page",
                                                                     default=None)


def window(candidates: list[Any]) -> list[Any]:
    """The candidates this request evaluates; notes where the next page starts."""
    page = _page.get()
    if page is None:
        return candidates
    end = len(candidates) if page.limit is None else page.start + page.limit
    if end < len(candidates):
        page.next_start = end
    return candidates[page.start:end]


def _fingerprint(statement: Any, parameters: Any) -> str:
    text = json.dumps([statement, parameters], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _token(fingerprint: str, start: int) -> str:
    return base64.urlsafe_b64encode(json.dumps([fingerprint, start]).encode()).decode()


def _start(token: Any, fingerprint: str) -> int:
    try:
        made_for, start = json.loads(base64.urlsafe_b64decode(str(token).encode()))
    except (ValueError, TypeError):
        raise MockValidationException(INVALID_TOKEN) from None
    if made_for != fingerprint or not isinstance(start, int) or start < 0:
        raise MockValidationException(INVALID_TOKEN)
    return start


def _wrap_execute_statement(original: Any) -> Any:
    def execute_statement(self: DynamoHandler) -> Any:
        body = self.body
        limit, token = body.get("Limit"), body.get("NextToken")
        if limit is None and token is None:
            return original(self)
        fingerprint = _fingerprint(body.get("Statement"), body.get("Parameters"))
        page = _Page(start=_start(token, fingerprint) if token is not None else 0,
                     limit=limit if isinstance(limit, int) and limit > 0 else None)
        marker = _page.set(page)
        try:
            answer = original(self)
        finally:
            _page.reset(marker)
        result = getattr(answer, "result", None)
        if page.next_start is not None and isinstance(result, dict):
            result["NextToken"] = _token(fingerprint, page.next_start)
        return answer

    return execute_statement


def install() -> None:
    require(DynamoHandler, "execute_statement")
    DynamoHandler.execute_statement = _wrap_execute_statement(  # type: ignore[method-assign]
        DynamoHandler.execute_statement)

"""NextToken paging over a list of descriptions, for ListExports and ListImports."""

from __future__ import annotations

from typing import Any

from ddbkit.emulator.operations.call import validation_error


def paged(found: list[dict[str, Any]], key: str, token: Any,
          size: int) -> tuple[list[dict[str, Any]], str | None]:
    """A page of `found` after the entry whose `key` is `token`, and the next token."""
    start = 0
    if token is not None:
        keys = [d[key] for d in found]
        if token not in keys:
            raise validation_error(f"Invalid NextToken: {token}")
        start = keys.index(token) + 1
    page = found[start:start + size]
    more = start + size < len(found)
    return page, (page[-1][key] if more and page else None)

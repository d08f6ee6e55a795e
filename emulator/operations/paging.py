"""Paging listings as DynamoDB's List*/Describe* operations page theirs: by key (`page`),
or by NextToken over descriptions (`paged`, ListExports and ListImports)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from ddbkit.emulator.operations.call import validation_error

Entry = TypeVar("Entry")



def page(entries: list[Entry], key: Callable[[Entry], str], after: Any, limit: Any,
         default: int) -> tuple[list[Entry], str | None]:
    """The entries (in key order) after the key `after`, at most `limit` (`default` when
    none is given); and the last one's key when more follow, to start the next page from."""
    ordered = sorted(entries, key=key)
    if isinstance(after, str):
        ordered = [entry for entry in ordered if key(entry) > after]
    size = limit if isinstance(limit, int) and limit > 0 else default
    chosen = ordered[:size]
    return chosen, key(chosen[-1]) if chosen and len(ordered) > size else None



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

"""Paging a listing by key, as DynamoDB's List*/Describe* operations page theirs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

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

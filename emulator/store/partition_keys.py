"""A partition key of several attributes (a GSI's multi-attribute key: up to 4 HASH
attributes) as one value.

An index keeps such a partition under its values' order bytes joined as an entry key's are
(`entry_keys.join`: one value alone is its own bytes, so a one-attribute key is its `Key`).
The throughput model hashes a partition by its `type` and `value`
(`throughput.model.key_hash`): a Query's partition and a write's index entry hash alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ddbkit.emulator.store import entry_keys
from ddbkit.emulator.store.item import Key

__all__ = ["CompositeKey", "of_documents", "partition_key"]


class CompositeKey:
    """The values of a multi-attribute partition key, in the key schema's order."""

    __slots__ = ("keys", "order")
    type = "composite"

    def __init__(self, keys: Sequence[Key]) -> None:
        self.keys = tuple(keys)
        self.order = entry_keys.join([key.order for key in keys])

    @property
    def value(self) -> bytes:
        return self.order

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CompositeKey) and self.keys == other.keys

    def __hash__(self) -> int:
        return hash(self.keys)

    def __repr__(self) -> str:
        return f"CompositeKey({list(self.keys)!r})"


def partition_key(keys: Sequence[Key]) -> Key | CompositeKey:
    """A partition's key: the value itself for one attribute."""
    return keys[0] if len(keys) == 1 else CompositeKey(keys)


def of_documents(values: Sequence[dict[str, Any]]) -> Any:
    """A partition from an item's values (DynamoDB JSON): one value as it is."""
    return values[0] if len(values) == 1 else CompositeKey([Key(v) for v in values])

"""What ddbkit's own operations (`emulator/operations/`) call in moto, and nothing else.

These are calls: nothing here replaces an attribute of moto. moto's refusals come back as
`OperationError`s carrying moto's answer document unchanged, so an operation that moves from
moto's handler to its own module answers errors exactly as before.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from moto.core.exceptions import JsonRESTError

from ddbkit.emulator.expressions.projections import Path
from ddbkit.emulator.moto_ext.projection_paths import paths as projection_paths
from ddbkit.emulator.operations.call import OperationError, not_found
from ddbkit.emulator.store.access import request_keys, stored_item
from ddbkit.emulator.store.catalog import Catalog

NOT_FOUND = "Requested resource not found"

__all__ = [
    "KeySchema",
    "MotoShapeError",
    "attributes",
    "billed_size",
    "delete_table",
    "find_table",
    "key_schema",
    "moto_refusals",
    "projection",
    "require",
    "stored",
    "table",
    "tables",
]


class MotoShapeError(RuntimeError):
    """The pinned moto internals changed; the extension named in the message must be revisited."""


def require(owner: Any, *attributes: str) -> None:
    missing = [a for a in attributes if not hasattr(owner, a)]
    if missing:
        raise MotoShapeError(f"{owner!r} no longer has {', '.join(missing)}; "
                             "moto's internals changed under a ddbkit extension")


@contextlib.contextmanager
def moto_refusals() -> Iterator[None]:
    """Turns a refusal raised inside moto into the operation's error answer."""
    try:
        yield
    except JsonRESTError as exc:
        raise OperationError.from_document(exc.code, json.loads(exc.description)) from exc


def table(backend: Catalog, name: str) -> Any:
    """The table named `name` (or with that ARN); ResourceNotFoundException as DynamoDB (and
    moto before it) words it."""
    found = backend.table(name)
    if found is None:
        raise not_found(NOT_FOUND)
    return found


def tables(backend: Catalog) -> dict[str, Any]:
    """The tables by name (the catalog's own dict: what is done to a table stays done)."""
    return backend.tables


def delete_table(backend: Catalog, name: str) -> Any:
    """Removes the table from the store; the removed table object."""
    return backend.tables.pop(table(backend, name).name)


def find_table(backend: Catalog, name: Any) -> Any:
    """The table named `name` (or with that ARN), or None."""
    return backend.table(name) if isinstance(name, str) else None


@dataclass(frozen=True, slots=True)
class KeySchema:
    """A table's primary key: each attribute's name and declared type (S, N or B)."""

    hash_name: str
    hash_type: str
    range_name: str | None
    range_type: str | None

    @property
    def names(self) -> tuple[str, ...]:
        return (self.hash_name,) if self.range_name is None else (self.hash_name,
                                                                   self.range_name)


def key_schema(found: Any) -> KeySchema:
    return KeySchema(found.hash_key_attr, found.hash_key_type, found.range_key_attr,
                     found.range_key_type if found.range_key_attr else None)


def stored(found: Any, key: dict[str, Any]) -> tuple[Any, Any]:
    """(the item stored under a Key that matches the table's schema, or None; its partition
    key value, as the throughput model counts partitions). Binary values may be base64 text:
    a `Key` holds their bytes."""
    keys = request_keys(found, key)
    if keys is None:
        return None, None
    return stored_item(found, *keys), keys[0]


def billed_size(item: Any) -> int:
    """The item's size as DynamoDB bills it, counted once per item (`store.item.Item`)."""
    found: int = item.size()
    return found


def projection(expression: str | None, names: dict[str, str] | None) -> list[Path]:
    """A ProjectionExpression's document paths, `#names` substituted (for
    `expressions.projections.project`)."""
    with moto_refusals():
        return projection_paths(expression, names or {})[0]


def attributes(item: Any) -> dict[str, Any]:
    """The item's attributes as DynamoDB JSON (binary values as bytes, for the answer's
    encoder to write as base64): the stored item's own, never to be changed in place."""
    found: dict[str, Any] = item.attrs
    return found


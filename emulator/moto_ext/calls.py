"""What ddbkit's own operations (`emulator/operations/`) call in moto, and nothing else.

These are calls: nothing here replaces an attribute of moto. moto's refusals come back as
`OperationError`s carrying moto's answer document unchanged, so an operation that moves from
moto's handler to its own module answers errors exactly as before.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from moto.core.exceptions import JsonRESTError
from moto.dynamodb.models.utilities import dynamo_to_dict

from ddbkit.emulator.endpoint.protocol import PLAIN_SCALAR_TYPES
from ddbkit.emulator.expressions.projections import Path
from ddbkit.emulator.moto_ext.item_size import billed_size
from ddbkit.emulator.moto_ext.projection_paths import paths as projection_paths
from ddbkit.emulator.moto_ext.store import dynamodb_backend, request_keys, stored_item
from ddbkit.emulator.operations.call import OperationError

__all__ = ["AttributeView", "KeySchema", "attributes", "billed_size", "delete_table",
           "dynamodb_backend", "find_table", "key_schema", "moto_refusals", "projection",
           "stored", "table", "tables"]


TEXT_SETS = frozenset({"SS", "NS"})


@contextlib.contextmanager
def moto_refusals() -> Iterator[None]:
    """Turns a refusal raised inside moto into the operation's error answer."""
    try:
        yield
    except JsonRESTError as exc:
        raise OperationError.from_document(exc.code, json.loads(exc.description)) from exc


def table(backend: Any, name: str) -> Any:
    """moto's table object for `name` (a table's name or ARN); ResourceNotFoundException as
    moto words it."""
    with moto_refusals():
        return backend.get_table(name)


def tables(backend: Any) -> dict[str, Any]:
    """moto's tables by name (its own dict: what is done to a table object stays done)."""
    found: dict[str, Any] = backend.tables
    return found


def delete_table(backend: Any, name: str) -> Any:
    """Removes the table from moto's store; the removed table object."""
    with moto_refusals():
        return backend.delete_table(name)

def find_table(backend: Any, name: Any) -> Any:
    """The table named `name` (or with that ARN), or None."""
    if not isinstance(name, str):
        return None
    try:
        return table(backend, name)
    except OperationError:
        return None


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
    moto compares binary by its bytes."""
    keys = request_keys(found, key)
    if keys is None:
        return None, None
    return stored_item(found, *keys), keys[0]


def projection(expression: str | None, names: dict[str, str] | None) -> list[Path]:
    """A ProjectionExpression's document paths, `#names` substituted (for
    `expressions.projections.project`)."""
    with moto_refusals():
        return projection_paths(expression, names or {})[0]


def attributes(item: Any) -> dict[str, Any]:
    """The item's attributes as DynamoDB JSON (binary values as bytes, for the answer's
    encoder to write as base64), as moto's handler answered them."""
    return {name: _document(value) for name, value in item.attrs.items()}


def _document(value: Any) -> Any:
    kind, inner = value.type, value.value
    if type(inner) is PLAIN_SCALAR_TYPES.get(kind):
        return {kind: inner}
    if kind in TEXT_SETS and type(inner) is list:
        return {kind: list(inner)}
    if kind == "M" and type(inner) is dict:  # moto holds members as DynamoTypes
        return {kind: {k: _document(v) for k, v in inner.items()}}
    if kind == "L" and type(inner) is list:
        return {kind: [_document(v) for v in inner]}
    return dynamo_to_dict(value)


class AttributeView(Mapping[str, Any]):
    """`attributes(item)` read lazily: an attribute is converted when it is read, so a filter
    that reads two attributes of each scanned item converts two, not all of them."""

    __slots__ = ("_attrs",)

    def __init__(self, item: Any) -> None:
        self._attrs = item.attrs

    def get(self, name: str, default: Any = None) -> Any:
        value = self._attrs.get(name)
        return default if value is None else _document(value)

    def __getitem__(self, name: str) -> Any:
        return _document(self._attrs[name])

    def __iter__(self) -> Iterator[str]:
        return iter(self._attrs)

    def __len__(self) -> int:
        return len(self._attrs)

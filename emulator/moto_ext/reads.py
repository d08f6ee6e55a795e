"""What ddbkit's Query and Scan (operations/query.py, scan.py) call in moto, and nothing else.

Calls only: moto's Select check, an index's projection, and reads of a table's and index's shape.
Refusals are moto's exceptions, turned into `OperationError`s by `calls.moto_refusals()`.
"""

from __future__ import annotations

import hashlib
from typing import Any

from moto.dynamodb import responses as dynamodb_responses
from moto.dynamodb.exceptions import MockValidationException

from ddbkit.emulator.store.item import Item, Key
from ddbkit.emulator.store.lsi_fetches import projected_names

__all__ = ["check_select", "index_of", "index_project", "is_global",
           "projected_names", "segment_of", "value"]

MISSING_INDEX = "The table does not have the specified index: {name}"


def index_of(table: Any, name: str | None) -> Any:
    """The table's index `name` (None: the base table), or DynamoDB's ValidationException."""
    if name is None:
        return None
    for index in table.all_indexes():
        if index.name == name:
            return index
    raise MockValidationException(MISSING_INDEX.format(name=name))


def is_global(table: Any, index: Any) -> bool:
    return index is not None and index in (table.global_indexes or [])


def schema(table: Any, index: Any) -> list[dict[str, str]]:
    """The key schema a key condition is read against: the index's, or the table's."""
    found: list[dict[str, str]] = (index or table).schema
    return found


def check_select(operation: str, params: dict[str, Any], table: Any) -> None:
    """Select against the request's projection (moto's wording)."""
    dynamodb_responses.validate_select(
        operation=operation, select=params.get("Select"),
        projection_expression=params.get("ProjectionExpression"),
        attributes_to_get=params.get("AttributesToGet"), table=table,
        index_name=params.get("IndexName"))


def index_project(table: Any, index: Any, item: Any) -> Any:
    """The item as the index holds it (its projection type): the same item for ALL, else a
    new one with the attributes the index holds, by name (moto's `SecondaryIndex.project`
    read a NonKeyAttribute like `x[0]` as a list index, and reordered binary sets)."""
    names = projected_names(table, index)
    if names is None:
        return item
    return Item({name: value for name, value in item.attrs.items() if name in names},
                item.hash_key, item.range_key)


def value(document: dict[str, Any]) -> Key | None:
    """A request's key value (binary decoded) as the indexes compare it; None for a value
    no key can hold (a list, a map, ...), which matches no item."""
    try:
        return Key(document)
    except (ValueError, TypeError, AttributeError):
        return None


def segment_of(item: Any, total: int) -> int:
    """A parallel Scan's segment for the item: from an md5 of its hash key (moto's rule), of
    a binary key's bytes rather than their text."""
    key = item.hash_key
    raw = key.value if key.type == "B" else str(key.value).encode("utf8")
    return hashlib.md5(raw, usedforsecurity=False).digest()[0] % total


def declared_types(table: Any) -> dict[str, str]:
    """Each key attribute's declared type (the table's and its indexes')."""
    return {a.get("AttributeName"): a.get("AttributeType") for a in table.attr or []}


def check_consistency(table: Any, index: Any, consistent: bool) -> None:
    if consistent and is_global(table, index):
        raise MockValidationException(
            "Consistent reads are not supported on global secondary indexes")

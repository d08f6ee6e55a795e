"""A request's Key checked against its table, as DynamoDB checks it before reading.

The Key names exactly the table's key attributes, each a value of its declared type, else
"The provided key element does not match the schema" (dynalite's tests, recorded against
DynamoDB); a key value is never empty and at most 2048 bytes (hash) or 1024 bytes (range).
`identity` is what makes two Keys the same item, for a batch's duplicate check.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from ddbkit.emulator.capacity.sizes import MAX_HASH_KEY_BYTES, MAX_RANGE_KEY_BYTES, value_size
from ddbkit.emulator.expressions.update_values import canonical
from ddbkit.emulator.operations.call import validation_error
from ddbkit.emulator.store.access import KeySchema

MISMATCH = "The provided key element does not match the schema"
EMPTY = ("One or more parameter values are not valid. The AttributeValue for a key attribute "
         "cannot contain an empty {kind} value. Key: {name}")
# (sic: DynamoDB's wording, without the space)
HASH_TOO_LONG = ("One or more parameter values were invalid: Size of hashkey has exceeded the "
                 f"maximum size limit of{MAX_HASH_KEY_BYTES} bytes")
RANGE_TOO_LONG = ("One or more parameter values were invalid: Aggregated size of all range keys "
                  f"has exceeded the size limit of {MAX_RANGE_KEY_BYTES} bytes")


def matches(schema: KeySchema, key: Any) -> bool:
    """The Key names exactly the table's key attributes, each a scalar of its declared type."""
    if not isinstance(key, dict) or len(key) != len(schema.names):
        return False
    declared = {schema.hash_name: schema.hash_type}
    if schema.range_name is not None:
        declared[schema.range_name] = schema.range_type or ""
    for name, value in key.items():
        if not isinstance(value, dict) or len(value) != 1 or name not in declared:
            return False
        kind, inner = next(iter(value.items()))
        if kind != declared[name] or not isinstance(inner, str):
            return False
    return True


def value_problem(schema: KeySchema, key: dict[str, Any]) -> str | None:
    """Why DynamoDB refuses a Key's values (empty, too large), or None."""
    for name, value in key.items():
        kind, inner = next(iter(value.items()))
        if kind in ("S", "B") and not inner:
            return EMPTY.format(kind="string" if kind == "S" else "binary", name=name)
        if name == schema.hash_name and value_size(value) > MAX_HASH_KEY_BYTES:
            return HASH_TOO_LONG
        if name == schema.range_name and value_size(value) > MAX_RANGE_KEY_BYTES:
            return RANGE_TOO_LONG
    return None


def check(schema: KeySchema, key: Any) -> None:
    """The Key's schema first, then its values."""
    if not matches(schema, key):
        raise validation_error(MISMATCH)
    problem = value_problem(schema, key)
    if problem is not None:
        raise validation_error(problem)


def identity(key: dict[str, Any]) -> tuple[Any, ...]:
    """What makes two Keys of one table the same item: numbers by value ("1" is "1.0"),
    binary by its bytes, strings as they are (call after `matches`)."""
    return tuple(sorted((name, _value(value)) for name, value in key.items()))


def _value(value: dict[str, str]) -> tuple[str, Any]:
    kind, inner = next(iter(value.items()))
    if kind == "N":
        return kind, canonical(inner)
    if kind == "B":
        try:
            return kind, base64.b64decode(inner)
        except (binascii.Error, ValueError):
            return kind, inner
    return kind, inner


def stored_identity(keys: tuple[Any, Any]) -> tuple[Any, Any]:
    """`identity` for a key as the store holds it ((hash, range or None) values): what makes
    two writes of one request the same item."""
    hash_key, range_key = keys
    return _stored_value(hash_key), None if range_key is None else _stored_value(range_key)


def _stored_value(value: Any) -> tuple[str, Any]:
    """A `store.item.Key`'s identity: its number canonical, its binary bytes already."""
    return value.type, value.value

"""What ddbkit's item writes (operations/put_item.py, delete_item.py, batch_write_item.py,
transact_write_items.py) call in moto.

Calls only: moto's item checks and refusals; storing ddbkit's items (`store.item.Item`) into
and removing them from a table's item map (`store.item_map`). Stream records are ddbkit's
(`store.stream_records`), built from the items as DynamoDB JSON. Refusals are moto's
exceptions, turned into `OperationError`s by the caller's `calls.moto_refusals()`; the key
checks (`key_values`) raise `OperationError`s themselves.
"""

from __future__ import annotations

import math
from typing import Any

from moto.dynamodb import responses as dynamodb_responses
from moto.dynamodb.exceptions import (
    InvalidAttributeTypeError,
    InvalidConversion,
    ItemSizeTooLarge,
    MockValidationException,
    SerializationException,
    ValidationException,
)

from ddbkit.emulator.capacity.sizes import (
    MAX_HASH_KEY_BYTES,
    MAX_ITEM_BYTES,
    MAX_RANGE_KEY_BYTES,
    value_size,
)
from ddbkit.emulator.operations.call import validation_error
from ddbkit.emulator.operations.key_values import HASH_KEY_TOO_LONG, RANGE_KEY_TOO_LONG, check_item
from ddbkit.emulator.operations.wire_values import wire
from ddbkit.emulator.store import stream_records, stream_shards
from ddbkit.emulator.store.access import stored_item
from ddbkit.emulator.store.clock import now
from ddbkit.emulator.store.item import Item, Key
from ddbkit.emulator.store.tables import before_write

__all__ = ["build_item", "item_attributes", "key_of", "put_checks", "remove", "store",
           "stored_item", "stream_record", "wire"]

MISSING_KEY = "One or more parameter values were invalid: Missing the key {} in the item"
NOT_NUMERIC = "The parameter cannot be converted to a numeric value: {}"
OVERFLOW = ("Number overflow. Attempting to store a number with magnitude larger than "
            "supported range")
UNDERFLOW = ("Number underflow. Attempting to store a number with magnitude smaller than "
             "supported range")
LARGEST, SMALLEST = 9.9999999999999999999999999999999999999e125, 1e-130


def put_checks(table: Any, item: dict[str, Any]) -> None:
    """The checks of an item to put that precede reading its condition: empty key values
    (table and index keys: key_values), then moto's check for empty sets."""
    check_item(table, item)
    dynamodb_responses.validate_put_has_empty_attrs(item, table)


def empty_key_checks(table: Any, item: dict[str, Any], message: str) -> None:
    """A batch's check of an item's key values (table and index keys), an empty string in a
    table key in `message`'s words. (The endpoint refused empty sets.)"""
    check_item(table, item, message)


def key_of(table: Any, attributes: dict[str, Any]) -> tuple[Any, Any]:
    """(hash, range) `Key`s of an item or Key, refused in moto's words when a table key is
    missing or of another type than declared."""
    if table.hash_key_attr not in attributes:
        raise MockValidationException(MISSING_KEY.format(table.hash_key_attr))
    hash_value = attributes[table.hash_key_attr]
    range_value = None
    if table.range_key_attr is not None:
        if table.range_key_attr not in attributes:
            raise MockValidationException(MISSING_KEY.format(table.range_key_attr))
        range_value = attributes[table.range_key_attr]
    hash_type = _type_of(hash_value)
    if hash_type != table.hash_key_type:
        raise InvalidAttributeTypeError(table.hash_key_attr, table.hash_key_type, hash_type)
    if range_value is not None:
        range_type = _type_of(range_value)
        if range_type != table.range_key_type:
            raise InvalidAttributeTypeError(table.range_key_attr, table.range_key_type,
                                            range_type)
    return Key(hash_value), None if range_value is None else Key(range_value)


def _type_of(value: Any) -> Any:
    if not value:
        raise IndexError("an attribute value without a type")
    return next(iter(value))


def build_item(table: Any, keys: tuple[Any, Any], attributes: dict[str, Any]) -> Any:
    """The item as the store holds it (`store.item.Item`); values out of DynamoDB's range,
    keys too long (the table's and its indexes') and items over 400 KB are refused."""
    _check_values(table, attributes)
    _check_key_sizes(table, attributes)
    item = Item.of(attributes, table.hash_key_attr, table.range_key_attr)
    if item.size() > MAX_ITEM_BYTES:
        raise ItemSizeTooLarge
    return item


def _check_values(table: Any, values: dict[str, Any], attr: str | None = None) -> None:
    """Numbers DynamoDB cannot store, and values of the wrong Python type (a client that
    skipped its own validation), refused as moto words it; maps are checked within."""
    for key, value in values.items():
        if isinstance(value, dict):
            _check_values(table, value, key)
        if key == "N":
            _check_number(value)
        elif key == "S":
            if isinstance(value, int):
                raise SerializationException("NUMBER_VALUE cannot be converted to String")
            if attr and attr in table.table_key_attrs and isinstance(value, dict):
                raise SerializationException("Start of structure or map found where not "
                                             "expected")
        elif key == "NULL" and value is False:
            raise ValidationException("Null attribute value types must have the value of true")


def _check_number(value: Any) -> None:
    if isinstance(value, (int, float)):
        raise InvalidConversion
    if not isinstance(value, str):
        return
    try:
        number = float(value)
    except ValueError:
        raise ValidationException(NOT_NUMERIC.format(value)) from None
    if value != value.strip() or not math.isfinite(number):
        raise ValidationException(NOT_NUMERIC.format(value))
    if number != 0.0 and abs(number) > LARGEST:
        raise ValidationException(OVERFLOW)
    if number != 0.0 and abs(number) < SMALLEST:
        raise ValidationException(UNDERFLOW)


def _check_key_sizes(table: Any, attributes: dict[str, Any]) -> None:
    """moto's key length check (`Table._validate_key_sizes`), by DynamoDB's sizes."""
    for names, limit, refusal in ((table.hash_key_names, MAX_HASH_KEY_BYTES, HASH_KEY_TOO_LONG),
                                  (table.range_key_names, MAX_RANGE_KEY_BYTES,
                                   RANGE_KEY_TOO_LONG)):
        for name in names:
            value = attributes.get(name)
            if value and value_size(value) > limit:
                raise validation_error(refusal)


def store(table: Any, item: Any) -> None:
    if table.copies:
        before_write(table, item.hash_key)
    if table.range_key_attr is None:
        table.items[item.hash_key] = item
    else:
        table.items.entry(item.hash_key)[item.range_key] = item


def remove(table: Any, hash_key: Any, range_key: Any) -> Any:
    """The item removed from under these keys, or None."""
    if table.copies:
        before_write(table, hash_key)
    if range_key is None:
        return table.items.pop(hash_key, None)
    entry = table.items.get(hash_key)
    return None if entry is None else entry.pop(range_key, None)


def stream_record(table: Any, old: Any, new: Any, by_service: bool = False) -> None:
    """INSERT, MODIFY or REMOVE in the table's stream (`store.stream_shards`), if it has an
    open one; none for a write that changed nothing. `by_service`: a TTL delete."""
    shard = stream_shards.of(table)
    specification = table.stream_specification or {}
    if shard is None or shard.closed or not specification.get("StreamEnabled") or (
            old is not None and new is not None and old.attrs == new.attrs):
        return
    view_type = specification["StreamViewType"]
    old_image = None if old is None else old.attrs
    new_image = None if new is None else new.attrs
    either = old_image or new_image or {}
    keys = {name: either[name] for name in (table.hash_key_attr, table.range_key_attr)
            if name is not None}
    stream_records.add(shard, view_type, keys, old_image, new_image, now(),
                       table.region_name, by_service)


def item_attributes(item: Any) -> dict[str, Any]:
    """The item as DynamoDB JSON, binary as base64 text."""
    return wire(item.attrs)  # type: ignore[no-any-return]

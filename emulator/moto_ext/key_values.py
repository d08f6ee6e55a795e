"""Every Key a request names holds key values DynamoDB can store: not empty, not too large.

moto checks a key's size (hash 2048 bytes, range 1024) only where it stores an item (PutItem,
UpdateItem, batch and transaction writes) and refuses an empty string key only in GetItem
and Query: a DeleteItem with a 3 KB key answers "not found", an UpdateItem or DeleteItem
with an empty one succeeds. DynamoDB refuses them all, with the same answers as for a write
(ddbkit's own read operations check their Keys themselves: operations/keys.py; its write
operations call `check` after key_schema's check, operations/writes.py).

moto's check of an item's keys for empty values (`validate_put_has_empty_keys`, before
PutItem, BatchWriteItem and TransactWriteItems write) compares them with "", which a binary
value, decoded to bytes by moto's parser, never equals: an item keyed on an empty binary was
stored, in the table or a secondary index. Such items get DynamoDB's refusals here first
(`check_item`, which PartiQL's INSERT calls too).
"""

from __future__ import annotations

from typing import Any

import moto.dynamodb.responses as responses
from moto.dynamodb.exceptions import HashKeyTooLong, MockValidationException, RangeKeyTooLong

from ddbkit.emulator.capacity.sizes import MAX_HASH_KEY_BYTES, MAX_RANGE_KEY_BYTES, value_size
from ddbkit.emulator.moto_ext.store import require

EMPTY = ("One or more parameter values are not valid. The AttributeValue for a key attribute "
         "cannot contain an empty {kind} value. Key: {name}")
EMPTY_INDEX_KEY = ("One or more parameter values are not valid. A value specified for a "
                   "secondary index key is not supported. The AttributeValue for a key "
                   "attribute cannot contain an empty binary value. IndexName: {index}, "
                   "IndexKey: {name}")


def check(table: Any, key: dict[str, Any]) -> None:
    hash_name, range_name = table.hash_key_attr, table.range_key_attr
    for name, value in key.items():
        kind, inner = next(iter(value.items()))
        if kind in ("S", "B") and not inner:
            raise MockValidationException(EMPTY.format(kind="string" if kind == "S" else
                                                       "binary", name=name))
        if name == hash_name and value_size(value) > MAX_HASH_KEY_BYTES:
            raise HashKeyTooLong()
        if name == range_name and value_size(value) > MAX_RANGE_KEY_BYTES:
            raise RangeKeyTooLong()


def empty_binary(value: Any) -> bool:
    """An empty binary, as a request value ({"B": ""}) or as moto holds it (DynamoType)."""
    if isinstance(value, dict):
        return len(value) == 1 and value.get("B", None) in ("", b"")
    return getattr(value, "type", None) == "B" and getattr(value, "value", None) in ("", b"")


def check_item(table: Any, item: dict[str, Any]) -> None:
    """An item to store holds no empty binary in a key of its table or of an index (checked
    first, as moto checks an empty string)."""
    for index in [*table.global_indexes, *table.indexes]:
        for name in index.schema_key_attrs:
            if name not in table.table_key_attrs and empty_binary(item.get(name)):
                raise MockValidationException(EMPTY_INDEX_KEY.format(index=index.name,
                                                                     name=name))
    for name in table.table_key_attrs:
        if empty_binary(item.get(name)):
            raise MockValidationException(EMPTY.format(kind="binary", name=name))


def _wrap_validate_put_has_empty_keys(original: Any) -> Any:
    def validate_put_has_empty_keys(field_updates: Any, table: Any, *args: Any,
                                    **kwargs: Any) -> None:
        if table is not None and isinstance(field_updates, dict):
            check_item(table, field_updates)
        original(field_updates, table, *args, **kwargs)

    return validate_put_has_empty_keys


def install() -> None:
    require(responses, "validate_put_has_empty_keys")
    module: Any = responses
    module.validate_put_has_empty_keys = _wrap_validate_put_has_empty_keys(
        module.validate_put_has_empty_keys)

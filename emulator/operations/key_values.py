"""Every Key a request names holds key values DynamoDB can store: not empty, not too large.

moto checks a key's size (hash 2048 bytes, range 1024) only where it stores an item (PutItem,
UpdateItem, batch and transaction writes) and refuses an empty string key only in GetItem
and Query: a DeleteItem with a 3 KB key answers "not found", an UpdateItem or DeleteItem
with an empty one succeeds. DynamoDB refuses them all, with the same answers as for a write
(ddbkit's own read operations check their Keys themselves: operations/keys.py; its write
operations call `check` after key_schema's check, operations/writes.py).

An item to store (PutItem, BatchWriteItem, TransactWriteItems, PartiQL's INSERT) holds no
empty value in a key of its table or of an index (`check_item`): empty binaries first (moto's
own check, `validate_put_has_empty_keys`, compared values with "", which a binary decoded to
bytes never equals, so such items were stored), then empty strings, in moto's words but
naming the index the key belongs to (moto named the table's first GSI).
"""

from __future__ import annotations

from typing import Any

from ddbkit.emulator.capacity.sizes import MAX_HASH_KEY_BYTES, MAX_RANGE_KEY_BYTES, value_size
from ddbkit.emulator.operations.call import validation_error

# DynamoDB's words, as moto has them (sic: no space after "of" in the first)
HASH_KEY_TOO_LONG = ("One or more parameter values were invalid: Size of hashkey has exceeded "
                     f"the maximum size limit of{MAX_HASH_KEY_BYTES} bytes")
RANGE_KEY_TOO_LONG = ("One or more parameter values were invalid: Aggregated size of all range "
                      f"keys has exceeded the size limit of {MAX_RANGE_KEY_BYTES} bytes")
EMPTY = ("One or more parameter values are not valid. The AttributeValue for a key attribute "
         "cannot contain an empty {kind} value. Key: {name}")
EMPTY_INDEX_KEY = ("One or more parameter values are not valid. A value specified for a "
                   "secondary index key is not supported. The AttributeValue for a key "
                   "attribute cannot contain an empty binary value. IndexName: {index}, "
                   "IndexKey: {name}")
EMPTY_INDEX_STRING = EMPTY_INDEX_KEY.replace("empty binary", "empty string")
EMPTY_STRING = ("One or more parameter values were invalid: An AttributeValue may not contain "
                "an empty string. Key: {}")


def check(table: Any, key: dict[str, Any]) -> None:
    hash_name, range_name = table.hash_key_attr, table.range_key_attr
    for name, value in key.items():
        kind, inner = next(iter(value.items()))
        if kind in ("S", "B") and not inner:
            raise validation_error(EMPTY.format(kind="string" if kind == "S" else "binary",
                                                name=name))
        if name == hash_name and value_size(value) > MAX_HASH_KEY_BYTES:
            raise validation_error(HASH_KEY_TOO_LONG)
        if name == range_name and value_size(value) > MAX_RANGE_KEY_BYTES:
            raise validation_error(RANGE_KEY_TOO_LONG)


def empty_binary(value: Any) -> bool:
    """An empty binary, as a request value ({"B": ""}) or as the store holds it (bytes)."""
    return isinstance(value, dict) and len(value) == 1 and value.get("B", None) in ("", b"")


def check_item(table: Any, item: dict[str, Any], empty_string: str = EMPTY_STRING) -> None:
    """An item to store holds no empty binary, then no empty string, in a key of its table
    or of an index; `empty_string` words an empty string in a table or LSI key."""
    for index in [*table.global_indexes, *table.indexes]:
        for name in index.schema_key_attrs:
            if name not in table.table_key_attrs and empty_binary(item.get(name)):
                raise validation_error(EMPTY_INDEX_KEY.format(index=index.name, name=name))
    for name in table.table_key_attrs:
        if empty_binary(item.get(name)):
            raise validation_error(EMPTY.format(kind="binary", name=name))
    for index in table.global_indexes:
        for name in index.schema_key_attrs:
            if _empty_string(item.get(name)):
                raise validation_error(EMPTY_INDEX_STRING.format(index=index.name, name=name))
    for name in [*table.table_key_attrs,
                 *(n for index in table.indexes for n in index.schema_key_attrs)]:
        if _empty_string(item.get(name)):
            raise validation_error(empty_string.format(name))


def _empty_string(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and \
        next(iter(value.items())) in (("S", ""), ("B", ""))

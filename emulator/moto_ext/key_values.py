"""Every Key a request names holds key values DynamoDB can store: not empty, not too large.

moto checks a key's size (hash 2048 bytes, range 1024) only where it stores an item (PutItem,
UpdateItem, batch and transaction writes) and refuses an empty string key only in GetItem
and Query: a GetItem, DeleteItem or BatchGetItem with a 3 KB key answers "not found", an
UpdateItem or DeleteItem with an empty one succeeds. DynamoDB refuses them all, with the
same answers as for a write. Checked for every Key along key_schema's paths, after its
schema check (a Key that does not match the schema gets that answer first).
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from moto.dynamodb.exceptions import HashKeyTooLong, MockValidationException, RangeKeyTooLong
from moto.dynamodb.limits import HASH_KEY_MAX_LENGTH, RANGE_KEY_MAX_LENGTH
from moto.dynamodb.responses import DynamoHandler

from ddbkit.emulator.moto_ext.key_schema import KEY_PATHS, keys_in, matches
from ddbkit.emulator.moto_ext.store import require

EMPTY = ("One or more parameter values are not valid. The AttributeValue for a key attribute "
         "cannot contain an empty {kind} value. Key: {name}")


def _size(value: dict[str, Any]) -> int:
    kind, inner = next(iter(value.items()))
    if kind == "B":
        if isinstance(inner, bytes):
            return len(inner)
        try:
            return len(base64.b64decode(str(inner)))
        except (binascii.Error, ValueError):
            return len(str(inner))
    if kind == "N":
        return len(str(inner)) // 2 + 1
    return len(str(inner).encode("utf-8", "surrogatepass"))


def check(table: Any, key: dict[str, Any]) -> None:
    hash_name, range_name = table.hash_key_attr, table.range_key_attr
    for name, value in key.items():
        kind, inner = next(iter(value.items()))
        if kind in ("S", "B") and not inner:
            raise MockValidationException(EMPTY.format(kind="string" if kind == "S" else
                                                       "binary", name=name))
        if name == hash_name and _size(value) > HASH_KEY_MAX_LENGTH:
            raise HashKeyTooLong()
        if name == range_name and _size(value) > RANGE_KEY_MAX_LENGTH:
            raise RangeKeyTooLong()


def _wrap(original: Any, path: tuple[str, ...]) -> Any:
    def handler_method(self: Any) -> Any:
        for table_name, key in keys_in(self.body, path):
            table = self.dynamodb_backend.tables.get(table_name) if \
                isinstance(table_name, str) else None
            if table is not None and matches(table, key):
                check(table, key)
        return original(self)

    return handler_method


def install() -> None:
    require(DynamoHandler, *KEY_PATHS)
    for name, path in KEY_PATHS.items():
        setattr(DynamoHandler, name, _wrap(getattr(DynamoHandler, name), path))

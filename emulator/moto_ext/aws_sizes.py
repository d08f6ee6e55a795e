"""Item sizes by DynamoDB's rules, and its 400 KB (409,600 byte) item limit.

Replaces `moto.dynamodb.models.dynamo_type.DynamoType.size` and `LimitedSizeDict.__setitem__`.
moto sizes a number by the length of its text, a binary by its base64 text (a third more
than its bytes) and lists and maps without their overhead, and refuses items over 405,000
of those bytes, so items DynamoDB stores (up to 409,600 bytes of attribute names and
values) were refused and sizes reported (capacity, 1 MB pages, TableSizeBytes) were off.
DynamoDB's rules (developer guide, "Item sizes and formats"): a string is its UTF-8 bytes,
a binary its raw bytes, a number about one byte per two significant digits plus one,
a boolean or null one byte, a set the sum of its elements, a list or map 3 bytes plus one
byte per element plus the elements (and, for a map, their names).
"""

from __future__ import annotations

from typing import Any

from moto.dynamodb.exceptions import ItemSizeTooLarge
from moto.dynamodb.models.dynamo_type import DynamoType, LimitedSizeDict
from moto.dynamodb.models.utilities import bytesize

from ddbkit.emulator.moto_ext.binary_values import as_bytes
from ddbkit.emulator.moto_ext.store import require

MAX_ITEM_BYTES = 400 * 1024  # https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html
CONTAINER_OVERHEAD = 3


def number_size(text: str) -> int:
    digits = text.lstrip("-").replace(".", "").strip("0")
    return (len(digits) + 1) // 2 + 1 + (1 if text.startswith("-") else 0)


def _scalar_size(kind: str, value: Any) -> int:
    if kind == "S":
        return len(value.encode("utf-8")) if isinstance(value, str) else bytesize(str(value))
    if kind == "N":
        return number_size(str(value))
    if kind == "B":
        raw = as_bytes(value)
        return len(raw) if isinstance(raw, bytes) else bytesize(str(raw))
    return 1  # BOOL, NULL


def size(self: DynamoType) -> int:
    kind, value = self.type, self.value
    if kind == "S" and type(value) is str:  # the common case first, without a call
        return len(value.encode("utf-8"))
    if kind in ("S", "N", "B", "BOOL", "NULL"):
        return _scalar_size(kind, value)
    if kind in ("SS", "NS", "BS"):
        return sum(_scalar_size(kind[0], v) for v in value)
    if kind == "L":
        return CONTAINER_OVERHEAD + sum(1 + _value_size(v) for v in value)
    if kind == "M":
        return CONTAINER_OVERHEAD + sum(bytesize(k) + 1 + _value_size(v)
                                        for k, v in value.items())
    return bytesize(str(value))


def _value_size(value: Any) -> int:
    return size(value if type(value) is DynamoType else DynamoType(value))


def item_size(attrs: dict[str, Any]) -> int:
    return sum(bytesize(name) + _value_size(value) for name, value in attrs.items())


def _setitem(self: LimitedSizeDict, key: str, value: Any) -> None:
    others = sum(bytesize(k) + _value_size(v) for k, v in self.items() if k != key)
    if others + bytesize(key) + _value_size(value) > MAX_ITEM_BYTES:
        raise ItemSizeTooLarge
    dict.__setitem__(self, key, value)


def install() -> None:
    require(DynamoType, "size")
    require(LimitedSizeDict, "__setitem__")
    owner: Any = DynamoType
    owner.size = size
    limited: Any = LimitedSizeDict
    limited.__setitem__ = _setitem

"""Item sizes by DynamoDB's rules, and its 400 KB (409,600 byte) item limit.

Replaces `moto.dynamodb.models.dynamo_type.DynamoType.size` and `LimitedSizeDict.__setitem__`.
moto sizes a number by the length of its text, a binary by its base64 text (a third more
than its bytes) and lists and maps without their overhead, and refuses items over 405,000
of those bytes, so items DynamoDB stores (up to 409,600 bytes of attribute names and
values) were refused and sizes reported (capacity, 1 MB pages, TableSizeBytes) were off.
Here both call `capacity/sizes.py`, so the limit, consumed capacity, 1 MB pages and
TableSizeBytes count the bytes every other size check counts.
"""

from __future__ import annotations

from typing import Any

from moto.dynamodb.exceptions import ItemSizeTooLarge
from moto.dynamodb.models.dynamo_type import DynamoType, LimitedSizeDict

from ddbkit.emulator.capacity.sizes import too_large, utf8_size, value_size
from ddbkit.emulator.moto_ext.store import require


def size(self: DynamoType) -> int:
    if self.type == "S" and type(self.value) is str:  # the common case first, without a call
        return utf8_size(self.value)
    return value_size(self)


def _setitem(self: LimitedSizeDict, key: str, value: Any) -> None:
    if too_large({**self, key: value}):  # sizes.py reads moto's values and wire values alike
        raise ItemSizeTooLarge
    dict.__setitem__(self, key, value)


def install() -> None:
    require(DynamoType, "size")
    require(LimitedSizeDict, "__setitem__")
    owner: Any = DynamoType
    owner.size = size
    limited: Any = LimitedSizeDict
    limited.__setitem__ = _setitem

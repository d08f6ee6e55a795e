"""Item sizes by DynamoDB's rules (its 400 KB limit counts these bytes).

Replaces `moto.dynamodb.models.dynamo_type.DynamoType.size`. moto sizes a number by the
length of its text, a binary by its base64 text (a third more than its bytes) and lists and
maps without their overhead, and refuses items over 405,000 of those bytes, so items
DynamoDB stores (up to 409,600 bytes of attribute names and values) were refused and sizes
reported (capacity, 1 MB pages, TableSizeBytes) were off. Here sizes come from
`capacity/sizes.py`, so consumed capacity, 1 MB pages and TableSizeBytes count the bytes
every other size check counts; the limit is checked by item_size (items as they are built)
and by ddbkit's writes (an update's result: operations/updates.py).
"""

from __future__ import annotations

from typing import Any

from moto.dynamodb.models.dynamo_type import DynamoType

from ddbkit.emulator.capacity.sizes import utf8_size, value_size
from ddbkit.emulator.moto_ext.store import require


def size(self: DynamoType) -> int:
    if self.type == "S" and type(self.value) is str:  # the common case first, without a call
        return utf8_size(self.value)
    return value_size(self)


def install() -> None:
    require(DynamoType, "size")
    owner: Any = DynamoType
    owner.size = size

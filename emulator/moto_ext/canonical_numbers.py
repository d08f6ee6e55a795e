"""Numbers stored as DynamoDB stores them: `00042` is 42, `-0` is 0, `1.0` is 1, `1.5E2` is 150.

moto keeps a number attribute's text exactly as the request sent it and returns it so on every
read (GetItem, Query, Scan, batches, transactions, streams, PartiQL, ReturnValues). DynamoDB
stores the number, not the text: it answers with the shortest plain decimal (no exponent,
no leading or trailing zeros, no sign on zero). Here `DynamoType.__init__` (which every write
path, key lookup and UpdateExpression result goes through; replaced here by the same
constructor with this step added) rewrites an N or NS value into that
form once, so reads pay nothing; text already in that form (most numbers) is kept as it is
after one regular-expression match (`canonical`, expressions/update_values.py).
"""

from __future__ import annotations

from typing import Any

from moto.dynamodb.models.dynamo_type import DynamoType

from ddbkit.emulator.expressions.update_values import canonical
from ddbkit.emulator.moto_ext.store import require


def __init__(self: DynamoType, type_as_dict: Any) -> None:
    """moto's constructor (a copy of a DynamoType, or a one-entry {type: value} dict; lists
    and maps wrap their elements), with numbers made canonical. A copy is canonical already:
    it was made from a value that went through here."""
    if type(type_as_dict) is DynamoType:
        kind, value = type_as_dict.type, type_as_dict.value
    else:
        if not type_as_dict:
            raise IndexError("an attribute value without a type")  # as moto's [0] does
        kind, value = next(iter(type_as_dict.items()))
        if kind == "N":
            value = canonical(value)
        elif kind == "NS" and isinstance(value, list):
            value = [canonical(v) for v in value]
    if kind == "L":
        value = [DynamoType(v) for v in value]
    elif kind == "M":
        value = {k: DynamoType(v) for k, v in value.items()}
    self.type = kind
    self.value = value


def install() -> None:
    require(DynamoType, "__init__")
    DynamoType.__init__ = __init__  # type: ignore[method-assign]

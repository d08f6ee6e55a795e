"""Every number DynamoDB accepts, in UpdateExpression arithmetic and in projections.

Replaces `moto.dynamodb.models.dynamo_type.DynamoType.__add__` and `__sub__`, which read a
number with `int()` unless it holds a ".", so `ADD c :n` or `SET a = a + :n` with `1e5`,
`1E+5` or `1e125` (as SDKs write large or exponent-formatted numbers) crash with ValueError,
and which round a sum to 28 digits. Here both operands are read as decimals and added
exactly (numbers have at most 38 digits between 1E-130 and 1E+126, so 400 digits hold any
sum); the result must itself be a number DynamoDB can store, else the update fails with
DynamoDB's message (overflow, underflow, more than 38 significant digits). Results are
written as moto writes them (`str()` of the decimal: "1" + "2" is "3", "2.50" + "1" is
"3.50", "1e5" + "1" is "100001").

Also replaces the boto3 (de)serializers `dynamo_type` uses for projections
(`Item.to_regular_json`, `Item.project`): they read numbers in boto3's 38-digit context, which
traps on any rounding, so a valid number with trailing zeros ("1" followed by 40 zeros:
DynamoDB trims them) failed every ProjectionExpression over its item (decimal.Rounded).
"""

from __future__ import annotations

import decimal
import operator
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from moto.dynamodb.exceptions import MockValidationException
from moto.dynamodb.models import dynamo_type
from moto.dynamodb.models.dynamo_type import DDBType, DynamoType

from ddbkit.emulator.endpoint.attribute_values import number_problem
from ddbkit.emulator.moto_ext.store import require

_EXACT = decimal.Context(prec=400, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN,
                         traps=[decimal.InvalidOperation, decimal.Overflow])


def _number(value: DynamoType) -> Decimal:
    # A TypeError, as moto's own arithmetic raises: its callers answer it with DynamoDB's
    # "Incorrect operand type for operator or function; operator or function: +, ...".
    if value.type != DDBType.NUMBER or not isinstance(value.value, str):
        raise TypeError("arithmetic needs two numbers")
    try:
        return Decimal(value.value)
    except decimal.InvalidOperation:
        raise TypeError("arithmetic needs two numbers") from None


def _arithmetic(combine: Callable[[Decimal, Decimal], Decimal]) -> Callable[..., DynamoType]:
    def method(self: DynamoType, other: DynamoType) -> DynamoType:
        left, right = _number(self), _number(other)
        with decimal.localcontext(_EXACT):
            result = combine(left, right)
        text = str(result)
        problem = number_problem(text)
        if problem is not None:
            raise MockValidationException(problem)
        return DynamoType({DDBType.NUMBER: text})

    return method


class _ExactDeserializer(TypeDeserializer):  # type: ignore[misc]
    def _deserialize_n(self, value: str) -> Decimal:
        return Decimal(value)


class _ExactSerializer(TypeSerializer):  # type: ignore[misc]
    def _serialize_n(self, value: Any) -> str:
        if isinstance(value, Decimal):
            return str(value)
        return str(super()._serialize_n(value))


def install() -> None:
    require(DynamoType, "__add__", "__sub__")
    require(dynamo_type, "deserializer", "serializer")
    module: Any = dynamo_type
    module.deserializer = _ExactDeserializer()
    module.serializer = _ExactSerializer()
    owner: Any = DynamoType
    owner.__add__ = _arithmetic(operator.add)
    owner.__sub__ = _arithmetic(operator.sub)

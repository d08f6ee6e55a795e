"""Every number DynamoDB accepts, in projections.

Replaces the boto3 (de)serializers `dynamo_type` uses for projections
(`Item.to_regular_json`, `Item.project`): they read numbers in boto3's 38-digit context, which
traps on any rounding, so a valid number with trailing zeros ("1" followed by 40 zeros:
DynamoDB trims them) failed every ProjectionExpression over its item (decimal.Rounded).
(UpdateExpression arithmetic is ddbkit's own, exact: expressions/update_values.py.)
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from moto.dynamodb.models import dynamo_type

from ddbkit.emulator.moto_ext.store import require


class _ExactDeserializer(TypeDeserializer):  # type: ignore[misc]
    def _deserialize_n(self, value: str) -> Decimal:
        return Decimal(value)


class _ExactSerializer(TypeSerializer):  # type: ignore[misc]
    def _serialize_n(self, value: Any) -> str:
        if isinstance(value, Decimal):
            return str(value)
        return str(super()._serialize_n(value))


def install() -> None:
    require(dynamo_type, "deserializer", "serializer")
    module: Any = dynamo_type
    module.deserializer = _ExactDeserializer()
    module.serializer = _ExactSerializer()

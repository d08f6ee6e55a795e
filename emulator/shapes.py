"""Typed wire shapes the kit builds and reads (DynamoDB's JSON API, Lambda's stream event).

TypedDicts, so the shapes cost nothing at run time and mypy checks every key the kit writes.
Names follow AWS's API reference.
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any, Literal, NotRequired, TypedDict

# An AttributeValue is one of {"S": ...}, {"N": ...}, {"M": {...}}, ...: a one-key dict whose
# value type depends on the key, which a TypedDict cannot say; kept as a plain mapping.
AttributeValue = dict[str, Any]
WireItem = dict[str, AttributeValue]


def to_wire(value: Any) -> Any:
    """Undo boto3's (or moto's) parsing: datetimes to epoch seconds, binary to base64 text."""
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode()
    if isinstance(value, dict):
        return {k: to_wire(v) for k, v in value.items()}
    if isinstance(value, (list, set, tuple)):
        return [to_wire(v) for v in value]
    return value


class KeySchemaElement(TypedDict):
    AttributeName: str
    KeyType: Literal["HASH", "RANGE"]


class AttributeDefinition(TypedDict):
    AttributeName: str
    AttributeType: Literal["S", "N", "B"]


class Projection(TypedDict):
    ProjectionType: Literal["ALL", "KEYS_ONLY", "INCLUDE"]
    NonKeyAttributes: NotRequired[list[str]]


class GlobalSecondaryIndex(TypedDict):
    IndexName: str
    KeySchema: list[KeySchemaElement]
    Projection: Projection


class StreamSpecification(TypedDict):
    StreamEnabled: NotRequired[bool]  # CloudFormation infers it and rejects the key
    StreamViewType: str


class CreateTableRequest(TypedDict):
    TableName: str
    KeySchema: list[KeySchemaElement]
    AttributeDefinitions: list[AttributeDefinition]
    BillingMode: str
    GlobalSecondaryIndexes: NotRequired[list[GlobalSecondaryIndex]]
    StreamSpecification: NotRequired[StreamSpecification]


class TimeToLiveSpecification(TypedDict):
    Enabled: bool
    AttributeName: str


class PointInTimeRecoverySpecification(TypedDict):
    PointInTimeRecoveryEnabled: bool
    RecoveryPeriodInDays: NotRequired[int]


class LambdaUserIdentity(TypedDict):
    type: str | None
    principalId: str | None


class LambdaStreamRecord(TypedDict):
    """One record of a Lambda DynamoDB-stream event (`{"Records": [...]}`)."""

    eventID: str
    eventName: Literal["INSERT", "MODIFY", "REMOVE"]
    eventVersion: str
    eventSource: str
    awsRegion: str
    dynamodb: dict[str, Any]
    eventSourceARN: str
    userIdentity: NotRequired[LambdaUserIdentity]

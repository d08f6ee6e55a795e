"""Wire shapes derived from the spec: CreateTable requests and a CloudFormation template."""

from __future__ import annotations

from typing import Any

from ddbkit.emulator.shapes import (
    AttributeDefinition,
    CreateTableRequest,
    PointInTimeRecoverySpecification,
    TimeToLiveSpecification,
)
from ddbkit.emulator.spec import BILLING_MODE, DEFAULT_STAGE, PITR_RECOVERY_DAYS, TABLES, TableSpec


def attribute_definitions(table: TableSpec) -> list[AttributeDefinition]:
    """AWS accepts (and returns) definitions only for attributes used in a key schema."""
    return [
        {"AttributeName": name, "AttributeType": table.attributes[name]}
        for name in table.key_attributes
    ]


def create_table_request(table: TableSpec, stage: str = DEFAULT_STAGE) -> CreateTableRequest:
    request: CreateTableRequest = {
        "TableName": table.name(stage),
        "KeySchema": table.primary.to_wire(),
        "AttributeDefinitions": attribute_definitions(table),
        "BillingMode": BILLING_MODE,
    }
    if table.gsis:
        request["GlobalSecondaryIndexes"] = [
            {"IndexName": g.name, "KeySchema": g.key.to_wire(), "Projection": g.projection_wire()}
            for g in table.gsis
        ]
    if table.stream_view:
        request["StreamSpecification"] = {"StreamEnabled": True,
                                          "StreamViewType": table.stream_view}
    return request


def ttl_specification(table: TableSpec) -> TimeToLiveSpecification | None:
    if table.ttl_attribute is None:
        return None
    return {"Enabled": True, "AttributeName": table.ttl_attribute}


def pitr_specification(table: TableSpec) -> PointInTimeRecoverySpecification:
    spec: PointInTimeRecoverySpecification = {"PointInTimeRecoveryEnabled": table.pitr}
    if table.pitr:
        spec["RecoveryPeriodInDays"] = PITR_RECOVERY_DAYS
    return spec


def create_table_requests(stage: str = DEFAULT_STAGE) -> list[CreateTableRequest]:
    return [create_table_request(t, stage) for t in TABLES]


def _logical_id(table: TableSpec) -> str:
    return "".join(part.capitalize() for part in table.key.split("-")) + "Table"


def cloudformation_template(stage: str = DEFAULT_STAGE) -> dict[str, Any]:
    """An AWS::DynamoDB::Table per spec table: keys, GSIs, stream, TTL and PITR included."""
    resources: dict[str, Any] = {}
    for table in TABLES:
        request = create_table_request(table, stage)
        props: dict[str, Any] = dict(request)
        props["PointInTimeRecoverySpecification"] = pitr_specification(table)
        ttl = ttl_specification(table)
        if ttl:
            props["TimeToLiveSpecification"] = ttl
        if "StreamSpecification" in props:
            # CloudFormation infers StreamEnabled from the view type and rejects the key.
            props["StreamSpecification"] = {"StreamViewType": table.stream_view}
        resources[_logical_id(table)] = {
            "Type": "AWS::DynamoDB::Table",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": props,
        }
    outputs = {
        f"{_logical_id(t)}Arn": {"Value": {"Fn::GetAtt": [_logical_id(t), "Arn"]}}
        for t in TABLES
    }
    outputs.update({
        f"{_logical_id(t)}StreamArn": {"Value": {"Fn::GetAtt": [_logical_id(t), "StreamArn"]}}
        for t in TABLES if t.stream_view
    })
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": f"ddbkit: the marketplace's six DynamoDB tables (stage {stage})",
        "Resources": resources,
        "Outputs": outputs,
    }


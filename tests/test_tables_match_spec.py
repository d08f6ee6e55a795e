"""Each of the six tables, as the running emulator describes it, field by field against the spec."""

from __future__ import annotations

import re
from typing import Any

import pytest

from ddbkit.emulator.spec import ACCOUNT_ID, PITR_RECOVERY_DAYS, REGION, TABLES, TableSpec


def _key_schema(partition: str, sort: str | None) -> list[dict[str, str]]:
    schema = [{"AttributeName": partition, "KeyType": "HASH"}]
    if sort:
        schema.append({"AttributeName": sort, "KeyType": "RANGE"})
    return schema


@pytest.mark.parametrize("spec", TABLES, ids=[t.key for t in TABLES])
def test_describe_table_matches_spec(client: Any, spec: TableSpec) -> None:
    name = f"marketplace-dev-{spec.key}-table"
    table = client.describe_table(TableName=name)["Table"]

    assert table["TableName"] == name
    assert table["TableArn"] == f"arn:aws:dynamodb:{REGION}:{ACCOUNT_ID}:table/{name}"
    assert table["TableStatus"] == "ACTIVE"
    assert table["KeySchema"] == _key_schema(spec.primary.partition, spec.primary.sort)
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"

    keyed = set(spec.primary.attributes) | {a for g in spec.gsis for a in g.key.attributes}
    assert {a["AttributeName"]: a["AttributeType"] for a in table["AttributeDefinitions"]} == {
        a: spec.attributes[a] for a in keyed}

    live_gsis = {g["IndexName"]: g for g in table.get("GlobalSecondaryIndexes", [])}
    assert set(live_gsis) == {g.name for g in spec.gsis}
    for gsi in spec.gsis:
        assert live_gsis[gsi.name]["KeySchema"] == _key_schema(gsi.key.partition, gsi.key.sort)
        assert live_gsis[gsi.name]["Projection"] == {"ProjectionType": "ALL"}
        assert live_gsis[gsi.name]["IndexStatus"] == "ACTIVE"

    if spec.stream_view:
        assert table["StreamSpecification"] == {"StreamEnabled": True,
                                                "StreamViewType": spec.stream_view}
        assert re.fullmatch(re.escape(table["TableArn"]) + r"/stream/\d{4}-\d\d-\d\dT[\d:.]+",
                            table["LatestStreamArn"])
    else:
        assert not table.get("StreamSpecification", {}).get("StreamEnabled", False)


@pytest.mark.parametrize("spec", TABLES, ids=[t.key for t in TABLES])
def test_time_to_live_matches_spec(client: Any, spec: TableSpec) -> None:
    ttl = client.describe_time_to_live(TableName=spec.name())["TimeToLiveDescription"]
    if spec.ttl_attribute:
        assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": spec.ttl_attribute}
    else:
        assert ttl["TimeToLiveStatus"] == "DISABLED"


@pytest.mark.parametrize("spec", TABLES, ids=[t.key for t in TABLES])
def test_point_in_time_recovery_matches_spec(client: Any, spec: TableSpec) -> None:
    backups = client.describe_continuous_backups(TableName=spec.name())
    description = backups["ContinuousBackupsDescription"]
    assert description["ContinuousBackupsStatus"] == "ENABLED"
    pitr = description["PointInTimeRecoveryDescription"]
    assert pitr["PointInTimeRecoveryStatus"] == "ENABLED"
    assert pitr["RecoveryPeriodInDays"] == PITR_RECOVERY_DAYS == 35


def test_arns_read_as_deployed_whatever_region_the_client_signs_with(emulator: Any) -> None:
    from ddbkit.emulator.connect.clients import make_client

    other = make_client(endpoint_url=emulator.endpoint_url, region="eu-west-1")
    arn = other.describe_table(TableName="marketplace-dev-bookings-table")["Table"]["TableArn"]
    assert arn == "arn:aws:dynamodb:us-east-1:943814145891:table/marketplace-dev-bookings-table"
    assert {t.name() for t in TABLES} <= set(other.list_tables()["TableNames"])

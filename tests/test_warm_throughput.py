"""CreateTable's WarmThroughput against the table's and its indexes' throughput
(emulator/operations/warm_throughput.py), through a real server and boto3."""

from __future__ import annotations

import itertools
from typing import Any

from refusals import refused

_names = itertools.count()
FLOOR = ("One or more parameter values were invalid: Requested {unit}UnitsPerSecond for "
         "WarmThroughput for {what} is lower than {floor}")
ON_DEMAND = "initial throughput for OnDemand"


def _create(client: Any, **extra: Any) -> str:
    name = f"warm-{next(_names)}"
    client.create_table(TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                        **extra)
    return name


def _index(**extra: Any) -> dict[str, Any]:
    return {"IndexName": "by-pk", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "KEYS_ONLY"}, **extra}


def test_on_demand_tables_cannot_be_warmed_below_their_initial_throughput(client: Any) -> None:
    too_low = {"ReadUnitsPerSecond": 11999, "WriteUnitsPerSecond": 4000}
    assert refused(lambda: _create(client, BillingMode="PAY_PER_REQUEST",
                                   WarmThroughput=too_low)) == (
        "ValidationException", FLOOR.format(unit="Read", what="table", floor=ON_DEMAND))
    too_low = {"ReadUnitsPerSecond": 12000, "WriteUnitsPerSecond": 3999}
    assert refused(lambda: _create(client, BillingMode="PAY_PER_REQUEST",
                                   WarmThroughput=too_low)) == (
        "ValidationException", FLOOR.format(unit="Write", what="table", floor=ON_DEMAND))
    name = _create(client, BillingMode="PAY_PER_REQUEST",
                   WarmThroughput={"ReadUnitsPerSecond": 12000, "WriteUnitsPerSecond": 4000})
    assert client.describe_table(TableName=name)["Table"]["TableStatus"] == "ACTIVE"


def test_provisioned_tables_and_indexes_are_held_to_their_own_capacity(client: Any) -> None:
    provisioned = {"ReadCapacityUnits": 50, "WriteCapacityUnits": 20}
    assert refused(lambda: _create(
        client, BillingMode="PROVISIONED", ProvisionedThroughput=provisioned,
        WarmThroughput={"ReadUnitsPerSecond": 49})) == (
        "ValidationException", FLOOR.format(
            unit="Read", what="table", floor="ReadCapacityUnits of ProvisionedThroughput"))
    index = _index(ProvisionedThroughput=provisioned, WarmThroughput={"WriteUnitsPerSecond": 19})
    assert refused(lambda: _create(
        client, BillingMode="PROVISIONED", ProvisionedThroughput=provisioned,
        GlobalSecondaryIndexes=[index])) == (
        "ValidationException", FLOOR.format(
            unit="Write", what="index by-pk", floor="WriteCapacityUnits of ProvisionedThroughput"))
    before = client.list_tables()["TableNames"]
    index = _index(WarmThroughput={"ReadUnitsPerSecond": 100})
    assert refused(lambda: _create(client, BillingMode="PAY_PER_REQUEST",
                                   GlobalSecondaryIndexes=[index])) == (
        "ValidationException", FLOOR.format(unit="Read", what="index by-pk", floor=ON_DEMAND))
    assert client.list_tables()["TableNames"] == before  # a refused CreateTable leaves no table

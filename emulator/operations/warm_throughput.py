"""CreateTable's (and a restore's) WarmThroughput, checked against the table's throughput.

A table or index cannot ask to be warmed below what it already serves: its provisioned
throughput, or on demand the 12,000 read and 4,000 write units per second every on-demand
table starts with (AWS's "Understanding warm throughput"). Everything else about a
CreateTable request the endpoint's rules checked before the operation runs.
"""

from __future__ import annotations

from typing import Any

from ddbkit.emulator.operations.call import validation_error

__all__ = ["check"]

ON_DEMAND_READS, ON_DEMAND_WRITES = 12000, 4000
TOO_LOW = ("One or more parameter values were invalid: Requested {unit}PerSecond for "
           "WarmThroughput for {what} is lower than {floor}")


def check(params: dict[str, Any]) -> None:
    """Refuse a WarmThroughput below the table's (or an index's) own throughput."""
    for index in params.get("GlobalSecondaryIndexes") or []:
        _check(index.get("WarmThroughput"), index.get("ProvisionedThroughput"),
               f"index {index.get('IndexName')}")
    _check(params.get("WarmThroughput"), params.get("ProvisionedThroughput"), "table")


def _check(warm: dict[str, Any] | None, provisioned: dict[str, Any] | None, what: str) -> None:
    if not warm:
        return
    if provisioned:
        floors = (("Read", provisioned["ReadCapacityUnits"],
                   "ReadCapacityUnits of ProvisionedThroughput"),
                  ("Write", provisioned["WriteCapacityUnits"],
                   "WriteCapacityUnits of ProvisionedThroughput"))
    else:
        floors = (("Read", ON_DEMAND_READS, "initial throughput for OnDemand"),
                  ("Write", ON_DEMAND_WRITES, "initial throughput for OnDemand"))
    for unit, floor, named in floors:
        if warm.get(f"{unit}UnitsPerSecond", floor) < floor:
            raise validation_error(TOO_LOW.format(unit=unit + "Units", what=what, floor=named))

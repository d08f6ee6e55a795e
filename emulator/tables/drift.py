"""Read the live tables of a stage and name every way they differ from the spec.

Works against any endpoint (the emulator or AWS): it only calls DescribeTable,
DescribeTimeToLive and DescribeContinuousBackups.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ddbkit.emulator.connect.clients import endpoint_of, translate_errors
from ddbkit.emulator.spec import BILLING_MODE, DEFAULT_STAGE, PITR_RECOVERY_DAYS, TABLES, TableSpec
from ddbkit.emulator.tables.schema import attribute_definitions


@dataclass(frozen=True)
class LiveTable:
    """What the endpoint reports for one spec table; `description` is None when it is missing."""

    spec: TableSpec
    name: str
    description: dict[str, Any] | None
    ttl: dict[str, Any]
    pitr: dict[str, Any]

    @property
    def exists(self) -> bool:
        return self.description is not None

    @property
    def gsis(self) -> dict[str, dict[str, Any]]:
        indexes = (self.description or {}).get("GlobalSecondaryIndexes") or []
        return {g["IndexName"]: g for g in indexes}

    @property
    def billing_mode(self) -> str:
        # AWS omits BillingModeSummary for tables that were always PROVISIONED.
        summary = (self.description or {}).get("BillingModeSummary") or {}
        return str(summary.get("BillingMode", "PROVISIONED"))

    @property
    def stream_view(self) -> str | None:
        stream = (self.description or {}).get("StreamSpecification") or {}
        return stream.get("StreamViewType") if stream.get("StreamEnabled") else None

    @property
    def ttl_attribute(self) -> str | None:
        if self.ttl.get("TimeToLiveStatus") in ("ENABLED", "ENABLING"):
            return str(self.ttl.get("AttributeName"))
        return None

    @property
    def pitr_days(self) -> int | None:
        """The recovery window in days, or None when PITR is off."""
        if self.pitr.get("PointInTimeRecoveryStatus") != "ENABLED":
            return None
        return int(self.pitr.get("RecoveryPeriodInDays", PITR_RECOVERY_DAYS))

    @property
    def item_count(self) -> int | None:
        return None if self.description is None else int(self.description.get("ItemCount", 0))


def read_live(client: Any, stage: str = DEFAULT_STAGE) -> list[LiveTable]:
    return [read_live_table(client, spec, stage) for spec in TABLES]


def read_live_table(client: Any, spec: TableSpec, stage: str = DEFAULT_STAGE) -> LiveTable:
    name = spec.name(stage)
    with translate_errors(endpoint_of(client)):
        try:
            description = client.describe_table(TableName=name)["Table"]
        except client.exceptions.ResourceNotFoundException:
            return LiveTable(spec, name, None, {}, {})
        ttl = client.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
        backups = client.describe_continuous_backups(TableName=name)
    pitr = backups["ContinuousBackupsDescription"].get("PointInTimeRecoveryDescription", {})
    return LiveTable(spec, name, description, ttl, pitr)


def differences(live: LiveTable) -> list[str]:
    """Every way `live` differs from its spec, one sentence each, prefixed with the table name."""
    if live.description is None:
        return [f"{live.name}: table is missing"]
    spec, desc = live.spec, live.description
    found: list[str] = []
    if desc.get("KeySchema") != spec.primary.to_wire():
        found.append(f"key schema is {_keys(desc.get('KeySchema'))}, spec says "
                     f"{_keys(spec.primary.to_wire())}")
    live_types = {a["AttributeName"]: a["AttributeType"]
                  for a in desc.get("AttributeDefinitions", [])}
    for attr in attribute_definitions(spec):
        name, want = attr["AttributeName"], attr["AttributeType"]
        if name in live_types and live_types[name] != want:
            found.append(f"attribute {name} is type {live_types[name]}, spec says {want}")
    if live.billing_mode != BILLING_MODE:
        found.append(f"billing mode is {live.billing_mode}, spec says {BILLING_MODE}")
    found.extend(_gsi_differences(live))
    if live.stream_view != spec.stream_view:
        found.append(f"stream is {live.stream_view or 'disabled'}, "
                     f"spec says {spec.stream_view or 'disabled'}")
    if live.ttl_attribute != spec.ttl_attribute:
        found.append(f"TTL is {_ttl(live.ttl_attribute)}, spec says {_ttl(spec.ttl_attribute)}")
    want_days = PITR_RECOVERY_DAYS if spec.pitr else None
    if live.pitr_days != want_days:
        found.append(f"PITR is {_pitr(live.pitr_days)}, spec says {_pitr(want_days)}")
    return [f"{live.name}: {d}" for d in found]


def _gsi_differences(live: LiveTable) -> list[str]:
    found: list[str] = []
    live_gsis = live.gsis
    for gsi in live.spec.gsis:
        got = live_gsis.get(gsi.name)
        if got is None:
            found.append(f"GSI {gsi.name} is missing")
            continue
        if got.get("KeySchema") != gsi.key.to_wire():
            found.append(f"GSI {gsi.name} keys are {_keys(got.get('KeySchema'))}, spec says "
                         f"{_keys(gsi.key.to_wire())}")
        projection = got.get("Projection", {})
        want = gsi.projection_wire()
        if (projection.get("ProjectionType") != want["ProjectionType"]
                or sorted(projection.get("NonKeyAttributes", [])) != sorted(
                    gsi.non_key_attributes)):
            found.append(f"GSI {gsi.name} projects {projection.get('ProjectionType')}, "
                         f"spec says {want['ProjectionType']}")
    for extra in sorted(set(live_gsis) - {g.name for g in live.spec.gsis}):
        found.append(f"GSI {extra} is not in the spec")
    return found


def _keys(schema: Sequence[Mapping[str, object]] | None) -> str:
    return "(" + ", ".join(f"{k['AttributeName']} {k['KeyType']}" for k in schema or []) + ")"


def _ttl(attribute: str | None) -> str:
    return f"on {attribute}" if attribute else "disabled"


def _pitr(days: int | None) -> str:
    return f"enabled ({days} days)" if days else "disabled"


def check(client: Any, stage: str = DEFAULT_STAGE) -> tuple[list[LiveTable], list[str]]:
    live = read_live(client, stage)
    return live, [d for table in live for d in differences(table)]

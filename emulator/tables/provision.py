"""Create-or-verify the spec's tables on any endpoint; a second run changes nothing.

Only additive, safe repairs are made: a missing table, a missing GSI, a disabled stream, TTL
or PITR. A wrong key schema or projection cannot be changed in place on DynamoDB, so those
are reported as `SchemaDriftError` and the table is left alone.
"""

from __future__ import annotations

from typing import Any

from ddbkit.emulator.connect.clients import endpoint_of, translate_errors
from ddbkit.emulator.errors import SchemaDriftError
from ddbkit.emulator.spec import DEFAULT_STAGE, PITR_RECOVERY_DAYS, TABLES, TableSpec
from ddbkit.emulator.tables.drift import LiveTable, differences, read_live_table
from ddbkit.emulator.tables.schema import (
    attribute_definitions,
    create_table_request,
    pitr_specification,
    ttl_specification,
)


def provision(client: Any, stage: str = DEFAULT_STAGE) -> list[str]:
    """Bring every spec table to its spec. Returns what was done, one line per change."""
    actions: list[str] = []
    for spec in TABLES:
        actions.extend(provision_table(client, spec, stage))
    return actions


def provision_table(client: Any, spec: TableSpec, stage: str = DEFAULT_STAGE) -> list[str]:
    live = read_live_table(client, spec, stage)
    actions: list[str] = []
    with translate_errors(endpoint_of(client)):
        if not live.exists:
            client.create_table(**create_table_request(spec, stage))
            client.get_waiter("table_exists").wait(
                TableName=live.name, WaiterConfig={"Delay": 1, "MaxAttempts": 120})
            actions.append(f"created {live.name}")
        else:
            actions.extend(_add_missing_gsis(client, live))
            actions.extend(_enable_stream(client, live))
        live = read_live_table(client, spec, stage)
        actions.extend(_apply_ttl(client, live))
        actions.extend(_apply_pitr(client, live))
    remaining = differences(read_live_table(client, spec, stage)) if actions else differences(live)
    if remaining:
        raise SchemaDriftError(remaining)
    return actions


def _add_missing_gsis(client: Any, live: LiveTable) -> list[str]:
    actions = []
    for gsi in live.spec.gsis:
        if gsi.name in live.gsis:
            continue
        # AWS builds one new index at a time per table; wait for each before the next.
        # All definitions are sent: AWS accepts them, and moto replaces rather than merges.
        client.update_table(
            TableName=live.name,
            AttributeDefinitions=attribute_definitions(live.spec),
            GlobalSecondaryIndexUpdates=[{"Create": {
                "IndexName": gsi.name, "KeySchema": gsi.key.to_wire(),
                "Projection": gsi.projection_wire()}}],
        )
        client.get_waiter("table_exists").wait(TableName=live.name)
        actions.append(f"created GSI {gsi.name} on {live.name}")
    return actions


def _enable_stream(client: Any, live: LiveTable) -> list[str]:
    if live.spec.stream_view is None or live.stream_view is not None:
        return []  # a stream with the wrong view type is drift, reported by the caller
    client.update_table(TableName=live.name, StreamSpecification={
        "StreamEnabled": True, "StreamViewType": live.spec.stream_view})
    return [f"enabled {live.spec.stream_view} stream on {live.name}"]


def _apply_ttl(client: Any, live: LiveTable) -> list[str]:
    spec_ttl = ttl_specification(live.spec)
    if spec_ttl is None or live.ttl_attribute == live.spec.ttl_attribute:
        return []
    client.update_time_to_live(TableName=live.name, TimeToLiveSpecification=spec_ttl)
    return [f"enabled TTL on {live.name}.{live.spec.ttl_attribute}"]


def _apply_pitr(client: Any, live: LiveTable) -> list[str]:
    want = PITR_RECOVERY_DAYS if live.spec.pitr else None
    if live.pitr_days == want:
        return []
    client.update_continuous_backups(
        TableName=live.name, PointInTimeRecoverySpecification=pitr_specification(live.spec))
    return [f"set PITR on {live.name} to {want or 'disabled'}"
            + (" days" if want else "")]

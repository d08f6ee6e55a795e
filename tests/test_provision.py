"""Provisioning is idempotent and repairs what can be repaired; drift names what differs."""

from __future__ import annotations

from typing import Any

import pytest

from ddbkit.emulator.errors import SchemaDriftError
from ddbkit.emulator.spec import get_table
from ddbkit.emulator.tables.drift import check
from ddbkit.emulator.tables.provision import provision


def test_second_run_changes_nothing(emulator: Any, client: Any) -> None:
    assert len(emulator.provisioned) >= 6  # the first run created the tables
    assert provision(client) == []
    assert check(client)[1] == []


def test_deleted_gsi_is_drift_and_provisioning_restores_it(fresh_emulator: Any) -> None:
    client, stage = fresh_emulator.client(), fresh_emulator.config.stage
    name = get_table("bookings").name(stage)
    client.update_table(TableName=name, GlobalSecondaryIndexUpdates=[
        {"Delete": {"IndexName": "status-index"}}])
    assert check(client, stage)[1] == [f"{name}: GSI status-index is missing"]

    assert provision(client, stage) == [f"created GSI status-index on {name}"]
    assert check(client, stage)[1] == []


def test_disabled_ttl_and_pitr_are_drift_and_provisioning_restores_them(
        fresh_emulator: Any) -> None:
    client, stage = fresh_emulator.client(), fresh_emulator.config.stage
    name = get_table("idempotency").name(stage)
    client.update_time_to_live(TableName=name, TimeToLiveSpecification={
        "Enabled": False, "AttributeName": "ttl"})
    client.update_continuous_backups(TableName=name, PointInTimeRecoverySpecification={
        "PointInTimeRecoveryEnabled": False})
    assert check(client, stage)[1] == [
        f"{name}: TTL is disabled, spec says on ttl",
        f"{name}: PITR is disabled, spec says enabled (35 days)",
    ]
    provision(client, stage)
    assert check(client, stage)[1] == []


def test_missing_table_is_recreated(fresh_emulator: Any) -> None:
    client, stage = fresh_emulator.client(), fresh_emulator.config.stage
    name = get_table("reviews").name(stage)
    client.delete_table(TableName=name)
    assert check(client, stage)[1] == [f"{name}: table is missing"]
    assert provision(client, stage) == [f"created {name}",
                                 f"set PITR on {name} to 35 days"]


def test_wrong_key_schema_is_refused_not_rewritten(fresh_emulator: Any) -> None:
    client, stage = fresh_emulator.client(), fresh_emulator.config.stage
    name = get_table("users").name(stage)
    client.delete_table(TableName=name)
    client.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                        KeySchema=[{"AttributeName": "email", "KeyType": "HASH"}],
                        AttributeDefinitions=[{"AttributeName": "email", "AttributeType": "S"}])
    with pytest.raises(SchemaDriftError, match="key schema is \\(email HASH\\)"):
        provision(client, stage)
    assert client.describe_table(TableName=name)["Table"]["KeySchema"][0]["AttributeName"] == (
        "email")

"""Seeding a demo environment: live idempotency records, the whole aws-import recipe, a stage
whose tables are partly there, and options that would otherwise be ignored."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from time import sleep
from typing import Any

import pytest
from click.testing import CliRunner

from ddbkit.cli import cli
from ddbkit.emulator.connect.clients import make_client
from ddbkit.emulator.endpoint.server import ServerConfig
from ddbkit.emulator.process import EmulatorProcess
from ddbkit.emulator.runtime import Emulator, EmulatorConfig
from ddbkit.emulator.spec import TABLES, TABLES_BY_KEY
from ddbkit.emulator.tables.provision import provision_table
from ddbkit.emulator.ttl import TtlReaper
from ddbkit.fixtures.aws_import import CREATION_PARAMETERS, UPDATE_TABLE_PARAMETERS
from ddbkit.fixtures.options import today_utc
from ddbkit.fixtures.seed import TablesMissingError, seed_endpoint

BIN = Path(sys.executable).parent


def _count(client: Any, table: str) -> int:
    return sum(page["Count"] for page in client.get_paginator("scan").paginate(
        TableName=table, Select="COUNT"))


def _error_line(result: Any) -> str:
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line]
    assert len(lines) == 1 and lines[0].startswith("ddbkit: error: "), result.output
    return str(lines[0])


def test_a_demo_seeded_today_keeps_most_idempotency_records_through_the_reaper(
        fresh_emulator: Emulator) -> None:
    stage = fresh_emulator.config.stage
    anchor = today_utc()
    result = CliRunner().invoke(cli, ["seed", "--endpoint-url", fresh_emulator.endpoint_url,
                                      "--stage", stage, "--workers", "0"])
    assert result.exit_code == 0, result.output
    client, table = fresh_emulator.client(), TABLES_BY_KEY["idempotency"].name(stage)
    seeded = _count(client, table)
    assert seeded >= 10
    # Sweeps now and at the last second of the anchor day (the demo's day), on the reaper's
    # own clock: only the share seeded as already expired goes.
    end_of_day = datetime.combine(anchor + timedelta(days=1), time(), UTC).timestamp() - 1
    for moment in (datetime.now(UTC).timestamp(), end_of_day):
        reaper = TtlReaper(fresh_emulator.config.server.account_id, fresh_emulator.region,
                           clock=lambda moment=moment: moment)
        reaper.run_once()
    left = _count(client, table)
    assert 0.75 * seeded <= left < seeded


@pytest.fixture
def import_endpoint(tmp_path: Path) -> Iterator[tuple[Emulator, Path]]:
    s3_dir = tmp_path / "s3"
    config = EmulatorConfig(server=ServerConfig(port=0), stage="awsimpsrv", ttl_interval=0,
                            s3_dir=s3_dir)
    with Emulator(config) as emulator:
        yield emulator, s3_dir


def _run_recipe(output: str, s3_dir: Path, environment: dict[str, str]) -> None:
    """Runs the printed commands: `aws s3 cp` as a copy into the folder that stands in for S3,
    every other one with the real AWS CLI against the emulator."""
    for line in output.splitlines():
        if not line.startswith("aws "):
            continue
        words = shlex.split(line)
        if words[1] == "s3":
            assert words[2:4] == ["cp", "--recursive"], line
            shutil.copytree(words[4], s3_dir / words[5].removeprefix("s3://"))
            continue
        ran = subprocess.run([str(BIN / "aws"), *words[1:]], env=environment,
                             capture_output=True, text=True, timeout=120)
        assert ran.returncode == 0, f"{line}\n{ran.stderr}"


def test_the_aws_import_recipe_leaves_tables_that_match_the_spec(
        import_endpoint: tuple[Emulator, Path], tmp_path: Path) -> None:
    emulator, s3_dir = import_endpoint
    out, stage = tmp_path / "import", "awsimp"
    result = CliRunner().invoke(cli, ["seed", "--out", str(out), "--format", "aws-import",
                                      "--stage", stage, "--anchor", "2025-12-04",
                                      "--s3-uri", "s3://demo-bucket/seed", "--workers", "0"])
    assert result.exit_code == 0, result.output
    assert ("aws dynamodb update-time-to-live --table-name marketplace-awsimp-idempotency-table"
            " --time-to-live-specification Enabled=true,AttributeName=ttl") in result.output
    assert ("aws dynamodb update-table --table-name marketplace-awsimp-bookings-table "
            "--stream-specification StreamEnabled=true,StreamViewType=NEW_AND_OLD_IMAGES"
            ) in result.output
    assert result.output.count("--point-in-time-recovery-specification "
                               "PointInTimeRecoveryEnabled=true,RecoveryPeriodInDays=35") == 6

    environment = {**{k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
                   **emulator.client_environment()}
    _run_recipe(result.output, s3_dir, environment)
    client = emulator.client()
    manifest = json.loads((out / "manifest.json").read_text())
    for table in TABLES:
        assert _count(client, table.name(stage)) == manifest["counts"][table.key]
    status = CliRunner().invoke(cli, ["status", "--endpoint-url", emulator.endpoint_url,
                                      "--stage", stage])
    assert status.exit_code == 0, status.output
    assert "drift" not in status.output and "all six tables match the spec" in status.output

    # the other recipe, for tables that exist: each table's uploaded items put into it again
    # (the same items: the counts stay); botocore's StartBulkPutItems, as the aws CLI would
    bulk_lines = [line.removeprefix("#   ") for line in result.output.splitlines()
                  if line.startswith("#   aws dynamodb start-bulk-put-items ")]
    assert len(bulk_lines) == len(TABLES)
    for line in bulk_lines:
        words = shlex.split(line)
        options = dict(zip(words[3::2], words[4::2], strict=True))
        started = client.start_bulk_put_items(
            TableName=options["--table-name"],
            InputS3Configuration=dict(pair.split("=", 1) for pair in
                                      options["--input-s3-configuration"].split(",")),
            OutputS3Configuration=json.loads(options["--output-s3-configuration"]))
        arn = started["BulkOperationDescription"]["BulkOperationArn"]
        while (done := client.describe_bulk_operation(BulkOperationArn=arn)[
                "BulkOperationDescription"])["BulkOperationStatus"] == "IN_PROGRESS":
            sleep(0.05)
        table = next(t for t in TABLES if t.name(stage) == options["--table-name"])
        assert (done["BulkOperationStatus"], done["ProcessedItemCount"]) == (
            "COMPLETED", manifest["counts"][table.key])
        assert _count(client, table.name(stage)) == manifest["counts"][table.key]


def test_what_import_table_leaves_out_update_table_can_set() -> None:
    import botocore.session

    model = botocore.session.get_session().get_service_model("dynamodb")
    update = set(model.operation_model("UpdateTable").input_shape.members)
    creation = set(model.operation_model("ImportTable").input_shape.members[
        "TableCreationParameters"].members)
    assert set(CREATION_PARAMETERS) <= creation and set(UPDATE_TABLE_PARAMETERS) <= update


def test_seed_needs_only_the_tables_it_writes(fresh_emulator: Emulator, tmp_path: Path) -> None:
    data = tmp_path / "users-only"
    written = CliRunner().invoke(cli, ["seed", "--out", str(data), "--workers", "0"])
    assert written.exit_code == 0, written.output
    for path in data.iterdir():
        if path.name != "users.json.gz":
            path.unlink()
    stage, client = "partial", fresh_emulator.client()
    args = ["seed", "--endpoint-url", fresh_emulator.endpoint_url, "--stage", stage,
            "--from", str(data), "--checkpoint", str(tmp_path / "checkpoint.json")]
    line = _error_line(CliRunner().invoke(cli, args))
    assert "marketplace-partial-users-table not found at" in line
    assert "`ddbkit up --stage partial`" in line and "bookings" not in line

    provision_table(client, TABLES_BY_KEY["users"], stage)
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert _count(client, "marketplace-partial-users-table") > 0
    assert "marketplace-partial-bookings-table" not in client.list_tables()["TableNames"]


def test_missing_tables_of_an_in_memory_seed_are_named(fresh_emulator: Emulator) -> None:
    items = {"services": [{"serviceId": {"S": "s1"}}], "reviews": []}
    with pytest.raises(TablesMissingError) as missing:
        seed_endpoint(fresh_emulator.client(), items, "nosuchstage", show_progress=False)
    assert str(missing.value).startswith("marketplace-nosuchstage-services-table not found")


def test_s3_uri_without_aws_import_is_refused(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["seed", "--out", str(tmp_path / "d"),
                                      "--s3-uri", "s3://bucket/prefix"])
    assert "--s3-uri" in _error_line(result) and "--format aws-import" in result.output
    assert not (tmp_path / "d").exists()


@pytest.mark.parametrize("typed", [["--scale", "3"], ["--seed", "7", "--count", "users=9"],
                                   ["--skew"], ["--anchor", "2025-01-01"], ["--from", "x"]])
def test_up_refuses_dataset_options_with_no_seed(typed: list[str]) -> None:
    line = _error_line(CliRunner().invoke(cli, ["up", "--port", "0", "--no-seed", *typed]))
    assert f"{typed[0]}" in line and "no effect with --no-seed" in line


def test_an_environment_seed_does_not_make_no_seed_an_error() -> None:
    with EmulatorProcess("--no-seed", "--stage", "envseed", "--ttl-interval", "0",
                         env={"DDBKIT_SEED": "7"}) as proc:
        assert "0 items seeded" in proc.ready_line


def test_reseed_with_no_seed_empties_the_data_dir(durable_up: Any, tmp_path: Path) -> None:
    """Not an ignored flag: --reseed discards the data, --no-seed leaves the tables empty."""
    data_dir = tmp_path / "data"
    args = ("--stage", "wipe", "--ttl-interval", "0")
    seeded = durable_up(data_dir, *args, "--scale", "0.2").start()
    users = TABLES_BY_KEY["users"].name("wipe")
    assert _count(_client_of(seeded), users) > 0
    assert seeded.stop() == 0
    with durable_up(data_dir, *args, "--reseed", "--no-seed") as wiped:
        assert _count(_client_of(wiped), users) == 0


def _client_of(proc: EmulatorProcess) -> Any:
    return make_client(endpoint_url=proc.endpoint_url, aws_config=False)

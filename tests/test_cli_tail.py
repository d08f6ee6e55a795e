"""`ddbkit tail` and the trigger options of `ddbkit up`, through the real CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from ddbkit.cli import cli
from ddbkit.emulator.process import EmulatorProcess

BIN = Path(sys.executable).parent


def _put(client: Any, table: str, booking_id: str, status: str) -> None:
    client.put_item(TableName=table, Item={
        "bookingId": {"S": booking_id}, "status": {"S": status}, "providerId": {"S": "p9"},
        "customerId": {"S": "c9"}, "scheduledDate": {"S": "2025-12-10T10:00:00Z"},
        "createdAt": {"S": "2025-12-01T10:00:00Z"}})


def test_tail_prints_a_put_made_from_another_client(fresh_emulator: Any) -> None:
    stage = fresh_emulator.config.stage
    tail = subprocess.Popen(
        [str(BIN / "ddbkit"), "tail", "bookings", "--endpoint-url", fresh_emulator.endpoint_url,
         "--stage", stage, "--from", "trim-horizon", "--max-records", "2",
         "--idle-timeout", "60"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    time.sleep(0.5)
    client = fresh_emulator.client()
    _put(client, f"marketplace-{stage}-bookings-table", "tail-1", "PENDING")
    _put(client, f"marketplace-{stage}-bookings-table", "tail-1", "CONFIRMED")
    out, err = tail.communicate(timeout=90)
    assert tail.returncode == 0, err
    insert, modify = out.strip().splitlines()
    assert "INSERT" in insert and "bookingId=tail-1" in insert and "+status=PENDING" in insert
    assert "MODIFY" in modify and "~status: PENDING -> CONFIRMED" in modify


def test_tail_json_lines_are_lambda_shaped_records(fresh_emulator: Any) -> None:
    stage = fresh_emulator.config.stage
    _put(fresh_emulator.client(), f"marketplace-{stage}-bookings-table", "tail-2", "PENDING")
    result = CliRunner().invoke(cli, [
        "tail", "bookings", "--endpoint-url", fresh_emulator.endpoint_url, "--stage", stage,
        "--json", "--from", "trim-horizon", "--max-records", "1"])
    assert result.exit_code == 0, result.output
    record = json.loads(result.output)
    assert record["eventName"] == "INSERT"
    assert record["dynamodb"]["NewImage"]["bookingId"] == {"S": "tail-2"}
    assert record["eventSourceARN"].startswith(
        f"arn:aws:dynamodb:us-east-1:943814145891:table/marketplace-{stage}-bookings-table/stream/")


def test_tail_on_a_table_without_stream_is_one_line(fresh_emulator: Any) -> None:
    result = CliRunner().invoke(cli, [
        "tail", "users", "--endpoint-url", fresh_emulator.endpoint_url,
        "--stage", fresh_emulator.config.stage, "--max-records", "1"])
    assert result.exit_code == 2
    assert result.output.strip() == (f"ddbkit: error: marketplace-{fresh_emulator.config.stage}"
                                     "-users-table has no stream enabled")


def test_up_with_a_handler_that_cannot_be_imported_is_one_line() -> None:
    result = subprocess.run(
        [str(BIN / "ddbkit"), "up", "--port", "0", "--no-seed", "--stage", "badtrigger",
         "--trigger", "bookings=no_such_module:handler"],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "ddbkit: error: cannot import handler module 'no_such_module': "
        "No module named 'no_such_module'"]


def test_example_handler_resolves_from_any_directory(tmp_path: Path) -> None:
    """The shipped example is `ddbkit.examples...`: it needs no checkout on sys.path."""
    with EmulatorProcess("--no-seed", "--stage", "anydir", "--trigger",
                         "bookings=ddbkit.examples.booking_summary:handler",
                         cwd=str(tmp_path)) as proc:
        assert proc.endpoint_url

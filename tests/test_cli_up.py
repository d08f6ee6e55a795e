"""The real `ddbkit up` in a child process, driven by the real CLI and the AWS CLI."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ddbkit.emulator.connect.clients import client_environment, make_client
from ddbkit.emulator.process import EmulatorProcess
from ddbkit.emulator.spec import TABLES

BIN = Path(sys.executable).parent


def ddbkit(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "ddbkit"), *args], capture_output=True, text=True,
                          timeout=120, env={**os.environ, **(env or {})})


@pytest.fixture(scope="module")
def up(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    """`ddbkit up` as a user runs it: defaults only, its data in ./.ddbkit/data."""
    cwd = tmp_path_factory.mktemp("up")
    with EmulatorProcess(cwd=str(cwd), env={"DDBKIT_IN_MEMORY": ""}) as proc:
        yield proc


def test_ready_line_names_endpoint_and_client_environment(up: EmulatorProcess) -> None:
    assert up.endpoint_url.startswith("http://127.0.0.1:")
    assert f"AWS_ENDPOINT_URL_DYNAMODB={up.endpoint_url}" in up.ready_line
    assert "AWS_REGION=us-east-1" in up.ready_line


def test_up_seeds_the_default_dataset(up: EmulatorProcess) -> None:
    assert "(dev tables, 167 items seeded into a new data dir .ddbkit/data)" in up.ready_line
    client = make_client(endpoint_url=up.endpoint_url)
    count = client.scan(TableName="marketplace-dev-bookings-table", Select="COUNT")["Count"]
    assert count == 73


def test_up_no_seed_starts_empty() -> None:
    with EmulatorProcess("--no-seed", "--stage", "empty") as proc:
        assert "(empty tables, 0 items seeded, in memory)" in proc.ready_line
        client = make_client(endpoint_url=proc.endpoint_url)
        assert client.scan(TableName="marketplace-empty-bookings-table")["Count"] == 0


def test_aws_cli_lists_tables_and_reads_a_put_item_back(up: EmulatorProcess) -> None:
    env = {**os.environ, **client_environment(up.endpoint_url, "us-east-1")}
    env.pop("AWS_PROFILE", None)

    def aws(*args: str) -> Any:
        done = subprocess.run([str(BIN / "aws"), "dynamodb", *args, "--output", "json"],
                              capture_output=True, text=True, env=env, timeout=120)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout) if done.stdout.strip() else None

    assert {t.name() for t in TABLES} <= set(aws("list-tables")["TableNames"])
    item = {"userId": {"S": "cli-user"}, "email": {"S": "cli@example.com"},
            "userType": {"S": "CUSTOMER"}, "createdAt": {"S": "2025-10-23T00:00:00Z"}}
    aws("put-item", "--table-name", "marketplace-dev-users-table", "--item", json.dumps(item))
    got = aws("get-item", "--table-name", "marketplace-dev-users-table",
              "--key", json.dumps({"userId": {"S": "cli-user"}}))
    assert got["Item"] == item


def test_status_is_clean_then_names_drift_after_api_changes(up: EmulatorProcess) -> None:
    assert ddbkit("status", "--endpoint-url", up.endpoint_url).returncode == 0

    client = make_client(endpoint_url=up.endpoint_url)
    client.update_table(TableName="marketplace-dev-bookings-table",
                        GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "status-index"}}])
    client.update_time_to_live(TableName="marketplace-dev-idempotency-table",
                               TimeToLiveSpecification={"Enabled": False, "AttributeName": "ttl"})
    result = ddbkit("status", "--endpoint-url", up.endpoint_url)
    assert result.returncode == 1
    assert "drift: marketplace-dev-bookings-table: GSI status-index is missing" in result.stdout
    assert ("drift: marketplace-dev-idempotency-table: TTL is disabled, spec says on ttl"
            in result.stdout)


def test_sigterm_stops_cleanly() -> None:
    proc = EmulatorProcess().start()
    assert proc.stop() == 0
    assert "Traceback" not in "".join(proc.output)


def test_port_in_use_is_one_line_and_non_zero() -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = str(taken.getsockname()[1])
        result = ddbkit("up", "--port", port)
    assert result.returncode == 2
    assert result.stderr.strip() == (f"ddbkit: error: port {port} on 127.0.0.1 is already in "
                                     "use (pick another with --port, or 0 for any free port)")


def test_bad_stage_for_up_is_one_line() -> None:
    result = ddbkit("up", "--port", "0", "--stage", "no spaces")
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "stage 'no spaces'" in result.stderr


def test_port_comes_from_environment(tmp_path: Path) -> None:
    result = ddbkit("up", "--help", env={"DDBKIT_PORT": "1234"})
    assert result.returncode == 0
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = str(taken.getsockname()[1])
        result = ddbkit("up", env={"DDBKIT_PORT": port})
    assert f"port {port}" in result.stderr


@pytest.mark.slow
def test_sigterm_during_a_long_seed_stops_cleanly_saying_so() -> None:
    import signal
    import time

    proc = subprocess.Popen([str(BIN / "ddbkit"), "up", "--port", "0", "--stage", "longseed",
                             "--scale", "400", "--anchor", "2025-12-04"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert proc.stderr is not None
    first = proc.stderr.readline()
    assert first.startswith("ddbkit: seeding 66"), first
    client = make_client(endpoint_url=first.split()[-1])
    deadline = time.monotonic() + 60
    while client.scan(TableName="marketplace-longseed-bookings-table",
                      Select="COUNT")["Count"] == 0:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "ddbkit ready" not in out
    assert err.strip().splitlines()[-1].startswith("ddbkit: error: interrupted; items written")
    assert "Traceback" not in err, err  # whole: a rare one here was cut short by pytest


@pytest.mark.parametrize(("args", "env"), [
    (["status", "--endpoint-url", "not-a-url"], {}),
    (["seed", "--endpoint-url", "http://127.0.0.1:notaport"], {}),
    (["tail", "bookings", "--endpoint-url", "ftp://127.0.0.1"], {}),
    (["status"], {"AWS_ENDPOINT_URL": "garbage", "AWS_ENDPOINT_URL_DYNAMODB": ""}),
])
def test_malformed_endpoint_url_is_one_line_exit_2(args: list[str], env: dict[str, str]) -> None:
    result = ddbkit(*args, env=env)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("ddbkit: error: ")
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_readme_shows_the_ready_line_as_printed(up: EmulatorProcess) -> None:
    """The README's quickstart and docs/emulator.md both quote it."""
    root = Path(__file__).parents[1]
    pages = [root / "README.md", *sorted((root / "docs").glob("*.md"))]
    shown = [(page.name, line) for page in pages for line in page.read_text().splitlines()
             if line.startswith("ddbkit ready: ")]
    assert "README.md" in [name for name, _ in shown]
    for name, line in shown:
        line = line.replace("http://127.0.0.1:8000", up.endpoint_url).removesuffix(" ...")
        assert up.ready_line.startswith(line), f"{name} shows another ready line"


def test_ready_line_says_throttling_and_faults_are_on() -> None:
    with EmulatorProcess("--no-seed", "--stage", "behave", "--throughput-model", "on-demand",
                         "--fault-rate", "0.05", "--fault-error", "InternalServerError",
                         "--latency", "5,20,80,200") as proc:
        assert proc.ready_line.startswith(f"ddbkit ready: {proc.endpoint_url} (behave tables, ")
        assert ("0 items seeded, in memory; throttling: on-demand model; faults: 5% "
                "InternalServerError on read/transact/write, latency 5/20/80/200 ms) -- "
                "AWS_ENDPOINT_URL_DYNAMODB=") in proc.ready_line


def test_log_requests_lines_name_the_table() -> None:
    with EmulatorProcess("--no-seed", "--stage", "logged", "--log-requests") as proc:
        client = make_client(endpoint_url=proc.endpoint_url)
        bookings = "marketplace-logged-bookings-table"
        client.put_item(TableName=bookings, Item={"bookingId": {"S": "b1"}})
        client.batch_get_item(RequestItems={bookings: {"Keys": [{"bookingId": {"S": "b1"}}]}})
        client.list_tables()
    lines = [line.strip() for line in proc.output if '"POST / ' in line]
    assert any(line.endswith("ms") and f'DynamoDB_20120810.PutItem" {bookings} 200 ' in line
               for line in lines), lines
    assert any(f'DynamoDB_20120810.BatchGetItem" {bookings} 200 ' in line for line in lines)
    assert any('DynamoDB_20120810.ListTables" - 200 ' in line for line in lines)


def test_state_list_says_when_there_is_none() -> None:
    with EmulatorProcess("--no-seed", "--stage", "states") as proc:
        url = ("--endpoint-url", proc.endpoint_url)
        empty = ddbkit("state", "list", *url)
        assert empty.returncode == 0, empty.stderr
        assert empty.stdout.strip() == "no saved states (ddbkit state save NAME saves one)"
        assert ddbkit("state", "save", "first", *url).returncode == 0
        listed = ddbkit("state", "list", *url)
        assert listed.stdout.strip().startswith("first: ") and "no saved" not in listed.stdout

"""The CLI in-process (click's CliRunner) against the running emulator."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from typing import Any

import pytest
from click.testing import CliRunner

from ddbkit.cli import cli
from ddbkit.emulator.spec import TABLES

COMMANDS = sorted(cli.commands)


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(command: str) -> None:
    result = run(command, "--help")
    assert result.exit_code == 0
    help_text = cli.commands[command].help or ""
    assert len(help_text.splitlines()[0]) > 10
    assert "Example" in result.output and f"ddbkit {command}" in result.output


def test_group_help_lists_commands() -> None:
    result = run("--help")
    assert result.exit_code == 0
    for command in COMMANDS:
        assert command in result.output


def test_schema_json_is_create_table_requests_for_the_stage() -> None:
    result = run("schema", "--stage", "prod")
    requests = json.loads(result.output)
    assert [r["TableName"] for r in requests] == [t.name("prod") for t in TABLES]
    bookings = requests[0]
    assert bookings["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert len(bookings["GlobalSecondaryIndexes"]) == 4


def test_schema_cloudformation_template_has_ttl_pitr_and_stream() -> None:
    template = json.loads(run("schema", "--format", "cloudformation").output)
    resources = template["Resources"]
    assert len(resources) == 6
    props = {r["Properties"]["TableName"]: r["Properties"] for r in resources.values()}
    idem = props["marketplace-dev-idempotency-table"]
    assert idem["TimeToLiveSpecification"] == {"Enabled": True, "AttributeName": "ttl"}
    assert all(p["PointInTimeRecoverySpecification"] == {
        "PointInTimeRecoveryEnabled": True, "RecoveryPeriodInDays": 35} for p in props.values())
    assert props["marketplace-dev-bookings-table"]["StreamSpecification"] == {
        "StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert all(r["DeletionPolicy"] == "Retain" for r in resources.values())


@pytest.mark.parametrize("command", [["schema"], ["status", "--endpoint-url", "http://x"]])
def test_bad_stage_is_one_line_exit_2(command: list[str]) -> None:
    result = CliRunner().invoke(cli, [*command, "--stage", "dev/../x"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "ddbkit: error: stage 'dev/../x' can only hold letters, digits, '_', '-' and '.' "
        "(DynamoDB table-name characters)"]


def test_status_is_clean_against_the_emulator(emulator: Any) -> None:
    result = run("status", "--endpoint-url", emulator.endpoint_url)
    assert result.exit_code == 0, result.output
    assert "all six tables match the spec" in result.output
    for table in TABLES:
        assert table.key in result.output


def test_status_names_each_difference_and_exits_1(fresh_emulator: Any) -> None:
    client, stage = fresh_emulator.client(), fresh_emulator.config.stage
    client.update_table(TableName=f"marketplace-{stage}-users-table",
                        GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "email-index"}}])
    result = run("status", "--endpoint-url", fresh_emulator.endpoint_url, "--stage", stage)
    assert result.exit_code == 1
    assert f"drift: marketplace-{stage}-users-table: GSI email-index is missing" in result.output


def test_status_against_unreachable_endpoint_is_one_line_exit_2() -> None:
    result = CliRunner().invoke(cli, ["status", "--endpoint-url", "http://127.0.0.1:9"])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ddbkit: error: cannot reach http://127.0.0.1:9")


@pytest.mark.parametrize(("args", "says"), [
    (["up", "--port", "abc"], "Invalid value for '--port'"),
    (["up", "--nosuch"], "No such option '--nosuch'"),
    (["nosuch"], "No such command 'nosuch'"),
    (["state", "nosuch"], "No such command 'nosuch'"),
    (["export"], "Missing argument 'TABLE'"),
    (["--nosuch"], "No such option '--nosuch'"),
])
def test_usage_errors_are_one_line_exit_2(args: list[str], says: str) -> None:
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    line, = result.output.strip().splitlines()
    assert line.startswith("ddbkit: error: ") and says in line
    assert line.endswith("--help')")


@pytest.mark.parametrize("command", [[], *([c] for c in COMMANDS), ["state", "save"]])
def test_help_names_every_option_s_environment_variable(command: list[str]) -> None:
    result = run(*command, "--help")
    assert result.exit_code == 0
    target: Any = cli
    for name in command:
        target = target.commands[name]
    shown = " ".join(result.output.split())  # help text wraps anywhere
    for param in target.params:
        if getattr(param, "envvar", None):
            assert f"env var: {param.envvar}" in shown, (command, param.name)


def test_tail_and_export_of_a_missing_table_name_it_in_one_line(emulator: Any,
                                                                tmp_path: Any) -> None:
    for args in (["tail", "nosuch"], ["export", "nosuch", "--out", str(tmp_path)],
                 ["export", "bookings", "--stage", "nostage", "--out", str(tmp_path)]):
        result = CliRunner().invoke(cli, [*args, "--endpoint-url", emulator.endpoint_url])
        assert result.exit_code == 2, result.output
        line, = result.output.strip().splitlines()
        name = "nosuch" if "nosuch" in args else "marketplace-nostage-bookings-table"
        assert line.startswith(f"ddbkit: error: table {name} not found at "
                               f"{emulator.endpoint_url} (TABLE is a spec name: bookings, ")


def test_export_at_a_time_outside_the_window_shows_the_window(emulator: Any,
                                                              tmp_path: Any) -> None:
    result = CliRunner().invoke(cli, ["export", "bookings", "--time", "2020-01-01T00:00:00",
                                      "--out", str(tmp_path), "--endpoint-url",
                                      emulator.endpoint_url])
    assert result.exit_code == 2, result.output
    line, = result.output.strip().splitlines()
    stamp = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"
    assert re.fullmatch(r"ddbkit: error: --time 2020-01-01T00:00:00Z is outside "
                        r"marketplace-dev-bookings-table's restorable window: "
                        f"from {stamp} to {stamp} \\(no history yet: .*--in-memory` keeps "
                        r"none\)", line), line  # the session emulator keeps no history


def test_importing_the_cli_loads_no_locust_moto_or_gevent() -> None:
    """`ddbkit --help` stays fast, and only `load` lets Locust patch the process for gevent:
    the command modules import those libraries inside the commands, never at import."""
    code = ("import sys, ddbkit.cli; "
            "print(sorted(m for m in ('locust', 'moto', 'gevent') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-P", "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"

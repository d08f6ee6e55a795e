"""The README documents what the kit does, and its snippets run as written."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest

import ddbkit
from ddbkit.cli import cli
from ddbkit.emulator import pytest_plugin
from ddbkit.emulator.runtime import Emulator

README = (Path(ddbkit.__file__).parent / "README.md").read_text()
BIN = Path(sys.executable).parent


def _command_row(command: str) -> str:
    rows = [line for line in README.splitlines() if line.startswith(f"| `ddbkit {command} ")
            or line.startswith(f"| `ddbkit {command}`")]
    assert len(rows) == 1, f"README's command table needs one row for `ddbkit {command}`"
    return rows[0]


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_command_table_names_every_option(command: str) -> None:
    row = _command_row(command)
    options = [max(p.opts, key=len) for p in cli.commands[command].params
               if isinstance(p, click.Option) and not p.hidden]
    missing = [o for o in options if not re.search(re.escape(o) + r"(?![\w-])", row)]
    assert missing == [], f"README's `ddbkit {command}` row does not mention {missing}"


def test_command_table_is_one_table() -> None:
    lines = README.splitlines()
    rows = [i for i, line in enumerate(lines) if line.startswith("| `ddbkit ")]
    assert rows == list(range(rows[0], rows[0] + len(rows)))


def test_every_plugin_setting_is_documented() -> None:
    for name in pytest_plugin._SETTINGS:
        assert f"`--ddbkit-{name.replace('_', '-')}`" in README
        assert f"`ddbkit_{name}`" in README


def _sh_block_after(heading_text: str) -> str:
    start = README.index(heading_text)
    match = re.compile(r"```sh\n(.*?)```", re.S).search(README, start)
    assert match is not None
    return match.group(1)


def test_aws_cli_snippet_runs_as_written(emulator: Emulator) -> None:
    """With nothing from the caller's AWS configuration: what a new user's shell has."""
    script = _sh_block_after("Export them and any AWS SDK").replace(
        "http://127.0.0.1:8000", emulator.endpoint_url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["HOME"] = str(Path(os.environ.get("TMPDIR", "/tmp")))
    result = subprocess.run(["bash", "-euo", "pipefail", "-c", script], capture_output=True,
                            text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "marketplace-dev-bookings-table" in result.stdout

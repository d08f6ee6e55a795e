"""`ddbkit up --auth / --allow-host`, and the warning for an unguarded public address."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from botocore.exceptions import ClientError

from ddbkit.emulator.connect.clients import make_client
from ddbkit.emulator.process import EmulatorProcess

BIN = Path(sys.executable).parent


def ddbkit(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "ddbkit"), *args], capture_output=True, text=True,
                          timeout=120, env={**os.environ, **(env or {})})


def test_up_with_auth_from_the_environment_seeds_and_serves_only_signed_calls() -> None:
    """Seeding proves the emulator's own clients sign; each pair of DDBKIT_AUTH is accepted;
    the ready line names the key but not the secret."""
    env = {"DDBKIT_AUTH": "AKIDONE:first-secret,AKIDTWO:second-secret",
           "DDBKIT_ALLOW_HOST": "db.internal"}
    with EmulatorProcess("--stage", "cliauth", env=env) as proc:
        assert "(cliauth tables, 167 items seeded, in memory)" in proc.ready_line
        assert "AWS_ACCESS_KEY_ID=AKIDONE" in proc.ready_line
        assert "first-secret" not in "".join(proc.output)
        for key, secret in [("AKIDONE", "first-secret"), ("AKIDTWO", "second-secret")]:
            client = make_client(endpoint_url=proc.endpoint_url, credentials=(key, secret))
            assert client.scan(TableName="marketplace-cliauth-bookings-table",
                               Select="COUNT")["Count"] == 73
        with pytest.raises(ClientError, match="UnrecognizedClientException"):
            make_client(endpoint_url=proc.endpoint_url, credentials=("ddbkit", "ddbkit"),
                        max_attempts=1).list_tables()
        port = urlsplit(proc.endpoint_url).port
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/", headers={"Host": f"db.internal:{port}"})
        assert conn.getresponse().status == 200  # --allow-host from DDBKIT_ALLOW_HOST


@pytest.mark.parametrize("value", ["AKIDONE", "AKIDONE:", ":hunter2", "AKID ONE:hunter2"])
def test_a_malformed_auth_is_one_line_exit_2_without_the_secret(value: str) -> None:
    result = ddbkit("up", "--port", "0", "--no-seed", "--auth", value)
    assert result.returncode == 2
    assert result.stderr.startswith("ddbkit: error: --auth expected "
                                    "ACCESS_KEY_ID:SECRET_ACCESS_KEY")
    assert len(result.stderr.strip().splitlines()) == 1
    assert "hunter2" not in result.stderr


def test_a_public_address_without_auth_warns_in_one_line() -> None:
    """The port is taken on loopback, so binding 0.0.0.0 fails at once: nothing listens on a
    public address, no traffic is sent, and the warning is already out."""
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = str(taken.getsockname()[1])
        result = ddbkit("up", "--host", "0.0.0.0", "--port", port, "--no-seed")
    assert result.returncode == 2
    warning, error = result.stderr.strip().splitlines()
    assert warning == (f"ddbkit: warning: --host 0.0.0.0 without --auth: anyone who can reach "
                       f"port {port} can read and change every table")
    assert error.startswith(f"ddbkit: error: port {port} on 0.0.0.0 is already in use")


def test_no_warning_with_auth_or_on_loopback() -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = str(taken.getsockname()[1])
        guarded = ddbkit("up", "--host", "0.0.0.0", "--port", port, "--no-seed",
                         "--auth", "AKID:secret")
        loopback = ddbkit("up", "--port", port, "--no-seed")
    for result in (guarded, loopback):
        assert result.returncode == 2 and "warning" not in result.stderr

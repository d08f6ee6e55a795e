"""Where client commands go: the local emulator unless AWS is asked for on purpose.

Every command runs as a subprocess in a clean environment whose HTTPS proxy is a recorder on
loopback: whatever a command tries to reach over HTTPS (all of AWS), the recorder sees the
host and refuses it, so nothing leaves the machine and the test sees every attempt.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from ddbkit.emulator.connect.announce import FILE_NAME, announce, announced, withdraw
from ddbkit.emulator.connect.clients import is_aws_endpoint
from ddbkit.emulator.connect.target import DEFAULT_LOCAL_ENDPOINT, TargetOptions, resolve_target
from ddbkit.emulator.errors import ConfigError
from ddbkit.emulator.process import EmulatorProcess

BIN = Path(sys.executable).parent
ACCOUNT = "123456789012"


class RecordingProxy:
    """An HTTPS proxy that records each CONNECT's host and answers 403."""

    def __init__(self) -> None:
        self.hosts: list[str] = []
        self._socket = socket.create_server(("127.0.0.1", 0))
        self._socket.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._socket.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(5)
                head = b""
                try:
                    while b"\r\n\r\n" not in head and len(head) < 8192:
                        chunk = conn.recv(1024)
                        if not chunk:
                            break
                        head += chunk
                except OSError:
                    pass
                words = head.split(b"\r\n", 1)[0].split()
                if len(words) >= 2:  # "CONNECT host:443 HTTP/1.1"
                    self.hosts.append(words[1].decode().rsplit(":", 1)[0])
                try:
                    conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n"
                                 b"Connection: close\r\n\r\n")
                except OSError:
                    pass

    def aws_hosts(self) -> list[str]:
        return [h for h in self.hosts if is_aws_endpoint(f"https://{h}")]

    def __enter__(self) -> RecordingProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join(5)
        self._socket.close()


class FakeSts(BaseHTTPRequestHandler):
    """STS's GetCallerIdentity, answered for a made-up account (AWS_ENDPOINT_URL_STS)."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = (f'<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
                f"<GetCallerIdentityResult><Arn>arn:aws:iam::{ACCOUNT}:user/dev</Arn>"
                f"<UserId>AIDAFAKE</UserId><Account>{ACCOUNT}</Account>"
                f"</GetCallerIdentityResult><ResponseMetadata><RequestId>1</RequestId>"
                f"</ResponseMetadata></GetCallerIdentityResponse>").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def proxy() -> Iterator[RecordingProxy]:
    with RecordingProxy() as recorder:
        yield recorder


@pytest.fixture
def fake_sts() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeSts)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def closed_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as sock:
        return int(sock.getsockname()[1])


def clean_env(proxy: RecordingProxy, home: Path, **extra: str) -> dict[str, str]:
    """No endpoint configured, fake keys, no AWS files, HTTPS through the recorder."""
    kept = {k: v for k, v in os.environ.items()
            if not k.startswith(("AWS_", "DDBKIT_")) and k.lower() not in
            ("https_proxy", "http_proxy", "no_proxy", "all_proxy")}
    return {**kept, "HOME": str(home), "HTTPS_PROXY": proxy.url, "https_proxy": proxy.url,
            "AWS_ACCESS_KEY_ID": "AKIDFAKE", "AWS_SECRET_ACCESS_KEY": "fake",
            "AWS_REGION": "eu-west-1", "AWS_CONFIG_FILE": str(home / "none"),
            "AWS_SHARED_CREDENTIALS_FILE": str(home / "none"),
            "AWS_EC2_METADATA_DISABLED": "true", "PYTHONUNBUFFERED": "1", **extra}


def ddbkit(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "ddbkit"), *args], capture_output=True, text=True,
                          timeout=120, env=env, cwd=cwd, stdin=subprocess.DEVNULL)


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = [line for line in result.stderr.splitlines()
             if line.startswith("ddbkit: error: ")]
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


CLIENT_COMMANDS = [
    ["status"],
    ["seed", "--workers", "1"],
    ["export", "bookings"],
    ["tail", "bookings", "--max-records", "1", "--idle-timeout", "1"],
    ["state", "list"],
    ["state", "save", "s"],
    ["state", "restore", "s"],
    ["state", "delete", "s"],
    ["load", "--run-time", "1s", "--workers", "0"],
    ["load-worker", "--master", "127.0.0.1:1"],
]


@pytest.mark.parametrize("command", CLIENT_COMMANDS, ids=" ".join)
def test_with_no_endpoint_configured_no_command_contacts_aws(
        command: list[str], proxy: RecordingProxy, tmp_path: Path) -> None:
    # An announcement pointing at a port just closed: the local target is certain to be down.
    url = f"http://127.0.0.1:{closed_port()}"
    (tmp_path / ".ddbkit").mkdir()
    (tmp_path / ".ddbkit" / FILE_NAME).write_text(json.dumps(
        {"url": url, "region": "us-east-1", "pid": os.getpid()}))
    result = ddbkit(*command, env=clean_env(proxy, tmp_path), cwd=tmp_path)
    line = one_error_line(result)
    assert proxy.hosts == []  # no HTTPS at all, AWS's hosts included
    assert f"cannot reach {url} (announced by ddbkit up (pid {os.getpid()})" in line
    assert "start it with `ddbkit up`, or pass --endpoint-url" in line


@pytest.mark.parametrize("command", [["status"], ["export", "bookings"],
                                     ["load", "--pattern", "bookings/GetItem", "--workers", "0"]],
                         ids=" ".join)
def test_aws_is_reached_only_with_aws(command: list[str], proxy: RecordingProxy,
                                      tmp_path: Path) -> None:
    """The positive control: the recorder does see traffic to AWS, when asked for."""
    result = ddbkit(*command, "--aws", env=clean_env(proxy, tmp_path), cwd=tmp_path)
    line = one_error_line(result)
    assert proxy.aws_hosts(), proxy.hosts
    assert "AWS STS" in line  # the account is asked for before anything else


def test_aws_beats_an_endpoint_in_the_environment(proxy: RecordingProxy, tmp_path: Path) -> None:
    env = clean_env(proxy, tmp_path,
                    AWS_ENDPOINT_URL_DYNAMODB=f"http://127.0.0.1:{closed_port()}")
    one_error_line(ddbkit("status", "--aws", env=env, cwd=tmp_path))
    assert proxy.aws_hosts()


def test_endpoint_url_beats_ddbkit_aws_in_the_environment(proxy: RecordingProxy,
                                                          tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    env = clean_env(proxy, tmp_path, DDBKIT_AWS="1")
    line = one_error_line(ddbkit("status", "--endpoint-url", url, env=env, cwd=tmp_path))
    assert f"cannot reach {url} (--endpoint-url)" in line and proxy.hosts == []


def test_endpoint_url_and_aws_together_contradict(proxy: RecordingProxy, tmp_path: Path) -> None:
    result = ddbkit("status", "--aws", "--endpoint-url", "http://127.0.0.1:1",
                    env=clean_env(proxy, tmp_path), cwd=tmp_path)
    assert "--endpoint-url and --aws contradict each other" in one_error_line(result)
    assert proxy.hosts == []


@pytest.mark.parametrize("command", [["state", "list"], ["state", "restore", "s"]],
                         ids=" ".join)
def test_named_states_against_aws_are_refused_without_a_request(
        command: list[str], proxy: RecordingProxy, tmp_path: Path) -> None:
    result = ddbkit(*command, "--aws", env=clean_env(proxy, tmp_path), cwd=tmp_path)
    assert "are the local emulator's, not AWS's" in one_error_line(result)
    assert proxy.hosts == []


@pytest.mark.parametrize("command", [["seed", "--workers", "1"],
                                     ["load", "--run-time", "1s", "--workers", "0"],
                                     ["load", "--pattern", "flow/sign-up", "--workers", "0"]],
                         ids=" ".join)
def test_writes_to_aws_without_yes_and_no_terminal_are_refused_before_any(
        command: list[str], proxy: RecordingProxy, fake_sts: str, tmp_path: Path) -> None:
    env = clean_env(proxy, tmp_path, AWS_ENDPOINT_URL_STS=fake_sts)
    result = ddbkit(*command, "--aws", env=env, cwd=tmp_path)
    assert "writes to real AWS: pass --yes" in one_error_line(result)
    assert f"ddbkit: target: real AWS, account {ACCOUNT}, region eu-west-1" in result.stderr
    assert proxy.hosts == []  # not one DynamoDB request


def test_writes_to_aws_are_asked_about_on_a_terminal(proxy: RecordingProxy, fake_sts: str,
                                                    tmp_path: Path) -> None:
    import pty

    env = clean_env(proxy, tmp_path, AWS_ENDPOINT_URL_STS=fake_sts)
    controller, terminal = pty.openpty()
    try:
        os.write(controller, b"n\n")  # waits in the terminal until the question reads it
        result = subprocess.run([str(BIN / "ddbkit"), "seed", "--workers", "1", "--aws"],
                                capture_output=True, text=True, timeout=120, env=env,
                                cwd=tmp_path, stdin=terminal)
    finally:
        os.close(terminal)
        os.close(controller)
    # The answer's newline is echoed on the terminal, so the error follows the question.
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.rstrip().endswith("Write to these tables on real AWS? [y/N]: "
                                           "ddbkit: error: not confirmed: nothing was written")
    assert proxy.hosts == []


def test_writes_to_aws_with_yes_go_ahead(proxy: RecordingProxy, fake_sts: str,
                                         tmp_path: Path) -> None:
    env = clean_env(proxy, tmp_path, AWS_ENDPOINT_URL_STS=fake_sts)
    result = ddbkit("seed", "--workers", "1", "--aws", "--yes", env=env, cwd=tmp_path)
    one_error_line(result)  # the recorder refuses the connection
    assert proxy.aws_hosts() == ["dynamodb.eu-west-1.amazonaws.com"] * len(proxy.hosts)
    assert f"account {ACCOUNT}" in result.stderr


def test_a_running_up_in_this_directory_is_found(proxy: RecordingProxy, tmp_path: Path) -> None:
    env = clean_env(proxy, tmp_path, AWS_PROFILE="does-not-exist")
    with EmulatorProcess("--no-seed", "--in-memory", "--state-dir", "custom", env=env,
                         cwd=str(tmp_path)) as up:
        assert json.loads((tmp_path / "custom" / FILE_NAME).read_text())["url"] == \
            up.endpoint_url
        result = ddbkit("status", env={**env, "DDBKIT_STATE_DIR": "custom"}, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert f"at {up.endpoint_url}" in " ".join(result.stdout.split())
        # Only a profile asked for on the command line must exist.
        named = ddbkit("status", "--profile", "nope", env={**env, "DDBKIT_STATE_DIR": "custom"},
                       cwd=tmp_path)
        assert "nope" in one_error_line(named)
    assert not (tmp_path / "custom" / FILE_NAME).exists()
    assert proxy.hosts == []


def test_target_precedence(tmp_path: Path) -> None:
    local = resolve_target(TargetOptions(), {}, cwd=tmp_path)
    assert (local.endpoint_url, local.chosen_by, local.is_aws) == (
        DEFAULT_LOCAL_ENDPOINT, "the default local endpoint", False)
    env = {"AWS_ENDPOINT_URL": "http://general:1", "AWS_ENDPOINT_URL_DYNAMODB": "http://d:2"}
    assert resolve_target(TargetOptions(), env, cwd=tmp_path).chosen_by == \
        "AWS_ENDPOINT_URL_DYNAMODB"
    assert resolve_target(TargetOptions(aws=True), env, cwd=tmp_path).is_aws
    explicit = resolve_target(TargetOptions(endpoint_url="http://x:3", aws=True,
                                            aws_source="DDBKIT_AWS"), env, cwd=tmp_path)
    assert explicit.endpoint_url == "http://x:3"
    with pytest.raises(ConfigError):
        resolve_target(TargetOptions(endpoint_url="http://x:3", aws=True), {}, cwd=tmp_path)
    regional = resolve_target(TargetOptions(endpoint_url="https://dynamodb.eu-west-1."
                                                         "amazonaws.com"), {}, cwd=tmp_path)
    assert regional.is_aws and regional.region == "eu-west-1"


def test_a_stale_announcement_is_ignored(tmp_path: Path) -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    (tmp_path / FILE_NAME).write_text(json.dumps({"url": "http://127.0.0.1:1",
                                                  "region": "us-east-1", "pid": gone.pid}))
    assert announced(tmp_path) is None
    mine = announce(tmp_path, "http://127.0.0.1:2", "eu-west-1")
    assert announced(tmp_path) == mine
    other = tmp_path / "other"
    theirs = announce(other, "http://127.0.0.1:3", "eu-west-1")
    withdraw(tmp_path, theirs)  # not ours: left alone
    assert announced(tmp_path) == mine
    withdraw(other, theirs)
    assert not other.exists()  # it made the folder, and leaves none behind


def test_up_ignores_a_broken_aws_configuration(tmp_path: Path) -> None:
    (tmp_path / "config").write_text("[profile x\nbroken")
    for env in ({"AWS_PROFILE": "does-not-exist"},
                {"AWS_CONFIG_FILE": str(tmp_path / "config"), "AWS_PROFILE": "x"}):
        with EmulatorProcess("--no-seed", "--in-memory", "--no-announce", env=env,
                             cwd=str(tmp_path)) as up:
            assert up.endpoint_url
        assert "Traceback" not in "".join(up.output)
        assert any("ignoring the AWS configuration" in line for line in up.output)


@pytest.mark.slow
def test_plugin_starts_with_a_profile_that_does_not_exist(
        pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_PROFILE", "does-not-exist")
    pytester.makepyfile(test_user='''
import boto3

def test_put(ddbkit):
    table = boto3.resource("dynamodb").Table(ddbkit.table_name("bookings"))
    table.put_item(Item={"bookingId": "b1", "status": "PENDING"})
    assert ddbkit.client().scan(TableName=table.name)["Count"] == 1
''')
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def up_line(*args: str, env: dict[str, str], cwd: Path) -> str:
    with EmulatorProcess("--no-seed", "--no-announce", *args, env=env, cwd=str(cwd)) as up:
        return up.ready_line


def test_in_memory_on_the_command_line_beats_ddbkit_data_dir(tmp_path: Path) -> None:
    env = {"DDBKIT_DATA_DIR": str(tmp_path / "data"), "DDBKIT_IN_MEMORY": ""}
    assert "in memory" in up_line("--in-memory", env=env, cwd=tmp_path)
    assert not (tmp_path / "data").exists()


def test_data_dir_on_the_command_line_beats_ddbkit_in_memory(tmp_path: Path) -> None:
    line = up_line("--data-dir", str(tmp_path / "data"), env={"DDBKIT_IN_MEMORY": "1"},
                   cwd=tmp_path)
    assert f"new data dir {tmp_path / 'data'}" in line


@pytest.mark.parametrize(("args", "env", "says"), [
    (["--in-memory", "--data-dir", "d"], {}, "does not go with --data-dir"),
    ([], {"DDBKIT_IN_MEMORY": "1", "DDBKIT_DATA_DIR": "d"}, "are both set"),
])
def test_in_memory_and_data_dir_from_one_source_conflict(
        args: list[str], env: dict[str, str], says: str, proxy: RecordingProxy,
        tmp_path: Path) -> None:
    result = ddbkit("up", "--port", "0", *args, env=clean_env(proxy, tmp_path, **env),
                    cwd=tmp_path)
    assert says in one_error_line(result)


def test_an_anonymize_salt_in_the_environment_does_not_stop_a_plain_seed(
        proxy: RecordingProxy, tmp_path: Path) -> None:
    env = clean_env(proxy, tmp_path, DDBKIT_ANONYMIZE_SALT="s3cret")
    result = ddbkit("seed", "--out", "out", "--workers", "1", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert proxy.hosts == []

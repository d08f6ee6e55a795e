"""The servers bench_servers.py compares, each in a child process on 127.0.0.1, and the one
raw keep-alive JSON client it talks to all of them with."""

from __future__ import annotations

import http.client
import json
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# Stock moto routes on the SigV4 credential scope; dynalite also insists on a date header.
HEADERS = {"Authorization": "AWS4-HMAC-SHA256 Credential=bench/20250101/us-east-1/dynamodb/"
                            "aws4_request, SignedHeaders=host;x-amz-date, Signature=0",
           "X-Amz-Date": "20250101T000000Z", "Content-Type": "application/x-amz-json-1.0"}
# ThreadedMotoServer binds port 0 and reads the real port back, so no port is guessed.
MOTO_BOOT = """
import threading
from moto.server import ThreadedMotoServer
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
print("moto listening on port", server.get_host_and_port()[1], flush=True)
threading.Event().wait()
"""


SERVER_NAMES = ("moto", "ddbkit", "dynalite")


class Server:
    """A server in a child process, ready once a line of its output names its port."""

    def __init__(self, name: str, cmd: list[str], ready: str, create_table: bool) -> None:
        self.name, self.cmd, self.create_table = name, cmd, create_table
        self.ready = re.compile(ready)
        self.proc: subprocess.Popen[str] | None = None
        self.port = 0
        self.output: list[str] = []
        self.conn: http.client.HTTPConnection | None = None

    def start(self, timeout: float = 120) -> None:
        # Own session: Ctrl-C reaches only the benchmark, which then stops every server itself.
        self.proc = subprocess.Popen(self.cmd, cwd=ROOT, text=True, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        found = threading.Event()
        threading.Thread(target=self._pump, args=(found,), daemon=True).start()
        if not found.wait(timeout) or not self.port:
            raise RuntimeError(f"{self.name} did not start: {''.join(self.output[-20:])}")
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        self.call("ListTables", {})

    def _pump(self, found: threading.Event) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        for line in self.proc.stdout:  # drained to the end so a chatty server never blocks
            self.output.append(line)
            match = self.ready.search(line)
            if match and not found.is_set():
                self.port = int(match[1])
                found.set()
        found.set()

    def call(self, operation: str, body: dict[str, Any]) -> dict[str, Any]:
        assert self.conn is not None
        payload = json.dumps(body)
        headers = {**HEADERS, "X-Amz-Target": f"DynamoDB_20120810.{operation}"}
        try:
            self.conn.request("POST", "/", body=payload, headers=headers)
            response = self.conn.getresponse()
        except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
            # Node drops keep-alive connections idle for 5 s (while the others are measured):
            # reconnect once. Every request the benchmark sends is safe to repeat.
            self.conn.close()
            self.conn.request("POST", "/", body=payload, headers=headers)
            response = self.conn.getresponse()
        data = response.read()
        if response.status != 200:
            raise RuntimeError(f"{self.name} {operation} -> {response.status}: {data[:300]!r}")
        return json.loads(data) if data else {}

    def wait_active(self, table: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while self.call("DescribeTable", {"TableName": table})["Table"]["TableStatus"] \
                != "ACTIVE":
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name}: {table} never became ACTIVE")
            time.sleep(0.1)

    def peak_rss_mb(self) -> float:
        assert self.proc is not None
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        return int(re.search(r"^VmHWM:\s+(\d+) kB", status, re.M)[1]) / 1024  # type: ignore

    def reset_peak_rss(self) -> None:
        """Peak RSS from now on (Linux: "5" to clear_refs); best effort."""
        assert self.proc is not None
        try:
            Path(f"/proc/{self.proc.pid}/clear_refs").write_text("5")
        except OSError:
            pass

    def stop(self) -> None:
        if self.conn is not None:
            self.conn.close()
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def dynalite_cli(cache: Path) -> Path:
    """dynalite's CLI script, installed with npm into `cache` unless already there."""
    package = cache / "node_modules" / "dynalite" / "package.json"
    if not package.exists():
        if not shutil.which("npm") or not shutil.which("node"):
            raise RuntimeError("npm or node not on PATH")
        cache.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(["npm", "install", "--prefix", str(cache), "dynalite@4"],
                              capture_output=True, text=True, timeout=600)
        if done.returncode != 0 or not package.exists():
            raise RuntimeError("npm install dynalite@4 failed: "
                               + (done.stderr.strip().splitlines() or ["?"])[-1])
    bin_entry = json.loads(package.read_text())["bin"]
    return package.parent / (bin_entry if isinstance(bin_entry, str) else bin_entry["dynalite"])


def free_port() -> int:
    """dynalite reads --port 0 as "no port" (4567), so it gets a port found free just now:
    a benign race for a benchmark."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _ddbkit(name: str, python: str, stage: str, data_dir: Path | None) -> Server:
    return Server(name, [
        python, "-P", "-m", "ddbkit.cli", "up", "--host", "127.0.0.1", "--port", "0",
        "--no-seed", "--stage", stage, "--ttl-interval", "0",
        *(["--data-dir", str(data_dir)] if data_dir else ["--in-memory"])],
        r"^ddbkit ready: http://127\.0\.0\.1:(\d+)", create_table=False)


def start_servers(stage: str, create_request: dict[str, Any], dynalite_dir: Path,
                  servers: list[Server], names: tuple[str, ...] = tuple(SERVER_NAMES),
                  ddbkit_data_dir: Path | None = None, baseline: str | None = None) -> None:
    """Appends each server named in `names` as it starts, so the caller can stop every one
    that did. ddbkit keeps its data in `ddbkit_data_dir` (durable, its default) when given,
    else in memory. `baseline` is another environment's python whose ddbkit runs beside
    (an older release, for before/after figures from one run), as "ddbkit-baseline"."""
    wanted = []
    if "moto" in names:
        wanted.append(Server("moto", [sys.executable, "-c", MOTO_BOOT],
                             r"moto listening on port (\d+)", create_table=True))
    if "ddbkit" in names:
        wanted.append(_ddbkit("ddbkit", sys.executable, stage,
                              ddbkit_data_dir / "current" if ddbkit_data_dir else None))
    if baseline:
        wanted.append(_ddbkit("ddbkit-baseline", baseline, stage,
                              ddbkit_data_dir / "baseline" if ddbkit_data_dir else None))
    try:
        if "dynalite" in names:
            wanted.append(Server("dynalite", ["node", str(dynalite_cli(dynalite_dir)), "--host",
                                              "127.0.0.1", "--port", str(free_port())],
                                 r"Dynalite listening at: \S+:(\d+)", create_table=True))
    except (RuntimeError, OSError, subprocess.SubprocessError) as error:
        print(f"dynalite: unavailable ({error})", flush=True)
    for server in wanted:
        servers.append(server)
        try:
            server.start()
            if server.create_table:
                # dynalite 4 takes PAY_PER_REQUEST and the stream as they are: no fallback.
                server.call("CreateTable", create_request)
            server.wait_active(create_request["TableName"])
        except (RuntimeError, OSError) as error:
            if server.name != "dynalite":
                raise
            print(f"dynalite: unavailable ({error})", flush=True)
            servers.remove(server)
            server.stop()

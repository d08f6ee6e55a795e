"""Seeding at scale: parallel generation that does not depend on the workers, slices made
alone, a load that resumes from its checkpoint writing each item once, and AWS's import."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import date
from http.client import HTTPConnection
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ddbkit.cli import cli
from ddbkit.emulator.spec import TABLES, TABLES_BY_KEY
from ddbkit.fixtures import chunks
from ddbkit.fixtures.generate import Generator
from ddbkit.fixtures.options import DatasetOptions
from ddbkit.fixtures.seed import generate_items, write_generated
from ddbkit.fixtures.source import DatasetSource

ANCHOR = date(2025, 12, 4)
OPTIONS = DatasetOptions(seed=11, scale=10, skew=1.1, anchor=ANCHOR)


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks of 300 items, so a small dataset still spans many (forked workers inherit it)."""
    monkeypatch.setattr(chunks, "CHUNK", 300)


def _digests(directory: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in directory.iterdir()}


def test_files_are_identical_with_one_and_four_workers(tmp_path: Path,
                                                      small_chunks: None) -> None:
    write_generated(OPTIONS, tmp_path / "one", workers=1)
    write_generated(OPTIONS, tmp_path / "four", workers=4)
    assert _digests(tmp_path / "one") == _digests(tmp_path / "four")
    # ...and they hold the dataset generated in one piece.
    assert DatasetSource(from_dir=tmp_path / "four").load()[0] == generate_items(OPTIONS)[0]


def test_a_slice_generated_alone_equals_that_slice_of_a_full_run() -> None:
    full = generate_items(OPTIONS)[0]
    for table in TABLES:
        size = len(full[table.key])
        start, stop = size // 3, size // 3 + 40
        alone = Generator(OPTIONS).items(table.key, start, stop)  # a new generator: no state
        assert alone == full[table.key][start:stop], table.key


class _CountingProxy(ThreadingHTTPServer):
    """Forwards every request to the emulator and counts the items each BatchWriteItem
    actually wrote (requested minus unprocessed), per table and key."""

    def __init__(self, target: str) -> None:
        super().__init__(("127.0.0.1", 0), _Forward)
        self.target = target.removeprefix("http://")
        self.writes: Counter[tuple[str, str]] = Counter()
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def total(self) -> int:
        with self.lock:
            return sum(self.writes.values())


class _Forward(BaseHTTPRequestHandler):
    server: _CountingProxy

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
        connection = HTTPConnection(self.server.target, timeout=30)
        connection.request("POST", self.path, body, {**headers, "Host": self.server.target})
        response = connection.getresponse()
        answer = response.read()
        if response.status == 200 and "BatchWriteItem" in self.headers.get("X-Amz-Target", ""):
            self._count(json.loads(body), json.loads(answer))
        self.send_response(response.status)
        for name, value in response.getheaders():
            if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def _count(self, request: dict[str, Any], response: dict[str, Any]) -> None:
        unprocessed = response.get("UnprocessedItems") or {}
        for table, writes in request["RequestItems"].items():
            refused = {json.dumps(w, sort_keys=True) for w in unprocessed.get(table, [])}
            for write in writes:
                if json.dumps(write, sort_keys=True) not in refused:
                    item = write["PutRequest"]["Item"]
                    key = json.dumps({k: v for k, v in item.items()
                                      if k.endswith("Id") or k == "idempotencyKey"}
                                     , sort_keys=True)
                    with self.server.lock:
                        self.server.writes[(table, key)] += 1

    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture
def proxy(fresh_emulator: Any) -> Iterator[_CountingProxy]:
    server = _CountingProxy(fresh_emulator.endpoint_url)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _seed_command(url: str, stage: str, checkpoint: Path) -> list[str]:
    return [str(Path(sys.executable).parent / "ddbkit"), "seed", "--endpoint-url", url,
            "--stage", stage, "--scale", "60", "--anchor", "2025-12-04", "--workers", "2",
            "--checkpoint", str(checkpoint)]


def test_an_interrupted_load_resumes_writing_each_item_once(fresh_emulator: Any,
                                                            proxy: _CountingProxy,
                                                            tmp_path: Path) -> None:
    stage, checkpoint = fresh_emulator.config.stage, tmp_path / "load.checkpoint"
    command = _seed_command(proxy.url, stage, checkpoint)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    first = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, env=env)
    deadline = time.monotonic() + 120
    while proxy.total() < 3000:  # well into the load (10,020 items), before its end
        assert time.monotonic() < deadline and first.poll() is None, first.communicate()
        time.sleep(0.05)
    first.send_signal(signal.SIGINT)
    _, stderr = first.communicate(timeout=120)
    assert first.returncode == 130, stderr
    assert "Traceback" not in stderr and "resume from" in stderr and checkpoint.exists()
    interrupted_at = proxy.total()
    assert interrupted_at < 10_020

    second = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert second.returncode == 0, second.stderr
    items = generate_items(DatasetOptions(scale=60, anchor=ANCHOR))[0]
    assert proxy.total() == sum(len(v) for v in items.values())
    assert set(proxy.writes.values()) == {1}  # no item written twice, none left out
    assert not checkpoint.exists()  # a finished load leaves no checkpoint behind
    client = fresh_emulator.client()
    for table in TABLES:
        scanned = sum(page["Count"] for page in client.get_paginator("scan").paginate(
            TableName=table.name(stage), Select="COUNT"))
        assert scanned == len(items[table.key])


def test_aws_import_output_reads_back_with_from(tmp_path: Path, small_chunks: None) -> None:
    out = tmp_path / "import"
    result = CliRunner().invoke(cli, ["seed", "--out", str(out), "--format", "aws-import",
                                      "--seed", "11", "--scale", "10", "--skew", "1.1",
                                      "--anchor", "2025-12-04", "--workers", "2",
                                      "--s3-uri", "s3://demo-bucket/seed", "--stage", "demo"])
    assert result.exit_code == 0, result.output
    def by_key(items: dict[str, list[Any]]) -> dict[str, list[str]]:  # files: any order
        return {key: sorted(json.dumps(i, sort_keys=True) for i in v) for key, v in items.items()}

    assert by_key(DatasetSource(from_dir=out).load()[0]) == by_key(generate_items(OPTIONS)[0])
    imports = [line for line in result.output.splitlines() if "import-table" in line]
    assert len(imports) == len(TABLES)
    bookings = next(line for line in imports if "S3KeyPrefix=seed/bookings/" in line)
    parameters = json.loads(bookings.split("--table-creation-parameters ")[1].strip("'"))
    assert parameters["TableName"] == "marketplace-demo-bookings-table"
    assert parameters["BillingMode"] == "PAY_PER_REQUEST"
    assert {g["IndexName"] for g in parameters["GlobalSecondaryIndexes"]} == {
        g.name for g in TABLES_BY_KEY["bookings"].gsis}
    assert "StreamSpecification" not in parameters  # ImportTable does not take it
    assert f"aws s3 cp --recursive {out}/bookings s3://demo-bucket/seed/bookings/" \
        in result.output


def test_files_load_through_worker_processes(fresh_emulator: Any, tmp_path: Path,
                                             small_chunks: None) -> None:
    write_generated(OPTIONS, tmp_path / "data", workers=2)
    stage = fresh_emulator.config.stage
    result = CliRunner().invoke(cli, ["seed", "--endpoint-url", fresh_emulator.endpoint_url,
                                      "--stage", stage, "--from", str(tmp_path / "data"),
                                      "--workers", "2", "--checkpoint",
                                      str(tmp_path / "checkpoint.json")])
    assert result.exit_code == 0, result.output
    items = generate_items(OPTIONS)[0]
    assert f"seeded {sum(len(v) for v in items.values())} items" in result.output
    client = fresh_emulator.client()
    for table in TABLES:
        found = [i for page in client.get_paginator("scan").paginate(
            TableName=table.name(stage)) for i in page["Items"]]
        key = table.primary.partition
        assert sorted(i[key]["S"] for i in found) == sorted(i[key]["S"] for i in
                                                           items[table.key])

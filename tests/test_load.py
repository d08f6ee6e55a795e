"""`ddbkit load` for real: Locust headless against a seeded emulator, through the CLI.

Locust monkey-patches the process that imports it, so every run here is a child process.
"""

from __future__ import annotations

import csv
import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from datetime import date
from http.client import HTTPConnection
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psutil
import pytest
from botocore.exceptions import ClientError
from seeded_emulators import seeded_emulator

from ddbkit.emulator.endpoint.server import ServerConfig
from ddbkit.emulator.runtime import Emulator, EmulatorConfig
from ddbkit.emulator.tables.provision import provision
from ddbkit.fixtures.options import DatasetOptions
from ddbkit.fixtures.seed import generate_items, seed_endpoint
from ddbkit.loadtests.datacheck import SAMPLES
from ddbkit.loadtests.keys import KeyPool
from ddbkit.loadtests.patterns import catalogue

pytestmark = pytest.mark.slow  # real Locust runs, seconds each

BIN = Path(sys.executable).parent
STAGE = "load"
ANCHOR = "2025-12-04"
FIELDS = {"name", "table", "index", "operation", "requests", "failures", "rps", "p50_ms",
          "p95_ms", "p99_ms", "max_ms", "hit_rate"}


@pytest.fixture(scope="module")
def seeded() -> Iterator[Emulator]:
    with seeded_emulator(STAGE, ANCHOR) as emulator:
        yield emulator


def load(emulator: Emulator, *args: str, stage: str = STAGE) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "ddbkit"), "load", "--endpoint-url", emulator.endpoint_url, "--stage", stage,
         "--anchor", ANCHOR, *args], capture_output=True, text=True, timeout=240,
        env={**os.environ, "COLUMNS": "200"})


class Lines:
    """A child process's stdout, line by line, each wait bounded (a thread reads the pipe)."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self._lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, args=(process,), daemon=True).start()

    def _read(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self._lines.put(line)
        self._lines.put(None)  # end of output: the process exited

    def wait_for(self, prefix: str, timeout: float = 120) -> str:
        deadline = time.monotonic() + timeout
        while True:
            line = self._lines.get(timeout=max(0.0, deadline - time.monotonic()))
            if line is None:
                raise AssertionError(f"the output ended without a line starting {prefix!r}")
            if line.startswith(prefix):
                return line


def start_load(emulator: Emulator, *args: str) -> subprocess.Popen[str]:
    """`ddbkit load` in a session of its own, so a test can Ctrl-C its whole process group
    as a terminal would."""
    return subprocess.Popen(
        [str(BIN / "ddbkit"), "load", "--endpoint-url", emulator.endpoint_url, "--stage", STAGE,
         "--anchor", ANCHOR, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True, env={**os.environ, "COLUMNS": "200", "PYTHONUNBUFFERED": "1"})


def scan_all(client: Any, table: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for page in client.get_paginator("scan").paginate(TableName=table):
        items.extend(page["Items"])
    return items


def test_patterns_mix_exercises_every_pattern_without_failures(seeded: Emulator,
                                                               tmp_path: Path) -> None:
    report_path = tmp_path / "report.json"
    result = load(seeded, "--mix", "patterns", "--users", "4", "--run-time", "6s",
                  "--workers", "0", "--json", str(report_path), "--slo", str(_slo(tmp_path)))
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(report_path.read_text())
    assert all(FIELDS <= set(row) for row in report["patterns"])
    requests, failures = Counter(), Counter()
    for row in report["patterns"]:
        requests[row["name"]] += row["requests"]
        failures[row["name"]] += row["failures"]
    assert set(requests) == set(catalogue())
    assert all(requests[name] > 0 for name in catalogue()), requests
    assert sum(failures.values()) == 0
    assert report["totals"]["requests"] == sum(requests.values())
    assert report["slo"] == {"passed": True, "breaches": []}
    assert report["errors"] == [] and report["interrupted"] is False
    # Seeded keys are found: every table's GetItem hits; writes have no hit rate.
    for row in report["patterns"]:
        reads = row["operation"] in ("GetItem", "Query")
        assert (row["hit_rate"] is not None) == reads, row
        if row["name"].endswith("/GetItem"):
            assert row["hit_rate"] == 1.0, row
    assert "hit %" in result.stdout
    assert "bookings/status-index" in result.stdout and "p99 ms" in result.stdout
    # Its writes stay, and it says so, with the way to avoid keeping them.
    note = re.search(r"the load made ([\d,]+) write requests to (\S+); their items stay",
                     result.stdout)
    assert note and int(note[1].replace(",", "")) > 0 and note[2] == seeded.endpoint_url
    assert "--restore-after" in result.stdout

    # The idempotent booking flow: retried requests returned the cached result.
    created = [b for b in scan_all(seeded.client(), f"marketplace-{STAGE}-bookings-table")
               if b.get("source") == {"S": "loadtest"}]
    per_request = Counter(b["requestKey"]["S"] for b in created)
    assert created and max(per_request.values()) == 1
    flow_gets = [r for r in report["patterns"]
                 if r["name"] == "flow/create-booking" and r["operation"] == "GetItem"]
    assert flow_gets and flow_gets[0]["requests"] > 0  # some requests were retries

    _check_capacity(report)


def _check_capacity(report: dict[str, Any]) -> None:
    """Units agree wherever the report shows them, and the marketplace's low-cardinality
    GSIs are flagged with their numbers, high-cardinality ones not."""
    capacity = report["capacity"]
    for pattern in capacity["patterns"]:
        rows = [r for r in report["patterns"] if r["name"] == pattern["name"]]
        for kind in ("read_units", "write_units"):
            assert pattern[kind] == pytest.approx(sum(r[kind] for r in rows), abs=1e-3)
            assert pattern[kind] == pytest.approx(
                sum(t[kind] for t in pattern["on"].values()), abs=1e-3)
    assert capacity["totals"]["read_units"] > 0 and capacity["totals"]["write_units"] > 0
    heat = {h["target"]: h for h in capacity["heat"]}
    for target, values in (("bookings/status-index", 5), ("providers/availability-index", 2)):
        flags = heat[target]["flags"]
        assert any(f.startswith("low-cardinality GSI: ") and "values seen" in f
                   and "per partition" in f for f in flags), (target, flags)
        assert heat[target]["values_seen"] <= values and heat[target]["values_exact"]
    assert heat["users/email-index"]["flags"] == []
    assert heat["bookings/customerBookings-index"]["flags"] == []


class CountingRelay:
    """A loopback HTTP relay to the emulator that adds up, by operation and by GSI, the
    ConsumedCapacity of every response: what the responses said, counted apart from the load."""

    def __init__(self, upstream: str) -> None:
        self.by_operation: Counter[str] = Counter()
        self.by_index: Counter[str] = Counter()
        self.lock = threading.Lock()
        relay, target = self, urlsplit(upstream).netloc

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                upstream_call = HTTPConnection(target, timeout=30)
                upstream_call.request("POST", "/", body, {**headers, "Host": target})
                answer = upstream_call.getresponse()
                payload = answer.read()
                upstream_call.close()
                relay.count(self.headers.get("X-Amz-Target", ""), payload)
                self.send_response(answer.status)
                for name in ("Content-Type", "x-amzn-RequestId"):
                    if answer.getheader(name):
                        self.send_header(name, answer.getheader(name) or "")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def count(self, target: str, payload: bytes) -> None:
        consumed = json.loads(payload or b"{}").get("ConsumedCapacity")
        if not isinstance(consumed, dict):
            return
        with self.lock:
            self.by_operation[target.rpartition(".")[2]] += consumed["CapacityUnits"]
            for index, part in consumed.get("GlobalSecondaryIndexes", {}).items():
                self.by_index[index] += part["CapacityUnits"]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_units_per_pattern_are_the_sum_of_what_the_responses_said(seeded: Emulator,
                                                                   tmp_path: Path) -> None:
    relay = CountingRelay(seeded.endpoint_url)
    try:
        result = subprocess.run(
            [str(BIN / "ddbkit"), "load", "--endpoint-url", relay.url, "--stage", STAGE,
             "--anchor", ANCHOR, "--pattern", "users/GetItem", "--pattern",
             "flow/update-booking-status", "--users", "2", "--run-time", "3s", "--workers", "2",
             "--json", str(tmp_path / "r.json"), "--slo", str(_slo(tmp_path))],
            capture_output=True, text=True, timeout=240)
    finally:
        relay.close()
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    rows = {(r["name"], r["operation"]): r for r in report["patterns"]}
    get, update = rows[("users/GetItem", "GetItem")], rows[("flow/update-booking-status",
                                                          "UpdateItem")]
    assert get["requests"] > 0 and update["requests"] > 0
    assert get["read_units"] == 0.5 * get["requests"]  # small items, eventually consistent
    # The relay also sees the answers to requests the run's stop cut off (at most one per
    # user) that the report never received; everything the report holds came from it.
    _within_in_flight(get["read_units"], relay.by_operation["GetItem"], 2 * 0.5)
    per_update = update["write_units"] / update["requests"]
    _within_in_flight(update["write_units"], relay.by_operation["UpdateItem"], 2 * per_update)
    targets = {t["target"]: t for t in report["capacity"]["targets"]}
    for index, units in relay.by_index.items():
        _within_in_flight(targets[f"bookings/{index}"]["write_units"], units, 2 * per_update)
    assert relay.by_index["status-index"] > 0


def _within_in_flight(reported: float, relayed: float, slack: float) -> None:
    assert reported <= relayed + 1e-9
    assert relayed - reported <= slack + 1e-9, (reported, relayed)


@pytest.fixture(scope="module")
def hot_status() -> Iterator[Emulator]:
    """The on-demand throughput model on a clock that never moves (so no partition refills
    or splits), seeded, then one status-index partition drained by large CONFIRMED
    bookings until the model throttles on it."""
    config = EmulatorConfig(server=ServerConfig(port=0), stage=STAGE, ttl_interval=0,
                            throughput_model="on-demand", clock=lambda: 1_800_000_000.0)
    with Emulator(config) as emulator:
        items, _ = generate_items(DatasetOptions(anchor=date.fromisoformat(ANCHOR)))
        seed_endpoint(emulator.client(), items, STAGE, show_progress=False)
        client = emulator.client(max_attempts=0)
        for n in range(40):
            try:
                client.put_item(TableName=f"marketplace-{STAGE}-bookings-table", Item={
                    "bookingId": {"S": f"drain-{n}"}, "status": {"S": "CONFIRMED"},
                    "createdAt": {"S": "2025-12-01T00:00:00Z"}, "blob": {"S": "x" * 100_000}})
            except ClientError as exc:
                if "status-index" in str(exc.response.get("throttlingReasons")):
                    break
        else:
            raise AssertionError("the status-index partition never throttled")
        yield emulator


def test_throttles_are_counted_per_pattern_with_their_reasons(hot_status: Emulator,
                                                               tmp_path: Path) -> None:
    result = load(hot_status, "--pattern", "flow/update-booking-status", "--pattern",
                  "users/GetItem", "--users", "2", "--run-time", "3s", "--workers", "0",
                  "--json", str(tmp_path / "r.json"), "--html", str(tmp_path / "r.html"),
                  "--slo", str(_slo(tmp_path)))
    assert result.returncode == 1, result.stdout + result.stderr  # the error rate breaches
    report = json.loads((tmp_path / "r.json").read_text())
    patterns = {p["name"]: p for p in report["capacity"]["patterns"]}
    update = patterns["flow/update-booking-status"]
    assert update["throttles"] > 0
    assert update["throttle_reasons"] == {
        "IndexWriteKeyRangeThroughputExceeded on bookings/status-index": update["throttles"]}
    assert patterns["users/GetItem"]["throttles"] == 0
    rows = {r["name"]: r for r in report["patterns"]}
    assert rows["flow/update-booking-status"]["throttles"] == update["throttles"]
    assert 0 < update["throttles"] <= rows["flow/update-booking-status"]["failures"]
    # Updates that were not throttled went through: the other statuses' partitions serve.
    assert update["write_units"] > 0
    over_time = sum(p["patterns"].get("flow/update-booking-status", {}).get("throttles", 0)
                    for p in report["capacity"]["timeline"])
    assert over_time == update["throttles"]
    assert (f"{update['throttles']} x flow/update-booking-status throttled: "
            "IndexWriteKeyRangeThroughputExceeded on bookings/status-index") in \
        " ".join(result.stdout.split())
    assert 'class="column"' in (tmp_path / "r.html").read_text()


def _slo(tmp_path: Path, p99_ms: float = 10_000) -> Path:
    path = tmp_path / "slo.toml"
    path.write_text(f"[defaults]\np99_ms = {p99_ms}\nmax_error_rate = 0\n")
    return path


def test_impossible_slo_exits_1_naming_the_breach(seeded: Emulator, tmp_path: Path) -> None:
    result = load(seeded, "--pattern", "users/GetItem", "--users", "2", "--run-time", "2s",
                  "--workers", "0", "--slo", str(_slo(tmp_path, 0.001)))
    assert result.returncode == 1, result.stderr
    assert "SLO breach: users/GetItem: p99 " in result.stdout
    assert "> 0.001 ms" in result.stdout


def test_reachable_slo_exits_0(seeded: Emulator, tmp_path: Path) -> None:
    result = load(seeded, "--pattern", "users/GetItem", "--users", "2", "--run-time", "2s",
                  "--workers", "0", "--slo", str(_slo(tmp_path)))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SLO met" in result.stdout
    # Titled by what ran: --pattern overrides the (default personas) mix.
    assert "patterns: users/GetItem, 2 users" in result.stdout
    assert "personas" not in result.stdout


def test_two_workers_report_into_one_table(seeded: Emulator, tmp_path: Path) -> None:
    report_path = tmp_path / "report.json"
    result = load(seeded, "--mix", "patterns", "--users", "4", "--run-time", "5s",
                  "--workers", "2", "--json", str(report_path), "--slo", str(_slo(tmp_path)))
    assert result.returncode == 0, result.stdout + result.stderr
    totals = json.loads(report_path.read_text())["totals"]
    assert len(totals["worker_requests"]) == 2
    assert all(n > 0 for n in totals["worker_requests"].values())
    assert sum(totals["worker_requests"].values()) == totals["requests"]


@pytest.mark.parametrize(("args", "phrase"), [
    (["--pattern", "bookings/no-such-index"], "unknown access pattern 'bookings/no-such-index'"),
    (["--run-time", "soon"], "--run-time expects a duration"),
    (["--find-max", "--step-time", "0s"], "--step-time must be positive, got '0s'"),
    (["--master-bind", "nohostport"], "--master-bind expects HOST:PORT"),
    (["--csv", "/dev/null/reports/run"], "--csv /dev/null/reports/run_: cannot create the "
     "folder /dev/null/reports"),
    (["--json", "/dev/null/r.json"], "--json /dev/null/r.json: cannot create the folder"),
    (["--find-max", "--web"], "--find-max runs headless steps: it does not go with --web"),
    (["--restore-after", "--endpoint-url", "https://dynamodb.us-east-1.amazonaws.com"],
     "named states (`ddbkit state`, `load --restore-after`) are the local emulator's, "
     "not AWS's"),
    (["--find-max", "--users", "8", "--max-users", "4"],
     "--users 8 (the first step) is above --max-users 4"),
    (["--price-table", "/nonexistent/prices.toml"],
     "/nonexistent/prices.toml: cannot read price table"),
    (["--pattern", "reviews/GetItem", "--count", "reviews=0"],
     "access pattern 'reviews/GetItem' draws keys from the reviews table, which the dataset "
     "leaves empty"),
])
def test_bad_input_is_one_line_exit_2(seeded: Emulator, args: list[str], phrase: str) -> None:
    result = load(seeded, "--workers", "0", "--run-time", "1s", *args)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert phrase in result.stderr and "Traceback" not in result.stderr


def test_malformed_slo_file_is_one_line_exit_2(seeded: Emulator, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[defaults\np99_ms = 5\n")
    result = load(seeded, "--workers", "0", "--run-time", "1s", "--slo", str(bad))
    assert result.returncode == 2
    assert result.stderr.startswith(f"ddbkit: error: {bad}: malformed SLO file")
    assert len(result.stderr.strip().splitlines()) == 1


def test_unreachable_endpoint_is_one_line_exit_2() -> None:
    result = subprocess.run([str(BIN / "ddbkit"), "load", "--endpoint-url", "http://127.0.0.1:9",
                             "--workers", "0", "--run-time", "1s"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr.strip().startswith("ddbkit: error: cannot reach http://127.0.0.1:9")
    assert len(result.stderr.strip().splitlines()) == 1


def test_html_and_csv_reports_are_written(seeded: Emulator, tmp_path: Path) -> None:
    result = load(seeded, "--pattern", "services/category-index", "--pattern", "services/GetItem",
                  "--users", "2", "--run-time", "2s", "--workers", "0",
                  "--html", str(tmp_path / "r.html"), "--csv", str(tmp_path / "run"),
                  "--slo", str(_slo(tmp_path)))
    assert result.returncode == 0, result.stderr
    html = (tmp_path / "r.html").read_text()
    assert "services/category-index" in html
    assert "services/category-index" in (tmp_path / "run_stats.csv").read_text()
    with (tmp_path / "run_patterns.csv").open(newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert {r["name"] for r in rows} == {"services/category-index", "services/GetItem"}
    assert all("None" not in r.values() for r in rows), rows
    assert [r["index"] for r in rows if r["operation"] == "GetItem"] == [""]
    assert all(float(r["hit_rate"]) > 0 for r in rows)
    with (tmp_path / "run_capacity.csv").open(newline="") as stream:
        costs = {r["name"]: r for r in csv.DictReader(stream)}
    assert set(costs) == {"services/category-index", "services/GetItem"}
    assert float(costs["services/GetItem"]["read_units_per_request"]) == 0.5
    assert float(costs["services/GetItem"]["cost_per_million_requests"]) > 0
    heat = (tmp_path / "run_heat.csv").read_text()
    assert "services/category-index" in heat and "percent_of_limit" in heat
    assert "services/category-index" in (tmp_path / "run_targets.csv").read_text()
    page = (tmp_path / "r.html").read_text()
    assert "<svg" in page and 'data-label="services/category-index"' in page
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page)  # nothing fetched
    assert "<script" not in page and "<link" not in page


def test_locust_html_report_names_the_endpoint_and_has_charts(seeded: Emulator,
                                                              tmp_path: Path) -> None:
    result = load(seeded, "--pattern", "users/GetItem", "--users", "2", "--run-time", "2s",
                  "--workers", "0", "--locust-html", str(tmp_path / "r.html"),
                  "--slo", str(_slo(tmp_path)))
    assert result.returncode == 0, result.stderr
    page = _template_args((tmp_path / "r.html").read_text())
    assert page["host"] == seeded.endpoint_url
    assert page["locustfile"] == "ddbkit load: patterns: users/GetItem"
    assert page["history"], "the charts' data points"
    assert all("current_rps" in point and "user_count" in point for point in page["history"])


def _template_args(html: str) -> dict[str, Any]:
    """The data Locust's report page renders from (a JSON object in a script)."""
    marker = "templateArgs = "
    data, _ = json.JSONDecoder().raw_decode(html, html.index(marker) + len(marker))
    return dict(data)


def test_find_max_with_one_step_finds_no_knee_and_exits_0(seeded: Emulator,
                                                          tmp_path: Path) -> None:
    result = load(seeded, "--find-max", "--pattern", "providers/GetItem", "--users", "1",
                  "--max-users", "1", "--step-time", "1s", "--workers", "0",
                  "--json", str(tmp_path / "knee.json"), "--slo", str(_slo(tmp_path)))
    assert result.returncode == 0, result.stdout + result.stderr
    knee = json.loads((tmp_path / "knee.json").read_text())
    # The shape docs/load-tests.md documents.
    assert set(knee) == {"mix", "patterns", "step_seconds", "max_users", "steps", "knee",
                         "best", "reached_max_users", "interrupted", "verdict"}
    assert set(knee["steps"][0]) == {"users", "seconds", "requests", "rps", "p50_ms", "p99_ms",
                                     "failures", "throttles", "breaches", "interrupted"}
    assert [s["users"] for s in knee["steps"]] == [1] and knee["knee"] is None
    assert knee["best"]["rps"] == knee["steps"][0]["rps"] > 0
    assert knee["reached_max_users"] is True
    assert "no knee found up to 1 users (best within the SLO: " in result.stdout
    assert "raise --max-users" in result.stdout


def test_find_max_exits_1_only_when_no_step_met_the_slo(seeded: Emulator,
                                                       tmp_path: Path) -> None:
    result = load(seeded, "--find-max", "--pattern", "providers/GetItem", "--users", "1",
                  "--max-users", "4", "--step-time", "1s", "--workers", "0",
                  "--json", str(tmp_path / "knee.json"), "--slo", str(_slo(tmp_path, 0.001)))
    assert result.returncode == 1, result.stdout + result.stderr
    knee = json.loads((tmp_path / "knee.json").read_text())
    assert len(knee["steps"]) == 1 and knee["best"] is None
    assert knee["knee"]["users"] == 1 and knee["reached_max_users"] is False
    assert "knee at 1 users" in result.stdout and "no step met the SLO" in result.stdout


def test_restore_after_undoes_the_runs_writes_and_csv_makes_its_folder(
        seeded: Emulator, tmp_path: Path) -> None:
    from ddbkit.emulator.connect.admin_client import AdminClient

    users_table = f"marketplace-{STAGE}-users-table"
    before = len(scan_all(seeded.client(), users_table))
    prefix = tmp_path / "not" / "yet" / "run"
    result = load(seeded, "--pattern", "flow/sign-up", "--users", "2", "--run-time", "2s",
                  "--workers", "0", "--restore-after", "--csv", str(prefix),
                  "--slo", str(_slo(tmp_path)))
    assert result.returncode == 0, result.stdout + result.stderr
    line = next(x for x in result.stdout.splitlines() if x.startswith("restored the tables"))
    assert re.fullmatch(r"restored the tables as they were before the load \(\d+ items\); "
                        r"[\d,]+ write requests undone", line), line
    assert int(line.split("; ")[1].split()[0].replace(",", "")) > 0  # sign-ups were written
    assert len(scan_all(seeded.client(), users_table)) == before
    assert AdminClient(seeded.endpoint_url).call("ListStates")["States"] == []
    assert (tmp_path / "not" / "yet" / "run_patterns.csv").exists()
    assert "their items stay" not in result.stdout


def test_remote_worker_joins_a_master_it_was_told_about(seeded: Emulator, tmp_path: Path) -> None:
    """The multi-host form, on loopback: the master waits, `ddbkit load-worker` joins."""
    common = ["--endpoint-url", seeded.endpoint_url, "--stage", STAGE, "--anchor", ANCHOR,
              "--pattern", "services/GetItem"]
    master = subprocess.Popen(
        [str(BIN / "ddbkit"), "load", *common, "--workers", "0", "--remote-workers", "1",
         "--master-bind", "127.0.0.1:0", "--users", "2", "--run-time", "2s",
         "--json", str(tmp_path / "r.json"), "--slo", str(_slo(tmp_path))],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert master.stdout is not None
    line = master.stdout.readline()
    assert line.startswith("waiting for 1 remote workers on port "), line
    port = line.split()[-1]
    worker = subprocess.Popen([str(BIN / "ddbkit"), "load-worker", "--master",
                               f"127.0.0.1:{port}", *common],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        master.wait(timeout=120)
    finally:
        worker.wait(timeout=60)
    assert master.returncode == 0, master.stderr.read() if master.stderr else ""
    totals = json.loads((tmp_path / "r.json").read_text())["totals"]
    assert len(totals["worker_requests"]) == 1 and totals["requests"] > 0


def worker(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "ddbkit"), "load-worker", *args], capture_output=True,
                          text=True, timeout=120)


def test_load_worker_says_what_it_waits_for_and_gives_up(seeded: Emulator) -> None:
    with socket.socket() as closed:  # bound, never listening: connections are refused
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
        result = worker("--master", f"127.0.0.1:{port}", "--connect-timeout", "1",
                        "--endpoint-url", seeded.endpoint_url, "--stage", STAGE,
                        "--anchor", ANCHOR, "--pattern", "users/GetItem")
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines() == [
        f"ddbkit: load-worker waiting for the master at 127.0.0.1:{port} (up to 1 s; Ctrl-C "
        "to stop) ...",
        f"ddbkit: error: no load master listening at 127.0.0.1:{port} after 1 s (is `ddbkit "
        f"load --remote-workers N --master-bind HOST:{port}` running?)"]


@pytest.mark.parametrize("master", ["nohostport", "host:", ":5557", "host:99999"])
def test_load_worker_checks_host_port(master: str) -> None:
    result = worker("--master", master, "--endpoint-url", "http://127.0.0.1:9")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"ddbkit: error: --master expects HOST:PORT (port 1-65535), got {master!r}"]


def test_remote_worker_leaving_ends_the_run_instead_of_idling(seeded: Emulator,
                                                                 tmp_path: Path) -> None:
    common = ["--pattern", "services/GetItem"]
    master = start_load(seeded, *common, "--workers", "0", "--remote-workers", "1",
                        "--users", "2", "--run-time", "10m", "--json", str(tmp_path / "r.json"),
                        "--slo", str(_slo(tmp_path)))
    worker = None
    try:
        lines = Lines(master)
        port = lines.wait_for("waiting for 1 remote workers on port ").split()[-1]
        worker = subprocess.Popen(
            [str(BIN / "ddbkit"), "load-worker", "--master", f"127.0.0.1:{port}",
             "--endpoint-url", seeded.endpoint_url, "--stage", STAGE, "--anchor", ANCHOR,
             *common], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        lines.wait_for("running patterns: services/GetItem")
        time.sleep(2)  # some traffic; the assertions do not depend on how much
        worker.send_signal(signal.SIGINT)  # the worker leaves its master
        master.wait(timeout=60)  # not 10 minutes
    finally:
        for process in (master, worker):
            if process is not None and process.poll() is None:
                process.kill()
    stderr = master.stderr.read() if master.stderr else ""
    assert master.returncode == 2, stderr
    assert stderr.strip().splitlines()[-1].startswith("ddbkit: error: every load worker left "
                                                     "after "), stderr
    assert json.loads((tmp_path / "r.json").read_text())["totals"]["requests"] > 0


def test_web_ui_on_a_busy_port_is_one_line_exit_2(seeded: Emulator) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = load(seeded, "--web", "--web-port", str(port), "--workers", "0")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"ddbkit: error: the web UI cannot listen on 127.0.0.1:{port}: "
        "Address already in use (pick another --web-port, or 0 for a free one)"]


@pytest.mark.parametrize(("stage", "args", "phrase"), [
    ("empty", [], "seed 42, scale 1, anchor 2025-12-04"),  # tables made, nothing seeded
    (STAGE, ["--seed", "7"], "seed 7, scale 1, anchor 2025-12-04"),  # other ids
    (STAGE, ["--anchor", "2025-06-01"], "seed 42, scale 1, anchor 2025-06-01"),  # other dates
])
def test_tables_without_the_dataset_stop_the_run_in_one_line(
        seeded: Emulator, stage: str, args: list[str], phrase: str) -> None:
    provision(seeded.client(), stage)  # the tables, empty for a new stage (idempotent)
    result = load(seeded, "--mix", "personas", "--users", "2", "--run-time", "30s",
                  "--workers", "0", *args, stage=stage)
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ddbkit: error: the tables at "), lines
    assert "do not hold the dataset the load draws keys from" in lines[0]
    assert f"({phrase})" in lines[0]
    assert f"ddbkit seed --endpoint-url {seeded.endpoint_url} --stage {stage} " in lines[0]
    assert "running " not in result.stdout  # no traffic was sent


@pytest.fixture(scope="module")
def sparse() -> Iterator[Emulator]:
    """Bookings hold only the keys the data check samples: the check passes, and most
    bookings the load picks are missing, so every update of one fails its condition."""
    config = EmulatorConfig(server=ServerConfig(port=0), stage="sparse", ttl_interval=0)
    items, _ = generate_items(DatasetOptions(anchor=date.fromisoformat(ANCHOR)))
    with Emulator(config) as emulator:
        samples = KeyPool(items).samples("bookings", SAMPLES)
        seed_endpoint(emulator.client(), {"bookings": samples}, "sparse", show_progress=False)
        yield emulator


def test_failures_are_reported_once_per_kind_with_hit_rates(sparse: Emulator,
                                                            tmp_path: Path) -> None:
    result = load(sparse, "--pattern", "flow/update-booking-status", "--pattern",
                  "bookings/GetItem", "--users", "2", "--run-time", "3s", "--workers", "0",
                  "--json", str(tmp_path / "r.json"), "--slo", str(_slo(tmp_path)),
                  stage="sparse")
    assert result.returncode == 1, result.stdout + result.stderr  # the error rate breaches
    assert "Traceback" not in result.stderr and len(result.stderr.splitlines()) < 5
    report = json.loads((tmp_path / "r.json").read_text())
    rows = {r["name"]: r for r in report["patterns"]}
    failures = rows["flow/update-booking-status"]["failures"]
    assert failures > 10
    assert report["errors"] == [{
        "pattern": "flow/update-booking-status", "count": failures,
        "error": "UpdateItem ConditionalCheckFailedException: The conditional request failed"}]
    line = (f"{failures} x flow/update-booking-status: UpdateItem "
            "ConditionalCheckFailedException: The conditional request failed")
    assert [li.strip() for li in result.stdout.splitlines() if "x flow/" in li] == [line]
    assert 0 < rows["bookings/GetItem"]["hit_rate"] < 0.5  # 5 of 100-odd bookings exist
    assert rows["bookings/GetItem"]["failures"] == 0


@pytest.mark.parametrize("workers", ["0", "2"])
def test_ctrl_c_writes_the_partial_report_and_exits_130(seeded: Emulator, tmp_path: Path,
                                                        workers: str) -> None:
    report_path = tmp_path / "r.json"
    process = start_load(seeded, "--pattern", "users/GetItem", "--users", "2",
                         "--run-time", "10m", "--workers", workers, "--json", str(report_path),
                         "--html", str(tmp_path / "r.html"), "--csv", str(tmp_path / "run"),
                         "--slo", str(_slo(tmp_path)), "--restore-after")
    lines = Lines(process)
    try:
        lines.wait_for("running patterns: users/GetItem")
        children = psutil.Process(process.pid).children(recursive=True)
        assert len(children) >= int(workers)
        time.sleep(3)  # let traffic flow; the assertions below do not depend on how much
        os.killpg(process.pid, signal.SIGINT)  # as a terminal's Ctrl-C: the whole group
        process.wait(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    stderr = process.stderr.read() if process.stderr else ""
    assert process.returncode == 130, stderr
    assert stderr.strip().splitlines() == [
        f"ddbkit: error: load interrupted by Ctrl-C; the partial report went to "
        f"{report_path}, {tmp_path / 'r.html'}, {tmp_path / 'run'}_*.csv"]
    report = json.loads(report_path.read_text())
    assert report["interrupted"] is True and report["totals"]["requests"] > 0
    assert (tmp_path / "r.html").exists() and (tmp_path / "run_patterns.csv").exists()
    _, alive = psutil.wait_procs(children, timeout=30)
    assert alive == [], "no worker outlives its master"
    # --restore-after put the state back after Ctrl-C too (GetItems only: nothing undone).
    assert lines.wait_for("restored the tables as they were before the load").endswith(
        "; 0 write requests undone\n")


def test_web_ui_serves_the_run_and_writes_the_report_on_ctrl_c(seeded: Emulator,
                                                               tmp_path: Path) -> None:
    slo = tmp_path / "slo.toml"
    slo.write_text("[defaults]\np99_ms = 10000\nmax_error_rate = 1\n")
    process = start_load(seeded, "--web", "--web-port", "0", "--workers", "0", "--users", "3",
                         "--json", str(tmp_path / "web" / "r.json"), "--slo", str(slo))
    try:
        lines = Lines(process)
        url = lines.wait_for("Locust web UI on http://127.0.0.1:").split()[4]
        with urllib.request.urlopen(url, timeout=30) as response:
            status, page = response.status, response.read().decode()
        swarm = urllib.request.Request(url.rstrip("/") + "/swarm", method="POST",
                                       data=b"user_count=2&spawn_rate=2")
        with urllib.request.urlopen(swarm, timeout=30) as response:
            assert response.status == 200
        time.sleep(3)  # some traffic; the assertions do not depend on how much
        os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert status == 200
    assert seeded.endpoint_url in page and "ddbkit load: personas mix" in page
    assert process.returncode == 0, process.stderr.read() if process.stderr else ""
    assert process.stderr is not None and process.stderr.read() == ""
    report = json.loads((tmp_path / "web" / "r.json").read_text())
    assert report["totals"]["requests"] > 0 and report["totals"]["users"] == 2
    assert report["interrupted"] is False and report["slo"]["passed"] is True

"""`ddbkit load --otel`: a short run's metrics reach an OTLP/HTTP receiver (a stand-in for
an OpenTelemetry collector, on a loopback port of the test's), Locust's request durations
and the report's per-pattern figures alike."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
)
from seeded_emulators import seeded_emulator

from ddbkit.emulator.runtime import Emulator

pytestmark = pytest.mark.slow  # a real Locust run

BIN = Path(sys.executable).parent
STAGE = "otel"
ANCHOR = "2025-12-04"


class Receiver(ThreadingHTTPServer):
    """Records the body of every POST to /v1/metrics; answers 200 to everything."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.metrics: list[bytes] = []
        self.paths: list[str] = []


class _Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.paths.append(self.path)
        if self.path == "/v1/metrics":
            self.server.metrics.append(body)
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def seeded() -> Iterator[Emulator]:
    with seeded_emulator(STAGE, ANCHOR) as emulator:
        yield emulator


def _points(bodies: list[bytes]) -> dict[str, list[Any]]:
    """{metric name: its data points}, over every export the receiver got."""
    found: dict[str, list[Any]] = {}
    for body in bodies:
        request = ExportMetricsServiceRequest()
        request.ParseFromString(body)
        for resource in request.resource_metrics:
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    kind = metric.WhichOneof("data")
                    found.setdefault(metric.name, []).extend(getattr(metric, kind).data_points)
    return found


def _attributes(point: Any) -> dict[str, str]:
    return {a.key: a.value.string_value for a in point.attributes}


def test_otel_exports_locust_durations_and_the_report_per_pattern(
        seeded: Emulator, receiver: Receiver) -> None:
    environment = {**os.environ, "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
                   "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{receiver.server_port}",
                   "OTEL_TRACES_EXPORTER": "none", "OTEL_LOGS_EXPORTER": "none",
                   "OTEL_METRIC_EXPORT_INTERVAL": "1000", "NO_PROXY": "127.0.0.1"}
    done = subprocess.run(
        [str(BIN / "ddbkit"), "load", "--endpoint-url", seeded.endpoint_url, "--stage", STAGE,
         "--anchor", ANCHOR, "--pattern", "users/GetItem", "--users", "2",
         "--run-time", "3s", "--workers", "0", "--otel"],
        capture_output=True, text=True, timeout=180, env=environment)
    assert done.returncode in (0, 1), done.stderr  # 1: the SLO, which is not the point here
    points = _points(receiver.metrics)
    assert set(receiver.paths) == {"/v1/metrics"}
    durations = points["locust.client.duration"]
    assert sum(p.count for p in durations) > 0
    requests = {_attributes(p)["pattern"]: p.as_int for p in points["ddbkit.load.requests"]}
    assert list(requests) == ["users/GetItem"] and requests["users/GetItem"] > 0
    units = {_attributes(p)["kind"]: p.as_double for p in points["ddbkit.load.request_units"]}
    assert units["read"] > 0 and units["write"] == 0
    assert "ddbkit.load.cost_per_million_requests_usd" in points
    assert [_attributes(p) for p in points["ddbkit.load.throttles"]] == [
        {"pattern": "users/GetItem"}]

"""`ddbkit load --otel`: Locust's own OpenTelemetry instrumentation (what `locust --otel`
turns on: request durations, the users gauge, traces and logs, configured by the standard
`OTEL_*` environment variables), plus the report's per-pattern figures (request units,
cost, throttles) as OpenTelemetry metrics of ddbkit's, so a dashboard shows cost per access
pattern next to latency (docs/metrics.md).

The packages come with the `otel` extra (`pip install 'ddbkit[otel]'`, the same ones as
`locust[otel]`); without them --otel stops before the run in one line.
"""

from __future__ import annotations

import importlib.util
from typing import Any

from ddbkit.emulator.errors import ConfigError

INSTALL = "pip install 'ddbkit[otel]'"
# What Locust's setup imports for the default OTLP exporters (gRPC, or HTTP with
# OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf) and ddbkit's own figures.
_NEEDED = ("locust.opentelemetry", "opentelemetry.sdk.metrics",
           "opentelemetry.exporter.otlp.proto.http", "opentelemetry.exporter.otlp.proto.grpc")
METER = "ddbkit.load"


def check_installed() -> None:
    """One line naming the install when OpenTelemetry's packages are missing."""
    for module in _NEEDED:
        try:
            found = importlib.util.find_spec(module) is not None
        except ImportError:  # a parent package is missing
            found = False
        if not found:
            raise ConfigError(f"--otel needs OpenTelemetry's SDK and OTLP exporters "
                              f"({module} is not installed): {INSTALL}")


def start(locustfile: str) -> Any:
    """Locust's OpenTelemetry setup, as `locust --otel` runs it; returns the events its
    listeners hang on (Locust's global ones), for the Environment to use."""
    import locust
    from locust.opentelemetry import setup_opentelemetry

    setup_opentelemetry(locustfile, None)
    return locust.events


def export_report(result: dict[str, Any]) -> None:
    """The report's per-pattern figures as OpenTelemetry metrics, then everything recorded
    pushed to the exporters (the run is over: nothing waits for the next interval)."""
    from opentelemetry import metrics

    meter = metrics.get_meter(METER)
    requests = meter.create_counter("ddbkit.load.requests", unit="{request}",
                                    description="Requests the load run sent, per pattern")
    units = meter.create_counter("ddbkit.load.request_units", unit="{unit}",
                                 description="Read and write request units the responses' "
                                 "ConsumedCapacity reported, per pattern")
    throttles = meter.create_counter("ddbkit.load.throttles", unit="{request}",
                                     description="Throttled requests, per pattern")
    cost = meter.create_gauge("ddbkit.load.cost_per_million_requests_usd",
                              description="On-demand cost of a million requests of the "
                              "pattern, at the price table's prices")
    monthly = meter.create_gauge("ddbkit.load.cost_per_month_usd",
                                 description="On-demand cost of a month at the measured "
                                 "rate, per pattern")
    for pattern in result["capacity"]["patterns"]:
        name = {"pattern": pattern["name"]}
        requests.add(pattern["requests"], name)
        units.add(pattern["read_units"], {**name, "kind": "read"})
        units.add(pattern["write_units"], {**name, "kind": "write"})
        throttles.add(pattern["throttles"], name)
        cost.set(pattern["cost_per_million_requests"], name)
        monthly.set(pattern["cost_per_month"], name)
    flush()


def flush() -> None:
    """Exports what was recorded now and stops the exporters (Locust's and ours)."""
    from opentelemetry import metrics, trace

    for provider in (metrics.get_meter_provider(), trace.get_tracer_provider()):
        shutdown = getattr(provider, "shutdown", None)  # the API's no-op providers have none
        if shutdown is not None:
            shutdown()

"""Collectors of ddbkit's own: each scrape reads figures the emulator already keeps
current (no pass over the items), under the store lock so no request moves them meanwhile."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from ddbkit.emulator.metrics.buckets import REQUEST_BOUNDS, cumulative
from ddbkit.emulator.metrics.counts import RequestCounts
from ddbkit.emulator.store import stream_shards
from ddbkit.emulator.store.catalog import catalog
from ddbkit.emulator.store.table_description import counted
from ddbkit.emulator.store.tables import ACTIVE


def _latency(requests: dict[tuple[str, str, str], list[float]]) -> HistogramMetricFamily:
    """The requests' latency per operation, from RequestCounts' rows (buckets, then sum)."""
    per_operation: dict[str, list[float]] = {}
    for (operation, _, _), row in requests.items():
        total = per_operation.get(operation)
        if total is None:
            per_operation[operation] = list(row)
        else:
            for n, value in enumerate(row):
                total[n] += value
    family = HistogramMetricFamily("ddbkit_request_seconds", "Seconds the endpoint spent "
                                   "answering a request, by operation", labels=["operation"])
    for operation, row in per_operation.items():
        family.add_metric([operation], cumulative(REQUEST_BOUNDS, row[:-1]), row[-1])
    return family


def _counter(name: str, documentation: str, labels: list[str],
             values: Mapping[Any, float]) -> CounterMetricFamily:
    """A counter family of `values` (label values -> count), copied first: requests go on."""
    family = CounterMetricFamily(name, documentation, labels=labels)
    for label_values, value in list(values.items()):
        family.add_metric(label_values, value)
    return family


class RequestCollector(Collector):
    """Requests, latency, consumed capacity, throttles and faults (`counts`)."""

    def __init__(self, counts: RequestCounts) -> None:
        self.counts = counts

    def collect(self) -> Iterator[Metric]:
        counts = self.counts
        requests = CounterMetricFamily(
            "ddbkit_requests", "Requests answered, by operation, table and outcome (ok or the "
            "error type)", labels=["operation", "table", "outcome"])
        rows = dict(counts.requests)
        for labels, row in rows.items():
            requests.add_metric(labels, sum(row[:-1]))
        yield requests
        yield _latency(rows)
        yield _counter("ddbkit_consumed_capacity_units", "Capacity units consumed (the "
                       "figures ConsumedCapacity answers), by table, index ('' for the table) "
                       "and kind", ["table", "index", "kind"], counts.capacity)
        yield _counter("ddbkit_throttled_requests", "Requests the throughput model refused, "
                       "by table and ThrottlingReason", ["table", "reason"], counts.throttled)
        yield _counter("ddbkit_injected_faults", "Faults the fault plan injected, by "
                       "operation and type (an error type, or latency)", ["operation", "type"],
                       counts.faults)


class TableCollector(Collector):
    """Items, bytes and stream records per table, from the figures every write keeps current
    (`store.table_description`: counted once, at a table's first describe or restore)."""

    def __init__(self, account_id: str, region: str) -> None:
        self.account_id, self.region = account_id, region

    def collect(self) -> Iterator[Metric]:
        items = GaugeMetricFamily("ddbkit_table_items", "Items in the table",
                                  labels=["table"])
        size = GaugeMetricFamily("ddbkit_table_bytes", "The table's size in bytes, as "
                                 "DescribeTable's TableSizeBytes", labels=["table"])
        records = GaugeMetricFamily("ddbkit_stream_records", "Stream records the table's "
                                    "stream holds (the last 24 hours)", labels=["table"])
        held = catalog(self.account_id, self.region)
        for name, table in list(held.tables.items()):
            if table.status != ACTIVE:  # a restore still filling it counts it when done
                continue
            figures = counted(table)
            items.add_metric([name], figures.count)
            size.add_metric([name], figures.size)
            shard = stream_shards.of(table)
            if shard is not None:
                records.add_metric([name], len(shard))
        yield from (items, size, records)
        yield CounterMetricFamily("ddbkit_restores_failed", "Restores (from a backup, to a "
                                  "point in time) whose new table was dropped: its history "
                                  "or backup could not be read, or the journal refused it",
                                  value=held.restores_failed)


class DurabilityCollector(Collector):
    """The journal and snapshots of the data dir, when the emulator keeps one."""

    def __init__(self, durability: Callable[[], Any]) -> None:
        self.durability = durability  # the current `durability.service.Durability`, or None

    def collect(self) -> Iterator[Metric]:
        durability = self.durability()
        if durability is None or durability.journal is None:
            return
        yield GaugeMetricFamily("ddbkit_journal_bytes", "Journal bytes since the last "
                                "snapshot", value=durability.journal_bytes)
        yield GaugeMetricFamily("ddbkit_snapshot_bytes", "Size of the last snapshot",
                                value=durability.snapshot_bytes)
        if durability.snapshot_at is not None:
            yield GaugeMetricFamily("ddbkit_seconds_since_snapshot", "Seconds since the "
                                    "last snapshot was written",
                                    value=max(0.0, time.time() - durability.snapshot_at))
        fsyncs = durability.journal.fsync_seconds
        family = HistogramMetricFamily("ddbkit_fsync_seconds", "Seconds each fsync of the "
                                       "journal took")
        family.add_metric([], fsyncs.cumulative(), fsyncs.sum)
        yield family


class TriggerCollector(Collector):
    """Each stream trigger's lag: records written to its table's stream it has not settled
    (delivered, or given up on) yet."""

    def __init__(self, account_id: str, region: str,
                 pollers: Callable[[], Sequence[Any]]) -> None:
        self.account_id, self.region, self.pollers = account_id, region, pollers

    def collect(self) -> Iterator[Metric]:
        pollers = list(self.pollers())
        if not pollers:
            return
        lag = GaugeMetricFamily("ddbkit_trigger_lag_records", "Stream records not yet "
                                "delivered to the trigger", labels=["trigger"])
        delivered = CounterMetricFamily("ddbkit_trigger_delivered_records", "Stream records "
                                        "the trigger delivered", labels=["trigger"])
        tables = catalog(self.account_id, self.region).tables
        for poller in pollers:
            table = tables.get(poller.table_name)
            shard = None if table is None else stream_shards.of(table)
            behind = 0 if shard is None else poller.behind(shard.shard_id, shard.start,
                                                           shard.last_sequence)
            lag.add_metric([poller.config.name], behind)
            delivered.add_metric([poller.config.name], poller.delivered)
        yield from (lag, delivered)

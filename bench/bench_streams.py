"""Streams and TTL benchmark: a trigger under a steady write rate, and one TTL sweep.

1. For each rate in --rates: a fresh emulator (server + one trigger, trivial handler, BatchSize
   100, as `ddbkit up --trigger` runs them) in this process, and writer processes sending
   PutItem on a fixed schedule (write n at start + n / rate) for --seconds. Prints the write
   rate reached, the trigger's delivery rate while the writers ran, the largest lag in records
   (written - delivered, sampled every 50 ms), the time to drain after the last write, and the
   end-to-end delay (write sent -> handler sees the record) p50/p99/max. With
   --without-trigger each rate first runs with no trigger: the write rate the server reaches
   alone on this machine, the ceiling for the run with one.
2. --backlog N: N records already on the stream, then a trigger started: its delivery rate
   with no writer competing for the CPU (the trigger's own ceiling).
3. Loads M idempotency items, half expired, and times one TTL sweep over them.

    .venv/bin/python bench/bench_streams.py [--rates 1000,2000] [--seconds 30] [--writers 2]
        [--without-trigger] [--backlog 30000] [--ttl-items 50000]

The writers use a raw keep-alive HTTP client (as bench_endpoint.py does): boto3 costs more CPU
per request than the server, and on a small machine it would be the writer that falls behind.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import tempfile
import time
from pathlib import Path
from typing import Any

from ddbkit.emulator.endpoint.server import ServerConfig
from ddbkit.emulator.runtime import Emulator, EmulatorConfig
from ddbkit.emulator.streams.triggers import TriggerConfig, TriggerPoller
from ddbkit.emulator.ttl import TtlReaper
from ddbkit.fixtures.seed import seed_endpoint

AUTH = "AWS4-HMAC-SHA256 Credential=bench/20250101/us-east-1/dynamodb/aws4_request, " \
       "SignedHeaders=host, Signature=0"
# Trivial work per record; one line per batch so the bench can read delays and batch sizes.
HANDLER = '''
import time
def handler(event, context):
    now = time.time()
    delays = [now - float(r["dynamodb"]["NewImage"]["writtenAt"]["N"]) for r in event["Records"]]
    with open(OUT, "a") as out:
        out.write(" ".join(f"{d:.4f}" for d in delays) + "\\n")
'''


def booking(n: int, written_at: float | None = None) -> dict[str, dict[str, str]]:
    item = {"bookingId": {"S": f"b{n:07d}"}, "status": {"S": "PENDING"},
            "providerId": {"S": f"p{n % 50}"}, "customerId": {"S": f"c{n % 500}"},
            "scheduledDate": {"S": "2025-12-10T10:00:00Z"},
            "createdAt": {"S": "2025-12-01T10:00:00Z"}}
    if written_at is not None:
        item["writtenAt"] = {"N": f"{written_at:.6f}"}
    return item


def write_at_rate(port: int, table: str, rate: float, total: int, first: int, step: int,
                  start_at: float, written: Any) -> None:
    """Writer process: PutItem n (n = first, first + step, ...) at start_at + n / rate."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"X-Amz-Target": "DynamoDB_20120810.PutItem", "Authorization": AUTH,
               "Content-Type": "application/x-amz-json-1.0"}
    for n in range(first, total, step):
        pause = start_at + n / rate - time.time()
        if pause > 0:
            time.sleep(pause)
        body = json.dumps({"TableName": table, "Item": booking(n, time.time())})
        conn.request("POST", "/", body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"PutItem -> {response.status}")
        with written.get_lock():
            written.value += 1


def trigger_under_load(rate: float, seconds: float, writers: int, with_trigger: bool) -> None:
    total = int(rate * seconds)
    # moto keeps one store per process: tables of their own for each run
    stage = f"bench{rate:.0f}{'t' if with_trigger else 'w'}"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "delays.txt"
        (Path(tmp) / "bench_handler.py").write_text(f"OUT = {str(out)!r}\n" + HANDLER)
        trigger = TriggerConfig(table="bookings", handler="bench_handler:handler",
                                code_paths=(tmp,))
        config = EmulatorConfig(server=ServerConfig(port=0), stage=stage, ttl_interval=0,
                                triggers=(trigger,) if with_trigger else (),
                                state_dir=Path(tmp))
        with Emulator(config) as emulator:
            poller = emulator.pollers[0] if with_trigger else _NoTrigger()
            context = multiprocessing.get_context("spawn")
            written = context.Value("q", 0)
            start_at = time.time() + 1.0  # writers start together, after they have spawned
            procs = [context.Process(target=write_at_rate, daemon=True, args=(
                emulator.server.port, f"marketplace-{stage}-bookings-table", rate, total, k,
                writers, start_at, written)) for k in range(writers)]
            for proc in procs:
                proc.start()
            max_lag = 0
            while any(p.is_alive() for p in procs):
                max_lag = max(max_lag, written.value - poller.delivered)
                time.sleep(0.05)
            ended = time.time()
            delivered_while_writing = poller.delivered
            deadline = time.monotonic() + max(60.0, 2 * seconds)
            while poller.delivered < written.value and time.monotonic() < deadline:
                max_lag = max(max_lag, written.value - poller.delivered)
                time.sleep(0.05)
            drained = time.time() - ended
        if not with_trigger:
            print(f"no trigger @ {rate:.0f} writes/s for {seconds:g} s: wrote {written.value}/"
                  f"{total} ({written.value / (ended - start_at):.0f}/s)")
            return
        _report(rate, seconds, total, written.value, ended - start_at,
                delivered_while_writing, poller.delivered, max_lag, drained, out)


class _NoTrigger:
    """Stands in for the poller when only the server's write rate is measured."""

    delivered = 2**62  # never behind


def _report(rate: float, seconds: float, total: int, written: int, took: float,
            while_writing: int, delivered: int, max_lag: int, drained: float,
            out: Path) -> None:
    lines = out.read_text().splitlines() if out.exists() else []
    delays = sorted(float(d) for line in lines for d in line.split())
    batch = len(delays) / len(lines) if lines else 0.0

    def pct(p: float) -> float:
        return delays[min(len(delays) - 1, int(p * len(delays)))] * 1000 if delays else 0.0

    print(f"trigger @ {rate:.0f} writes/s for {seconds:g} s: wrote {written}/{total} "
          f"({written / took:.0f}/s); delivered {while_writing / took:.0f} records/s while "
          f"writing, {delivered} in all, drained {drained:.2f} s after the last write; "
          f"max lag {max_lag} records; delay p50 {pct(0.50):.0f} ms, p99 {pct(0.99):.0f} ms, "
          f"max {pct(1.0):.0f} ms; mean batch {batch:.1f}")


def backlog(count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "noop.py").write_text("def handler(event, context):\n    return None\n")
        trigger = TriggerConfig(table="bookings", handler="noop:handler", code_paths=(tmp,))
        config = EmulatorConfig(server=ServerConfig(port=0), stage="benchbacklog",
                                ttl_interval=0, state_dir=Path(tmp))
        with Emulator(config) as emulator:
            table = "marketplace-benchbacklog-bookings-table"
            seed_endpoint(emulator.client(), {"bookings": [booking(n) for n in range(count)]},
                          "benchbacklog", show_progress=False)
            poller = TriggerPoller(trigger, emulator.client(),
                                   emulator.client("dynamodbstreams"), table, Path(tmp),
                                   env=emulator.client_environment())
            poller.handler.start()  # the child's start-up is not delivery time
            started = time.perf_counter()
            poller.start()
            deadline = time.monotonic() + 600
            while poller.delivered < count and time.monotonic() < deadline:
                time.sleep(0.01)
            took = time.perf_counter() - started
            poller.stop()
        print(f"backlog: {poller.delivered}/{count} records delivered in {took:.2f} s "
              f"({poller.delivered / took:.0f} records/s, no-op handler, BatchSize 100)")


def ttl_sweep(ttl_items: int) -> None:
    config = EmulatorConfig(server=ServerConfig(port=0), stage="benchttl", ttl_interval=0)
    with Emulator(config) as emulator:
        now = int(time.time())
        items = [{"idempotencyKey": {"S": f"k{n}"}, "result": {"S": "{}"},
                  "ttl": {"N": str(now - 60 if n % 2 else now + 3600)}}
                 for n in range(ttl_items)]
        seed_endpoint(emulator.client(), {"idempotency": items}, "benchttl",
                      show_progress=False)
        reaper = TtlReaper(config.server.account_id, config.server.region)
        started = time.perf_counter()
        deleted = reaper.run_once()["marketplace-benchttl-idempotency-table"]
        swept = time.perf_counter() - started
        print(f"ttl: one sweep over {ttl_items} items deleted {deleted} in "
              f"{swept:.2f} s ({ttl_items / swept:.0f} items checked/s)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rates", default="1000,2000", help="writes/s, comma-separated")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--writers", type=int, default=2, help="writer processes")
    parser.add_argument("--without-trigger", action="store_true",
                        help="also run each rate with no trigger: the server's own write rate")
    parser.add_argument("--backlog", type=int, default=0, help="records; 0 skips it")
    parser.add_argument("--ttl-items", type=int, default=50_000, help="0 skips the TTL sweep")
    args = parser.parse_args()
    for rate in (float(r) for r in args.rates.split(",") if r):
        if args.without_trigger:
            trigger_under_load(rate, args.seconds, args.writers, with_trigger=False)
        trigger_under_load(rate, args.seconds, args.writers, with_trigger=True)
    if args.backlog:
        backlog(args.backlog)
    if args.ttl_items:
        ttl_sweep(args.ttl_items)


if __name__ == "__main__":
    main()

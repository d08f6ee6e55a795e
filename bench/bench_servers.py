"""Server benchmark: ddbkit vs stock moto vs dynalite, same data, same raw keep-alive client.

Starts the three DynamoDB-compatible servers on 127.0.0.1 (each in its own process), loads
the same bookings items into each at every --sizes step (incrementally: each server is loaded
once), and prints p50/p99 latency and ops/s per operation and size: GetItem, PutItem, Query on
providerBookings-index and status-index (Limit 20), Query on the base table, and a one-Put
TransactWriteItems (dynalite has no transactions: "failed"). Then each server process's peak
RSS (VmHWM) while loading and while measuring at each size. Stock moto needs minutes at 100k
items, so each op's sampling stops after --max-seconds-per-op (the n column says how many).
dynalite (Node, in-memory) is installed with npm into --dynalite-dir on first use; without
npm it is skipped. Numbers, not a pass/fail.

    .venv/bin/python bench/bench_servers.py [--sizes 1000,10000,100000] [--requests 200]
                                            [--max-seconds-per-op 20] [--ops GetItem,...]
                                            [--servers moto,ddbkit,dynalite] [--durable]
                                            [--baseline OTHER_VENV/bin/python]
"""

from __future__ import annotations

import argparse
import math
import random
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _servers import SERVER_NAMES, Server, start_servers

from ddbkit.emulator.spec import get_table
from ddbkit.emulator.tables.schema import create_table_request

STAGE = "bench"
BOOKINGS = get_table("bookings")
TABLE = BOOKINGS.name(STAGE)
STATUSES = ("COMPLETED",) * 6 + ("CONFIRMED", "CONFIRMED", "PENDING", "CANCELLED")
YEAR_START, YEAR_SECONDS = 1735689600, 365 * 86400  # 2025-01-01T00:00:00Z
WINDOW_DAYS, WARMUP = 60, 3


def iso(seconds: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def booking(i: int) -> dict[str, Any]:
    # A multiplicative hash spreads dates over the year independently of provider and status.
    scheduled = YEAR_START + (i * 2654435761) % YEAR_SECONDS
    return {"bookingId": {"S": f"b{i:06d}"}, "customerId": {"S": f"c{i % 997}"},
            "providerId": {"S": f"p{i % 211}"}, "status": {"S": STATUSES[i % len(STATUSES)]},
            "scheduledDate": {"S": iso(scheduled)},
            "createdAt": {"S": iso(scheduled - 86400 * (1 + i % 30))},
            "totalPrice": {"N": f"{50 + i % 450}.{i % 100:02d}"}}


def load(server: Server, start: int, stop: int) -> None:
    for first in range(start, stop, 25):
        pending = {TABLE: [{"PutRequest": {"Item": booking(i)}}
                           for i in range(first, min(first + 25, stop))]}
        for attempt in range(20):
            pending = server.call("BatchWriteItem", {"RequestItems": pending}) \
                .get("UnprocessedItems") or {}
            if not pending:
                break
            time.sleep(min(1.0, 0.01 * 2 ** attempt))
        else:
            raise RuntimeError(f"{server.name}: items still unprocessed after 20 retries")


def provider_query(k: int) -> tuple[str, dict[str, Any]]:
    start = YEAR_START + (k * 86400) % (YEAR_SECONDS - WINDOW_DAYS * 86400)
    return "Query", {
        "TableName": TABLE, "IndexName": "providerBookings-index", "Limit": 20,
        "KeyConditionExpression": "providerId = :p AND scheduledDate BETWEEN :a AND :b",
        "ExpressionAttributeValues": {":p": {"S": f"p{k % 211}"}, ":a": {"S": iso(start)},
                                      ":b": {"S": iso(start + WINDOW_DAYS * 86400)}}}


OPS: dict[str, Callable[[int], tuple[str, dict[str, Any]]]] = {
    "GetItem": lambda k: ("GetItem", {"TableName": TABLE,
                                      "Key": {"bookingId": {"S": f"b{k:06d}"}}}),
    "PutItem": lambda k: ("PutItem", {"TableName": TABLE, "Item": booking(k)}),
    "Q-provider": provider_query,
    "Q-status": lambda k: ("Query", {
        "TableName": TABLE, "IndexName": "status-index", "Limit": 20,
        "KeyConditionExpression": "#s = :s", "ExpressionAttributeNames": {"#s": "status"},
        "ExpressionAttributeValues": {":s": {"S": "COMPLETED"}}}),
    "Q-base": lambda k: ("Query", {
        "TableName": TABLE, "KeyConditionExpression": "bookingId = :b",
        "ExpressionAttributeValues": {":b": {"S": f"b{k:06d}"}}}),
    # Overwrites an existing booking, as PutItem does, so the table keeps its size.
    "TransactPut": lambda k: ("TransactWriteItems", {
        "TransactItems": [{"Put": {"TableName": TABLE, "Item": booking(k)}}]}),
}


def percentile(ordered: list[float], q: float) -> float:
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


Stats = tuple[float, float, float, int] | str


def measure(server: Server, op: Callable[[int], tuple[str, dict[str, Any]]],
            keys: list[int], budget: float) -> Stats:
    """(p50 ms, p99 ms, ops/s, samples), or the error the warm-up got (dynalite lacks
    transactions); sampling stops once `budget` seconds have passed."""
    start = time.perf_counter()
    try:
        for k in keys[:WARMUP]:
            server.call(*op(k))
            if time.perf_counter() - start > budget:  # stock moto: seconds per call at 100k
                break
    except RuntimeError as error:
        return str(error)
    samples: list[float] = []
    start = time.perf_counter()
    for k in keys[WARMUP:]:
        t = time.perf_counter()
        server.call(*op(k))
        samples.append((time.perf_counter() - t) * 1000)
        if time.perf_counter() - start > budget:
            break
    elapsed = time.perf_counter() - start
    samples.sort()
    return percentile(samples, 0.5), percentile(samples, 0.99), len(samples) / elapsed, \
        len(samples)


def header(names: list[str]) -> str:
    cells = [f"{'items':>7} {'op':<11}"]
    cells += [f"{n + ' p50':>13} {'p99':>8} {'ops/s':>7} {'n':>4}" for n in names]
    if {"moto", "ddbkit"} <= set(names):
        cells.append(f"{'moto/ddbkit':>11}")
    if {"ddbkit", "dynalite"} <= set(names):
        cells.append(f"{'ddbkit/dyn':>10}")
    if {"ddbkit-baseline", "dynalite"} <= set(names):
        cells.append(f"{'base/dyn':>10}")
    return " | ".join(cells)


def row(size: int, op: str, stats: dict[str, Stats]) -> str:
    cells = [f"{size:>7} {op:<11}"]
    cells += [f"{'failed':>35}" if isinstance(s, str) else
              f"{s[0]:>13.3f} {s[1]:>8.3f} {s[2]:>7.{0 if s[2] >= 10 else 2}f} {s[3]:>4}"
              for s in stats.values()]
    for slow, fast, width, digits in (("moto", "ddbkit", 10, 1), ("ddbkit", "dynalite", 9, 2),
                                      ("ddbkit-baseline", "dynalite", 9, 2)):
        if slow in stats and fast in stats:
            a, b = stats[slow], stats[fast]
            cells.append(f"{a[0] / b[0]:>{width}.{digits}f}x" if isinstance(a, tuple)
                         and isinstance(b, tuple) else f"{'-':>{width + 1}}")
    return " | ".join(cells)


def load_all(servers: list[Server], start: int, stop: int) -> dict[str, float]:
    """Loads items start..stop into every server; returns each one's peak RSS while loading."""
    for server in servers:
        server.reset_peak_rss()
        started = time.perf_counter()
        load(server, start, stop)
        print(f"  {server.name}: loaded items {start}..{stop} in "
              f"{time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    return {s.name: s.peak_rss_mb() for s in servers}


def measure_all(servers: list[Server], size: int, args: argparse.Namespace,
                failures: dict[str, str]) -> dict[str, float]:
    """Prints one row per op; returns each server's peak RSS while measuring."""
    for server in servers:
        server.reset_peak_rss()
    for index, (name, op) in enumerate(OPS.items()):
        if name not in args.ops:
            continue
        rng = random.Random(size * 100 + index)  # the same keys for every server
        keys = [rng.randrange(size) for _ in range(args.requests + WARMUP)]
        # Servers take turns op by op, so drift on the machine touches them alike.
        stats = {s.name: measure(s, op, keys, args.max_seconds_per_op) for s in servers}
        print(row(size, name, stats), flush=True)
        failures.update({f"{s} {name}": e for s, e in stats.items() if isinstance(e, str)})
    return {s.name: s.peak_rss_mb() for s in servers}


def run(servers: list[Server], args: argparse.Namespace) -> None:
    rss: list[str] = []
    failures: dict[str, str] = {}
    print(header([s.name for s in servers]), flush=True)
    for start, size in zip([0, *args.sizes], args.sizes, strict=False):
        peaks = (load_all(servers, start, size), measure_all(servers, size, args, failures))
        rss += [f"peak RSS (VmHWM, MB) {what} {size} items: " + ", ".join(
            f"{name} {mb:.0f}" for name, mb in peak.items())
            for what, peak in zip(("while loading up to", "while measuring at"), peaks,
                                  strict=True)]
    print("\nlatency in ms; n = samples taken (fewer than --requests when --max-seconds-per-op "
          "ran out);\nmoto/ddbkit = moto p50 / ddbkit p50 (how many times faster ddbkit is); "
          "ddbkit/dyn = ddbkit p50 / dynalite p50 (base/dyn: --baseline's)")
    for what, error in failures.items():
        print(f"{what} failed: {error}")
    print("\n".join(rss))
    print("(each peak is reset before its phase, but starts from what the process still holds: "
          "stock moto deep-copies\nthe table on every TransactWriteItems and its RSS keeps "
          "growing; --ops without TransactPut avoids it)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000",
                        type=lambda s: sorted(int(x) for x in s.split(",")))
    parser.add_argument("--requests", type=int, default=200, help="samples per op and size")
    parser.add_argument("--max-seconds-per-op", type=float, default=20.0)
    parser.add_argument("--ops", default=",".join(OPS), type=lambda s: s.split(","),
                        help="comma-separated subset of: %(default)s")
    parser.add_argument("--servers", default="moto,ddbkit,dynalite",
                        type=lambda s: s.split(","), help="comma-separated subset of: %(default)s")
    parser.add_argument("--dynalite-dir", type=Path,
                        default=Path.home() / ".cache" / "ddbkit-bench" / "dynalite")
    parser.add_argument("--durable", action="store_true",
                        help="ddbkit with a data dir (in a temporary folder), as `ddbkit up` runs "
                             "by default; without it, --in-memory")
    parser.add_argument("--baseline", metavar="PYTHON",
                        help="also run the ddbkit installed in this python's environment (an "
                             "older release), as ddbkit-baseline")
    args = parser.parse_args()
    if unknown := set(args.ops) - set(OPS):
        parser.error(f"unknown --ops {', '.join(sorted(unknown))}; known: {', '.join(OPS)}")
    if unknown := set(args.servers) - set(SERVER_NAMES):
        parser.error(f"unknown --servers {', '.join(sorted(unknown))}; "
                     f"known: {', '.join(SERVER_NAMES)}")
    # SIGTERM unwinds like Ctrl-C so the finally below still stops every server.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    servers: list[Server] = []
    with tempfile.TemporaryDirectory(prefix="ddbkit-bench-") as scratch:
        try:
            start_servers(STAGE, create_table_request(BOOKINGS, STAGE), args.dynalite_dir,
                          servers, args.servers, Path(scratch) if args.durable else None,
                          args.baseline)
            run(servers, args)
        finally:
            for server in servers:
                server.stop()


if __name__ == "__main__":
    main()

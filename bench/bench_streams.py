"""Streams and TTL benchmark: trigger delivery rate and TTL sweep time.

1. Writes N bookings and times a local trigger (no-op handler, BatchSize 100) delivering them.
2. Loads M idempotency items, half expired, and times one TTL sweep over them.

    .venv/bin/python bench/bench_streams.py [--bookings 2000] [--ttl-items 50000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from ddbkit.emulator.endpoint.server import ServerConfig
from ddbkit.emulator.runtime import Emulator, EmulatorConfig
from ddbkit.emulator.streams.triggers import TriggerConfig
from ddbkit.emulator.ttl import TtlReaper
from ddbkit.fixtures.loader import load_items


def booking(n: int) -> dict[str, dict[str, str]]:
    return {"bookingId": {"S": f"b{n:07d}"}, "status": {"S": "PENDING"},
            "providerId": {"S": f"p{n % 50}"}, "customerId": {"S": f"c{n % 500}"},
            "scheduledDate": {"S": "2025-12-10T10:00:00Z"},
            "createdAt": {"S": "2025-12-01T10:00:00Z"}}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bookings", type=int, default=2000)
    parser.add_argument("--ttl-items", type=int, default=50_000)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "noop.py").write_text("def handler(event, context):\n    return None\n")
        trigger = TriggerConfig(table="bookings", handler="noop:handler", code_paths=(tmp,))
        config = EmulatorConfig(server=ServerConfig(port=0), stage="bench", ttl_interval=0,
                                triggers=(trigger,), state_dir=Path(tmp))
        with Emulator(config) as emulator:
            client = emulator.client()
            started = time.perf_counter()
            load_items(client, {"bookings": [booking(n) for n in range(args.bookings)]},
                       "bench")
            written = time.perf_counter() - started
            poller = emulator.pollers[0]
            while poller.delivered < args.bookings:
                time.sleep(0.01)
            delivered = time.perf_counter() - started
            print(f"trigger: {args.bookings} records written in {written:.2f} s, all delivered "
                  f"after {delivered:.2f} s ({args.bookings / delivered:.0f} records/s end to end)")

            now = int(time.time())
            items = [{"idempotencyKey": {"S": f"k{n}"}, "result": {"S": "{}"},
                      "ttl": {"N": str(now - 60 if n % 2 else now + 3600)}}
                     for n in range(args.ttl_items)]
            load_items(client, {"idempotency": items}, "bench")
            reaper = TtlReaper(config.server.account_id, config.server.region)
            started = time.perf_counter()
            deleted = reaper.run_once()["marketplace-bench-idempotency-table"]
            swept = time.perf_counter() - started
            print(f"ttl: one sweep over {args.ttl_items} items deleted {deleted} in "
                  f"{swept:.2f} s ({args.ttl_items / swept:.0f} items checked/s)")


if __name__ == "__main__":
    main()

"""What /metrics' counting costs a request: the WSGI app with it (`app(environ)`, as served)
and without it (`Uncounted`: the same app, its routing included, with the counting step left
out), in-process, on the same requests.

Rounds alternate between the two so drift (frequency scaling, other processes) falls on
both; prints the fastest round's ns per request of each and their difference (the
counting's cost), first around an operation that answers at once (the counting alone,
free of the operation's own noise), then around real GetItem and PutItem calls, and the
scrape's time at the table's size. Numbers, not a pass/fail.

    .venv/bin/python bench/bench_metrics.py [--items 100000] [--requests 20000] [--rounds 7]
"""

from __future__ import annotations

import argparse
import io
import json
import time
from collections.abc import Callable
from typing import Any

from bench_servers import BOOKINGS, STAGE, TABLE, booking

from ddbkit.emulator.endpoint import gc_pauses
from ddbkit.emulator.endpoint.app import DynamoDBApp
from ddbkit.emulator.endpoint.protocol import PARAMS_KEY
from ddbkit.emulator.spec import ACCOUNT_ID, REGION
from ddbkit.emulator.tables.schema import create_table_request

Wsgi = Callable[[dict[str, Any], Any], Any]


def _environ(operation: str, params: dict[str, Any]) -> dict[str, Any]:
    body = json.dumps(params).encode()
    return {"REQUEST_METHOD": "POST", "PATH_INFO": "/", "QUERY_STRING": "",
            "CONTENT_TYPE": "application/x-amz-json-1.0", "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body), "HTTP_X_AMZ_TARGET": f"DynamoDB_20120810.{operation}"}


class Canned(DynamoDBApp):
    """The endpoint with an operation that answers at once: what remains is the counting."""

    def _api(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        environ[PARAMS_KEY] = {"TableName": TABLE}
        return [b'{"Item": {}}']


class Uncounted(DynamoDBApp):
    """The same endpoint, routing included, with the counting step left out: the baseline.
    (The store is per account and region, so it serves the same tables.)"""

    def _counted(self, environ: dict[str, Any], start_response: Any) -> Any:
        return self._api(environ, start_response)


class CannedUncounted(Uncounted, Canned):
    pass


def _ignore(status: str, headers: Any) -> None:
    pass


def _call(app: Wsgi, operation: str, params: dict[str, Any]) -> bytes:
    return b"".join(app(_environ(operation, params), _ignore))


def _ns_per_request(app: Wsgi, requests: list[tuple[str, dict[str, Any]]]) -> float:
    environs = [_environ(op, params) for op, params in requests]  # made outside the timing
    # As the server does every 10 s (endpoint/gc_pauses.py): else the first allocation that
    # tips a collection pays for walking the store and these environs, and the counting's
    # key tuple is what tips it around a canned answer that allocates nothing.
    gc_pauses.freeze_survivors()
    started = time.perf_counter_ns()
    for environ in environs:
        app(environ, _ignore)
    return (time.perf_counter_ns() - started) / len(environs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    app = DynamoDBApp(REGION, ACCOUNT_ID)
    _call(app, "CreateTable", create_table_request(BOOKINGS, STAGE))
    for first in range(0, args.items, 25):
        _call(app, "BatchWriteItem", {"RequestItems": {TABLE: [
            {"PutRequest": {"Item": booking(i)}}
            for i in range(first, min(first + 25, args.items))]}})
    def key(n: int) -> dict[str, Any]:
        return {"bookingId": booking((n * 7919) % args.items)["bookingId"]}

    plain_app, plain_canned = Uncounted(REGION, ACCOUNT_ID), CannedUncounted(REGION, ACCOUNT_ID)
    mixes = {
        "counting alone": (Canned(REGION, ACCOUNT_ID), [("GetItem", {})] * args.requests),
        "GetItem": (app, [("GetItem", {"TableName": TABLE, "Key": key(n)})
                          for n in range(args.requests)]),
        "GetItem+TOTAL": (app, [("GetItem", {"TableName": TABLE, "Key": key(n),
                                             "ReturnConsumedCapacity": "TOTAL"})
                                for n in range(args.requests)]),
        "PutItem+TOTAL": (app, [("PutItem", {"TableName": TABLE, "Item": booking(n % 500),
                                             "ReturnConsumedCapacity": "TOTAL"})
                                for n in range(args.requests)]),
    }
    assert b"Item" in _call(app, "GetItem", {"TableName": TABLE, "Key": key(1)})
    print(f"{args.items} items, {args.requests} requests a round, {args.rounds} rounds")
    print(f"{'mix':<15} {'uncounted ns':>12} {'counted ns':>11} {'counting ns':>12}")
    for name, (app, requests) in mixes.items():
        plain, counted = [], []
        baseline = plain_canned if isinstance(app, Canned) else plain_app
        _ns_per_request(app, requests)  # warm-up: new label rows, caches
        for _ in range(args.rounds):
            plain.append(_ns_per_request(baseline, requests))
            counted.append(_ns_per_request(app, requests))
        # The fastest round of each: on a shared machine the others measure its neighbours.
        before, after = min(plain), min(counted)
        print(f"{name:<15} {before:>12.0f} {after:>11.0f} {after - before:>12.0f}")
    # This machine's speed, to read the numbers above by: one tuple-keyed dict lookup and one
    # clock read (typically ~35 ns and ~40 ns on an idle x86 laptop).
    rows, key = {("GetItem", TABLE, "ok"): 0}, ("GetItem", TABLE, "ok")
    calls = range(args.requests)
    started = time.perf_counter_ns()
    for _ in calls:
        rows.get(key)
    lookup = (time.perf_counter_ns() - started) / args.requests
    started = time.perf_counter_ns()
    for _ in calls:
        time.perf_counter()
    clock = (time.perf_counter_ns() - started) / args.requests
    print(f"calibration: dict lookup {lookup:.0f} ns, perf_counter() {clock:.0f} ns")
    started = time.perf_counter()
    body, _ = mixes["GetItem"][0].metrics.exposition("")
    print(f"scrape: {(time.perf_counter() - started) * 1000:.2f} ms, {len(body)} bytes")


if __name__ == "__main__":
    main()

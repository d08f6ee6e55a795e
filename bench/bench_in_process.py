"""In-process benchmark: what each request costs inside the emulator, without HTTP or a client.

Calls ddbkit's WSGI app directly (validation, moto and every extension, as the server does)
on the bookings table at each --sizes step, with bench_servers.py's operations and items, and
prints the mean microseconds per request and how many full garbage collections ran meanwhile
(each one walks every object of the store: at 100k items, a pause of a good part of a second,
spread over the mean). Use it to see the emulator's own share of a round
trip; bench_servers.py gives the whole round trip. Numbers, not a pass/fail.

    .venv/bin/python bench/bench_in_process.py [--sizes 1000,100000] [--requests 2000]
                                               [--ops GetItem,PutItem,...]
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import time
from typing import Any

from bench_servers import BOOKINGS, OPS, STAGE, TABLE, booking

from ddbkit.emulator.endpoint.app import DynamoDBApp
from ddbkit.emulator.spec import ACCOUNT_ID, REGION
from ddbkit.emulator.tables.schema import create_table_request

AUTH = "AWS4-HMAC-SHA256 Credential=bench/20250101/us-east-1/dynamodb/aws4_request, " \
       "SignedHeaders=host, Signature=0"


class InProcess:
    def __init__(self) -> None:
        self.app = DynamoDBApp(REGION, ACCOUNT_ID)

    def call(self, operation: str, params: dict[str, Any]) -> Any:
        body = json.dumps(params).encode()
        environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/", "QUERY_STRING": "",
                   "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "0", "wsgi.url_scheme": "http",
                   "CONTENT_TYPE": "application/x-amz-json-1.0",
                   "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body),
                   "HTTP_X_AMZ_TARGET": f"DynamoDB_20120810.{operation}",
                   "HTTP_AUTHORIZATION": AUTH}
        status: list[str] = []
        answer = b"".join(self.app(environ, lambda s, h: status.append(s)))
        if not status[0].startswith("200"):
            raise RuntimeError(f"{operation} -> {status[0]}: {answer[:200]!r}")
        return json.loads(answer)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,100000",
                        type=lambda s: sorted(int(x) for x in s.split(",")))
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--ops", default=",".join(OPS), type=lambda s: s.split(","),
                        help="comma-separated subset of: %(default)s")
    args = parser.parse_args()
    if unknown := set(args.ops) - set(OPS):
        parser.error(f"unknown --ops {', '.join(sorted(unknown))}; known: {', '.join(OPS)}")
    emulator = InProcess()
    emulator.call("CreateTable", create_table_request(BOOKINGS, STAGE))
    loaded = 0
    print(f"{'items':>7} {'op':<11} {'us/request':>10} {'full GCs':>8}")
    for size in args.sizes:
        for first in range(loaded, size, 25):
            emulator.call("BatchWriteItem", {"RequestItems": {TABLE: [
                {"PutRequest": {"Item": booking(i)}}
                for i in range(first, min(first + 25, size))]}})
        loaded = size
        for name in args.ops:
            keys = [(k * 7919) % size for k in range(args.requests)]
            for k in keys[:50]:  # warm-up
                emulator.call(*OPS[name](k))
            collections = gc.get_stats()[2]["collections"]
            started = time.perf_counter()
            for k in keys:
                emulator.call(*OPS[name](k))
            elapsed = time.perf_counter() - started
            full = gc.get_stats()[2]["collections"] - collections
            print(f"{size:>7} {name:<11} {elapsed / len(keys) * 1e6:>10.0f} {full:>8}",
                  flush=True)


if __name__ == "__main__":
    main()

"""Request-path benchmark: ddbkit's endpoint vs stock `moto_server`, same raw keep-alive client.

Prints p50/p99 latency and ops/s for GetItem, PutItem and UpdateItem on the bookings table
(1,000 items),
plus the time `ddbkit up` takes to become ready. Numbers, not a pass/fail.

    .venv/bin/python bench/bench_endpoint.py [--requests 2000]
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import time
from collections.abc import Callable

from moto.moto_server.threaded_moto_server import ThreadedMotoServer

from ddbkit.emulator.endpoint.server import ServerConfig
from ddbkit.emulator.process import EmulatorProcess
from ddbkit.emulator.runtime import Emulator, EmulatorConfig
from ddbkit.emulator.spec import get_table
from ddbkit.emulator.tables.schema import create_table_request

AUTH = "AWS4-HMAC-SHA256 Credential=bench/20250101/us-east-1/dynamodb/aws4_request, " \
       "SignedHeaders=host, Signature=0"
TABLE = get_table("bookings").name()


def call(conn: http.client.HTTPConnection, operation: str, body: dict[str, object]) -> None:
    conn.request("POST", "/", body=json.dumps(body), headers={
        "X-Amz-Target": f"DynamoDB_20120810.{operation}", "Authorization": AUTH,
        "Content-Type": "application/x-amz-json-1.0"})
    response = conn.getresponse()
    response.read()
    if response.status != 200:
        raise RuntimeError(f"{operation} -> {response.status}")


def item(i: int) -> dict[str, object]:
    return {"bookingId": {"S": f"b{i:06d}"}, "customerId": {"S": f"c{i % 97}"},
            "providerId": {"S": f"p{i % 13}"}, "status": {"S": "CONFIRMED"},
            "scheduledDate": {"S": f"2025-12-{i % 28 + 1:02d}"},
            "createdAt": {"S": f"2025-11-{i % 28 + 1:02d}T10:00:00Z"}}


def measure(conn: http.client.HTTPConnection, n: int,
            op: Callable[[int], None]) -> tuple[float, float, float]:
    samples = []
    start = time.perf_counter()
    for i in range(n):
        t = time.perf_counter()
        op(i)
        samples.append((time.perf_counter() - t) * 1000)
    elapsed = time.perf_counter() - start
    quantiles = statistics.quantiles(samples, n=100)
    return quantiles[49], quantiles[98], n / elapsed


def run(port: int, n: int, label: str, create: bool) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port)
    if create:
        call(conn, "CreateTable", create_table_request(get_table("bookings")))
    for i in range(1000):
        call(conn, "PutItem", {"TableName": TABLE, "Item": item(i)})
    get = measure(conn, n, lambda i: call(conn, "GetItem", {
        "TableName": TABLE, "Key": {"bookingId": {"S": f"b{i % 1000:06d}"}}}))
    put = measure(conn, n, lambda i: call(conn, "PutItem", {"TableName": TABLE,
                                                            "Item": item(i % 1000)}))
    update = measure(conn, n, lambda i: call(conn, "UpdateItem", {
        "TableName": TABLE, "Key": {"bookingId": {"S": f"b{i % 1000:06d}"}},
        "UpdateExpression": "SET #s = :s, visits = if_not_exists(visits, :z) + :one",
        "ExpressionAttributeNames": {"#s": "status"},
        "ExpressionAttributeValues": {":s": {"S": "DONE"}, ":z": {"N": "0"},
                                      ":one": {"N": "1"}}}))
    for name, (p50, p99, ops) in (("GetItem", get), ("PutItem", put), ("UpdateItem", update)):
        print(f"{label:<14} {name:<10} p50 {p50:7.3f} ms   p99 {p99:7.3f} ms   {ops:8.0f} ops/s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    n = parser.parse_args().requests

    started = time.perf_counter()
    with EmulatorProcess("--stage", "bench", "--in-memory"):
        ready = time.perf_counter() - started
    print(f"ddbkit up: ready (server + six tables provisioned) in {ready:.2f} s")

    with Emulator(EmulatorConfig(server=ServerConfig(port=0))) as emulator:
        run(emulator.server.port, n, "ddbkit", create=False)
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    try:
        run(moto.get_host_and_port()[1], n, "stock moto", create=True)
    finally:
        moto.stop()


if __name__ == "__main__":
    main()

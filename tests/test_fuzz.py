"""Fuzz the endpoint: hostile input gets DynamoDB's answers, never a crash or a lost item.

A seeded, bounded run (fuzz_requests.py makes the requests) against a real server on port 0,
on a stage of its own: random bytes, random JSON, model-driven mutations of valid requests
(botocore's shapes for DynamoDB and DynamoDB Streams) and malformed HTTP over a raw socket,
plus a fixed list of malformed HTTP. It asserts:
- no HTTP 500, and every answer is JSON (an error in DynamoDB's format, `__type` + `message`);
- no answer names a Python exception (KeyError, StopIteration, ...) or carries a traceback,
  and none is the app's last-resort answer to a crash (each one is a gap to close);
- a request with a binary value where an S or N key goes (and no mutation) is refused, a
  type mismatch worded as DynamoDB words it;
- the server answers afterwards, and every item written before the fuzz is intact, in its
  table and in every index it belongs to.

A longer, random hunt: DDBKIT_FUZZ_REQUESTS=20000 DDBKIT_FUZZ_SEED=$RANDOM pytest tests/test_fuzz.py
"""

from __future__ import annotations

import builtins
import collections
import decimal
import http.client
import json
import os
import re
import socket
import time
from typing import Any

import pytest
from fuzz_requests import SEED_PREFIX, RequestFuzzer, StageTables, Target

from ddbkit.emulator.endpoint.protocol import ERROR_NAMESPACE
from ddbkit.emulator.runtime import Emulator
from ddbkit.emulator.spec import TABLES, TableSpec

REQUESTS = int(os.environ.get("DDBKIT_FUZZ_REQUESTS", "3000"))
SEED = int(os.environ.get("DDBKIT_FUZZ_SEED", "20250612"))
SEED_ITEMS_PER_TABLE = 6


def _exception_names() -> set[str]:
    found: set[str] = set()
    todo = [BaseException]
    while todo:
        cls = todo.pop()
        found.add(cls.__name__)
        todo.extend(cls.__subclasses__())
    builtin = {n for n in found if isinstance(getattr(builtins, n, None), type)}
    decimals = {n for n in dir(decimal) if isinstance(getattr(decimal, n), type)
                and issubclass(getattr(decimal, n), ArithmeticError)}
    return builtin | decimals | {"JSONDecodeError"}


# A Python exception's name as a word, or the "Name: message" shape str(exc) reports.
_NAMES = "|".join(sorted(_exception_names() - {"Exception", "Warning"}))
LEAK = re.compile(rf"\b(?:{_NAMES})\b|Traceback \(most recent|\b[A-Z]\w*(?:Error|Exception): ")


# The app's last-resort answer to an exception it has no better answer for: every one the
# fuzz provokes is a crash still to fix at its cause.
FALLBACK = b"the emulator could not process this"


class Connection:
    """One keep-alive connection, reopened when the server closes it."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def send(self, target: Target, body: bytes) -> tuple[int, bytes]:
        for attempt in (1, 2):
            try:
                self.conn.request("POST", "/", body=body, headers={
                    "X-Amz-Target": target.header, "Content-Type": "application/x-amz-json-1.0"})
                response = self.conn.getresponse()
                return response.status, response.read()
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def problems(status: int, body: bytes) -> list[str]:
    """What is wrong with one answer (nothing, for a well-formed one)."""
    found = []
    if status >= 500:
        found.append(f"HTTP {status}")
    try:
        answer = json.loads(body)
    except ValueError:
        return [*found, "not JSON"]
    if status >= 400 and not (isinstance(answer, dict) and
                              str(answer.get("__type", "")).startswith(ERROR_NAMESPACE) and
                              ("message" in answer or "Message" in answer)):
        found.append("not DynamoDB's error format")  # (transactions' reasons say "Message")
    if FALLBACK in body:
        found.append("a crash answered by the generic fallback")
    leak = LEAK.search(body.decode("utf-8", "replace"))
    if leak:
        found.append(f"names a Python exception ({leak.group(0)!r})")
    return found



def test_the_checkers_flag_what_they_exist_to_flag() -> None:
    """The fuzz tests pass when these find nothing: they must find what they look for."""
    error = ERROR_NAMESPACE + "ValidationException"
    assert problems(400, json.dumps({"__type": error, "message": "bad"}).encode()) == []
    assert problems(200, b'{"Items": [{"note": {"S": "KeyError in a value"}}]}') != []
    assert problems(500, json.dumps({"__type": error, "message": "x"}).encode()) == ["HTTP 500"]
    assert problems(400, b"<html>") == ["not JSON"]
    assert problems(400, b'{"message": "no type"}') == ["not DynamoDB's error format"]
    assert problems(400, json.dumps({"__type": error, "message": "KeyError: 'pk'"}).encode())
    assert problems(400, json.dumps({"__type": error, "message": "Traceback (most recent "
                                     "call last)"}).encode())
    assert problems(400, json.dumps({"__type": error,
                                     "message": FALLBACK.decode()}).encode())
    assert http_problems(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n") == []
    assert http_problems(b"HTTP/1.1 200 OK\r\n\r\n{}HTTP/1.1 500 Oops\r\n\r\n")
    assert http_problems(b"HTTP/1.1 400 Bad\r\nX: y\r\n\r\nStopIteration")

# -- seed data ----------------------------------------------------------------------------

def seed_items(spec: TableSpec, as_stored: bool = False) -> list[dict[str, Any]]:
    """The seed as written, or `as_stored`: as DynamoDB reads it back (`1e5` is `100000`)."""
    big = "100000" if as_stored else "1e5"
    items = []
    for n in range(SEED_ITEMS_PER_TABLE):
        item: dict[str, Any] = {}
        for attr, kind in spec.attributes.items():
            item[attr] = {"N": str(n * 10 + 1)} if kind == "N" else {"S": f"{SEED_PREFIX}{attr}-{n % 3}"}
        item[spec.primary.partition] = {"S": f"{SEED_PREFIX}{n}"}
        item["nested"] = {"M": {"l": {"L": [{"N": big}, {"BOOL": True}]}, "s": {"SS": ["a", "b"]}}}
        items.append(item)
    return items


def scan_all(client: Any, table: str, **kwargs: Any) -> list[dict[str, Any]]:
    pages = client.get_paginator("scan").paginate(TableName=table, **kwargs)
    return [item for page in pages for item in page["Items"]]


def normalised(items: list[dict[str, Any]], key: str) -> list[Any]:
    def canon(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: canon(v) for k, v in sorted(value.items())}
        if isinstance(value, list):
            return sorted((canon(v) for v in value), key=json.dumps) \
                if all(isinstance(v, str) for v in value) else [canon(v) for v in value]
        return value

    mine = [canon(i) for i in items if i[key].get("S", "").startswith(SEED_PREFIX)]
    return sorted(mine, key=lambda i: i[key]["S"])


def assert_seed_intact(client: Any, stage: str) -> None:
    for spec in TABLES:
        table = f"marketplace-{stage}-{spec.key}-table"
        expected = normalised(seed_items(spec, as_stored=True), spec.primary.partition)
        assert normalised(scan_all(client, table), spec.primary.partition) == expected, table
        for gsi in spec.gsis:
            # Every seed item has every index key, so each index holds all of them.
            in_index = scan_all(client, table, IndexName=gsi.name)
            assert normalised(in_index, spec.primary.partition) == expected, gsi.name
            partition = expected[0][gsi.key.partition]
            queried = client.query(TableName=table, IndexName=gsi.name,
                                   KeyConditionExpression="#p = :p",
                                   ExpressionAttributeNames={"#p": gsi.key.partition},
                                   ExpressionAttributeValues={":p": partition})["Items"]
            assert normalised(queried, spec.primary.partition) == [
                i for i in expected if i[gsi.key.partition] == partition], gsi.name


def stage_tables(emulator: Emulator) -> StageTables:
    client = emulator.client()
    stage = emulator.config.stage
    arn = client.describe_table(TableName=f"marketplace-{stage}-bookings-table")[
        "Table"]["LatestStreamArn"]
    streams = emulator.client("dynamodbstreams")
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    return StageTables(stage, arn, shard)


# -- the tests ----------------------------------------------------------------------------

def run_fuzz(emulator: Emulator, requests: int, seed: int) -> tuple[collections.Counter[str],
                                                                   list[str]]:
    fuzzer = RequestFuzzer(seed, stage_tables(emulator))
    connection = Connection(emulator.server.port)
    outcomes: collections.Counter[str] = collections.Counter()
    offenders: list[str] = []
    for n in range(requests):
        kind = fuzzer.rng.random()
        if kind < 0.02:
            raw = fuzzer.malformed_http()
            outcomes["raw HTTP"] += 1
            for found in http_problems(exchange(emulator.server.port, raw)):
                offenders.append(f"#{n} raw {raw[:200]!r}: {found}")
            continue
        target, body = (fuzzer.random_bytes() if kind < 0.12 else
                        fuzzer.random_json() if kind < 0.27 else fuzzer.model_request())
        status, answer = connection.send(target, body)
        error = json.loads(answer).get("__type", "").rpartition("#")[2] \
            if status >= 400 and answer.startswith(b"{") else ""
        outcomes[f"{status} {error}".strip()] += 1
        found = problems(status, answer)
        if kind >= 0.27 and fuzzer.binary_key and not fuzzer.mutated:
            found += binary_key_problems(status, answer, outcomes)
        if found:
            offenders.append(f"#{n} {target.header} {body[:300]!r} -> {status} "
                             f"{answer[:300]!r}: {', '.join(found)}")
    return outcomes, offenders


TYPE_MISMATCH = re.compile(r"One or more parameter values were invalid: Type mismatch for key "
                           r"\w+ expected: [SN] actual: B\Z")


def binary_key_problems(status: int, body: bytes,
                        outcomes: collections.Counter[str]) -> list[str]:
    """A binary value where an S or N key goes is refused; a type mismatch says so exactly."""
    if status == 200:
        return ["a binary value in an S or N key position was accepted"]
    message = str(json.loads(body).get("message", ""))
    if "Type mismatch for key" in message:
        outcomes["binary key: type mismatch"] += 1
        if not TYPE_MISMATCH.match(message):
            return [f"type mismatch worded {message!r}"]
    return []


def test_fuzzed_requests_get_dynamodb_answers_and_lose_no_data(
        fresh_emulator: Emulator) -> None:
    """About 5 s on 2 cores, so in the fast suite."""
    client = fresh_emulator.client()
    stage = fresh_emulator.config.stage
    for spec in TABLES:
        for item in seed_items(spec):
            client.put_item(TableName=f"marketplace-{stage}-{spec.key}-table", Item=item)
    assert_seed_intact(client, stage)

    started = time.perf_counter()
    outcomes, offenders = run_fuzz(fresh_emulator, REQUESTS, SEED)
    elapsed = time.perf_counter() - started
    print(f"\n{REQUESTS} fuzzed requests in {elapsed:.1f} s: {dict(outcomes.most_common())}")

    report = os.environ.get("DDBKIT_FUZZ_REPORT")  # a file for every bad answer of a hunt
    if report:
        with open(report, "w") as out:
            out.write("\n".join(offenders))
    assert offenders == [], f"{len(offenders)} bad answers:\n" + "\n".join(offenders[:20])
    assert client.list_tables()["TableNames"]  # still answering
    assert_seed_intact(client, stage)
    assert outcomes["200"] > REQUESTS // 10, outcomes  # the fuzz reached moto, not only checks
    assert outcomes["binary key: type mismatch"] > 0, outcomes  # binary keys reached the check


MALFORMED_HTTP = [
    b"\x00\x01\x02\r\n\r\n",
    b"GARBAGE\r\n\r\n",
    b"POST / HTTP/9.9\r\nContent-Length: 2\r\n\r\n{}",
    b"POST / HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
    b"POST / HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
    b"POST / HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
    b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
    b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
    b"POST / HTTP/1.1\r\nX-Amz-Target: DynamoDB_20120810.ListTables\r\nContent-Length: 2\r\n\r\n{}",
    b"POST / HTTP/1.1\r\nBad Header Line\r\n\r\n",
    b"POST / HTTP/1.1\r\nX-Amz-Target: \xff\xfe\r\nContent-Length: 2\r\n\r\n{}",
    b"POST /%%% HTTP/1.1\r\nX-Amz-Target: DynamoDB_20120810.ListTables\r\n\r\n",
    b"GET / HTTP/1.1\r\n" + b"X-Long: " + b"a" * 100_000 + b"\r\n\r\n",
    b"POST / HTTP/1.1\r\nX-Amz-Target: DynamoDB_20120810.GetItem\r\nContent-Length: 10\r\n\r\n{}",
]


def exchange(port: int, raw: bytes) -> bytes:
    """What the server answers to raw bytes before it closes or goes quiet."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        try:
            sock.sendall(raw)
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # the server closed first: an answer may still be waiting
        chunks = []
        sock.settimeout(2)
        try:
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        except (TimeoutError, ConnectionResetError):
            pass
        return b"".join(chunks)


def http_problems(answer: bytes) -> list[str]:
    """What is wrong with the responses to raw bytes: a 5xx or a Python exception's name."""
    found = []
    for response in re.split(rb"(?=HTTP/1\.[01] \d{3})", answer):
        status_line, _, rest = response.partition(b"\r\n")
        if re.match(rb"HTTP/1\.[01] 5", status_line):
            found.append(f"answered {status_line!r}")
        leak = LEAK.search(rest.partition(b"\r\n\r\n")[2].decode("utf-8", "replace"))
        if leak:
            found.append(f"names a Python exception ({leak.group(0)!r})")
    return found


@pytest.mark.parametrize("raw", MALFORMED_HTTP, ids=range(len(MALFORMED_HTTP)))
def test_malformed_http_gets_no_500(emulator: Emulator, raw: bytes) -> None:
    assert http_problems(exchange(emulator.server.port, raw)) == []
    conn = Connection(emulator.server.port)  # and the server still answers
    assert conn.send(Target("DynamoDB_20120810", "ListTables"), b"{}")[0] == 200

"""kill -9 under a write load loses nothing acknowledged and keeps nothing refused.

Several clients write concurrently to `ddbkit up --data-dir` in a child process (puts,
updates, deletes, transactions, batches, conditional writes, some refused, and contended
claims where exactly one client wins); the process is SIGKILLed at a seeded random moment,
restarted on the same dir, and the whole table is compared with what the clients were told.
A request whose answer never came (cut by the kill) may or may not have happened; everything
else must be exactly as acknowledged. Three rounds, each continuing from the restored state,
with a journal limit small enough that snapshots are taken (and interrupted) under the load.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import botocore.exceptions
import pytest

from ddbkit.emulator.connect.clients import make_client
from ddbkit.emulator.process import EmulatorProcess

pytestmark = pytest.mark.slow  # three load-kill-restart rounds

STAGE = "crash"
TABLE = f"marketplace-{STAGE}-bookings-table"
WORKERS = 4
KEYS_PER_WORKER = 40
CLAIMS = 60
REFUSED = ("ConditionalCheckFailedException", "TransactionCanceledException")
Item = dict[str, Any]
State = Item | None  # None: no item under the key


def booking(key: str, version: int, status: str = "PENDING", **extra: Any) -> Item:
    return {"bookingId": {"S": key}, "status": {"S": status}, "providerId": {"S": "p1"},
            "customerId": {"S": f"c{version % 7}"}, "scheduledDate": {"S": "2025-12-10T10:00Z"},
            "createdAt": {"S": "2025-12-01T10:00Z"}, "v": {"N": str(version)}, **extra}


@dataclass
class Model:
    """What the clients were told: the state of every key, and the in-doubt alternatives."""

    state: dict[str, State] = field(default_factory=dict)
    doubt: dict[str, list[State]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    acknowledged: int = 0
    refused: int = 0


class Worker(threading.Thread):
    def __init__(self, number: int, url: str, model: Model, seed: int,
                 stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.number, self.model, self.stop = number, model, stop
        self.rng = random.Random(seed)
        self.client = make_client(endpoint_url=url, max_attempts=1, connect_timeout=2,
                                  read_timeout=10)

    def key(self) -> str:
        return f"w{self.number}-{self.rng.randrange(KEYS_PER_WORKER)}"

    def run(self) -> None:
        ops: list[Callable[[], None]] = [self.put, self.update, self.delete, self.put_new,
                                         self.transact, self.batch, self.claim]
        while not self.stop.is_set():
            try:
                self.rng.choice(ops)()
            except _Cut:
                return

    def call(self, after: dict[str, State], operation: str, **request: Any) -> None:
        """Sends one request; `after` is every key's state if it succeeds."""
        with self.model.lock:
            before = {k: self.model.state.get(k) for k in after}
        try:
            getattr(self.client, operation)(**request)
        except botocore.exceptions.ClientError as exc:
            assert exc.response["Error"]["Code"] in REFUSED, exc
            with self.model.lock:
                self.model.refused += 1
            return
        except (botocore.exceptions.BotoCoreError, ConnectionError) as exc:
            with self.model.lock:  # cut by the kill: it may or may not have happened
                for k in after:
                    self.model.doubt[k] = [before[k], after[k]]
            raise _Cut() from exc
        with self.model.lock:
            self.model.state.update(after)
            self.model.acknowledged += 1

    def current(self, key: str) -> State:
        with self.model.lock:
            return self.model.state.get(key)

    def put(self) -> None:
        key = self.key()
        item = booking(key, self.rng.randrange(1000))
        self.call({key: item}, "put_item", TableName=TABLE, Item=item)

    def put_new(self) -> None:  # refused when the item exists
        key = self.key()
        item = booking(key, self.rng.randrange(1000), "CONFIRMED")
        self.call({key: item}, "put_item", TableName=TABLE, Item=item,
                  ConditionExpression="attribute_not_exists(bookingId)")

    def update(self) -> None:  # refused when the item does not exist
        key = self.key()
        old = self.current(key)
        new = None if old is None else {**old, "v": {"N": str(int(old["v"]["N"]) + 1)},
                                        "status": {"S": "COMPLETED"}}
        self.call({key: new}, "update_item", TableName=TABLE, Key={"bookingId": {"S": key}},
                  UpdateExpression="ADD v :one SET #s = :s",
                  ConditionExpression="attribute_exists(bookingId)",
                  ExpressionAttributeNames={"#s": "status"},
                  ExpressionAttributeValues={":one": {"N": "1"}, ":s": {"S": "COMPLETED"}})

    def delete(self) -> None:
        key = self.key()
        self.call({key: None}, "delete_item", TableName=TABLE, Key={"bookingId": {"S": key}})

    def transact(self) -> None:  # cancelled (all or nothing) when the checked item is absent
        put_key, update_key, check_key = self.key(), self.key(), self.key()
        if len({put_key, update_key, check_key}) < 3:
            return
        old = self.current(update_key)
        item = booking(put_key, self.rng.randrange(1000), "CANCELLED")
        updated = {**(old or {"bookingId": {"S": update_key}}),
                   "v": {"N": str(int(old["v"]["N"]) + 10 if old and "v" in old else 10)}}
        self.call({put_key: item, update_key: updated}, "transact_write_items", TransactItems=[
            {"Put": {"TableName": TABLE, "Item": item}},
            {"Update": {"TableName": TABLE, "Key": {"bookingId": {"S": update_key}},
                        "UpdateExpression": "ADD v :ten",
                        "ExpressionAttributeValues": {":ten": {"N": "10"}}}},
            {"ConditionCheck": {"TableName": TABLE, "Key": {"bookingId": {"S": check_key}},
                                "ConditionExpression": "attribute_exists(bookingId)"}}])

    def batch(self) -> None:
        keys = list(dict.fromkeys(self.key() for _ in range(4)))
        after: dict[str, State] = {k: booking(k, self.rng.randrange(1000)) for k in keys[:-1]}
        after[keys[-1]] = None
        requests = [{"PutRequest": {"Item": v}} if v else
                    {"DeleteRequest": {"Key": {"bookingId": {"S": k}}}} for k, v in after.items()]
        self.call(after, "batch_write_item", RequestItems={TABLE: requests})

    def claim(self) -> None:  # contended: exactly one client's conditional put wins
        key = f"claim-{self.rng.randrange(CLAIMS)}"
        item = booking(key, self.number, "CONFIRMED", owner={"N": str(self.number)})
        if self.current(key) is None:
            self.call({key: item}, "put_item", TableName=TABLE, Item=item,
                      ConditionExpression="attribute_not_exists(bookingId)")


class _Cut(Exception):
    """The server went away mid-request."""


def table_state(url: str) -> dict[str, Item]:
    client = make_client(endpoint_url=url)
    found: dict[str, Item] = {}
    for page in client.get_paginator("scan").paginate(TableName=TABLE, ConsistentRead=True):
        found.update({item["bookingId"]["S"]: item for item in page["Items"]})
    return found


def stream_tail(url: str) -> dict[str, tuple[str, Item | None]]:
    """Per key, its last stream record (event, new image); sequence numbers checked."""
    client = make_client(endpoint_url=url)
    streams = make_client("dynamodbstreams", endpoint_url=url)
    arn = client.describe_table(TableName=TABLE)["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    last: dict[str, tuple[str, Item | None]] = {}
    sequence = int(shard["SequenceNumberRange"]["StartingSequenceNumber"]) - 1
    while iterator:
        page = streams.get_records(ShardIterator=iterator, Limit=1000)
        if not page["Records"]:
            break
        for record in page["Records"]:
            assert int(record["dynamodb"]["SequenceNumber"]) == sequence + 1
            sequence += 1
            last[record["dynamodb"]["Keys"]["bookingId"]["S"]] = (
                record["eventName"], record["dynamodb"].get("NewImage"))
        iterator = page.get("NextShardIterator")
    return last


def check_restored(url: str, model: Model) -> None:
    found = table_state(url)
    assert set(found) <= set(model.state) | set(model.doubt), "items nobody acknowledged"
    for key in set(model.state) | set(model.doubt):
        # In doubt: cut by the kill. A contended claim may also have been won by another.
        allowed = [*model.doubt.get(key, []), model.state.get(key)]
        assert found.get(key) in allowed, (key, found.get(key), allowed)
    # The stream came back with the items: each key's last record shows what is stored.
    for key, (event, image) in stream_tail(url).items():
        assert (image if event != "REMOVE" else None) == found.get(key), key
    model.state = {k: v for k, v in found.items()} | {
        k: None for k in set(model.state) | set(model.doubt) if k not in found}
    model.doubt = {}


def run_round(proc: EmulatorProcess, model: Model, rng: random.Random) -> None:
    stop = threading.Event()
    workers = [Worker(n, proc.endpoint_url, model, rng.randrange(1 << 30), stop)
               for n in range(WORKERS)]
    for worker in workers:
        worker.start()
    deadline, start = time.monotonic() + 60, model.acknowledged
    while model.acknowledged < start + 100 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(rng.uniform(0.2, 2.5))  # the random moment
    proc.kill()
    stop.set()
    for worker in workers:
        worker.join(timeout=30)
        assert not worker.is_alive()


def test_sigkill_under_load_loses_nothing_acknowledged(tmp_path: Path, durable_up: Any) -> None:
    data_dir = tmp_path / "data"
    args = ("--no-seed", "--stage", STAGE, "--ttl-interval", "0", "--journal-max-mb", "0.25")
    rng = random.Random(1313)
    model = Model()
    proc = durable_up(data_dir, *args).start()
    acknowledged_before = 0
    for _ in range(3):
        run_round(proc, model, rng)
        assert model.acknowledged > acknowledged_before + 100 and model.refused > 0
        acknowledged_before = model.acknowledged
        proc = durable_up(data_dir, *args).start()
        assert "items restored from" in proc.ready_line, proc.output
        check_restored(proc.endpoint_url, model)
    assert proc.stop() == 0
    # Snapshots were taken under the load (the journal limit is small) and compacted it.
    assert list(data_dir.glob("snapshot-*.snap")), sorted(p.name for p in data_dir.iterdir())

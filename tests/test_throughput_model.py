"""The on-demand throughput model: hot partitions and hot GSI partitions throttle, others
are served, a throttled request leaves no trace. Time is a clock the test moves."""

from __future__ import annotations

import itertools
import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from ddbkit.emulator.endpoint.server import ServerConfig
from ddbkit.emulator.runtime import Emulator, EmulatorConfig
from ddbkit.emulator.spec import get_table
from ddbkit.emulator.throughput.model import key_hash

KB = 1024
_stages = itertools.count(1)


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def modelled() -> Iterator[tuple[Emulator, Clock, Any]]:
    clock = Clock()
    stage = f"tput{next(_stages)}"
    config = EmulatorConfig(server=ServerConfig(port=0), stage=stage, ttl_interval=0,
                            clock=clock, throughput_model="on-demand")
    with Emulator(config) as emulator:
        yield emulator, clock, emulator.client(max_attempts=0), stage  # no retries


def _partition(key: str, partitions: int = 4) -> int:
    class S:
        type, value = "S", key
    return (key_hash(S()) * partitions) >> 32


def _keys_in(partition: int, count: int, prefix: str) -> list[str]:
    found = (f"{prefix}{n}" for n in range(10_000))
    return [k for k in found if _partition(k) == partition][:count]


def _stats(emulator: Emulator) -> dict[str, Any]:
    with urllib.request.urlopen(emulator.endpoint_url + "/ddbkit/throughput") as answer:
        return json.loads(answer.read())  # type: ignore[no-any-return]


def _throttled(call: Any) -> dict[str, Any]:
    with pytest.raises(ClientError) as caught:
        call()
    error = caught.value.response
    assert error["Error"]["Code"] == "ThrottlingException"
    assert "Throughput exceeds the current capacity" in error["Error"]["Message"]
    return error  # type: ignore[no-any-return]


def test_hot_partition_is_throttled_others_are_served(modelled: Any) -> None:
    _, clock, client, stage = modelled
    table = get_table("idempotency").name(stage)
    hot, cold = _keys_in(0, 1, "hot")[0], _keys_in(1, 1, "cold")[0]

    def put(key: str, tag: str) -> Any:  # 300 KB: 300 write units of the partition's 1,000
        return client.put_item(TableName=table, Item={
            "idempotencyKey": {"S": key}, "result": {"S": tag + "x" * (300 * KB - 40)}})

    for n in range(3):
        put(hot, f"v{n}")
    error = _throttled(lambda: put(hot, "v3"))
    assert error["throttlingReasons"] == [{
        "reason": "TableWriteKeyRangeThroughputExceeded",
        "resource": f"arn:aws:dynamodb:us-east-1:943814145891:table/{table}"}]
    stored = client.get_item(TableName=table, Key={"idempotencyKey": {"S": hot}},
                             ConsistentRead=True)["Item"]
    assert stored["result"]["S"].startswith("v2")  # the throttled put left no trace
    put(cold, "c0")  # another partition is served
    clock.now += 1.0  # a second later the hot partition has capacity again
    put(hot, "v4")


def test_hot_gsi_partition_throttles_base_table_writes(modelled: Any) -> None:
    emulator, _, client, stage = modelled
    table = get_table("bookings").name(stage)

    def booking(n: int) -> dict[str, Any]:  # 40 KB; every one in status-index's PENDING
        return {"bookingId": {"S": f"gsi-{n}"}, "customerId": {"S": f"c{n}"},
                "providerId": {"S": f"p{n}"}, "scheduledDate": {"S": "2025-12-04"},
                "createdAt": {"S": f"2025-12-01T{n:04d}"}, "status": {"S": "PENDING"},
                "notes": {"S": "x" * (40 * KB - 200)}}

    for n in range(25):  # 25 x 40 = 1,000 units into one status-index partition
        client.put_item(TableName=table, Item=booking(n))
    error = _throttled(lambda: client.put_item(TableName=table, Item=booking(25)))
    assert error["throttlingReasons"] == [{
        "reason": "IndexWriteKeyRangeThroughputExceeded",
        "resource": f"arn:aws:dynamodb:us-east-1:943814145891:table/{table}/index/status-index"}]
    assert "Item" not in client.get_item(TableName=table, Key={"bookingId": {"S": "gsi-25"}})
    stats = _stats(emulator)[f"arn:aws:dynamodb:us-east-1:943814145891:table/{table}" +
                             "/index/status-index"]
    assert stats["throttled_requests"] == 1 and stats["consumed_write_units"] == 1000


def test_failed_conditional_put_still_charges(modelled: Any) -> None:
    emulator, _, client, stage = modelled
    table = get_table("idempotency").name(stage)
    arn = f"arn:aws:dynamodb:us-east-1:943814145891:table/{table}"
    item = {"idempotencyKey": {"S": "claimed"}, "result": {"S": "x" * (5 * KB - 40)}}
    client.put_item(TableName=table, Item=item)  # 5 units
    with pytest.raises(ClientError) as failed:
        client.put_item(TableName=table, Item=item,
                        ConditionExpression="attribute_not_exists(idempotencyKey)")
    assert failed.value.response["Error"]["Code"] == "ConditionalCheckFailedException"
    assert _stats(emulator)[arn]["consumed_write_units"] == 10  # charged by the stored item


def test_on_demand_grows_to_double_the_previous_peak(modelled: Any) -> None:
    emulator, clock, client, stage = modelled
    table = get_table("idempotency").name(stage)
    arn = f"arn:aws:dynamodb:us-east-1:943814145891:table/{table}"
    for partition in range(4):  # 2 x 300 units in each partition: a 2,400-unit second
        for key in _keys_in(partition, 2, f"grow{partition}-"):
            client.put_item(TableName=table, Item={"idempotencyKey": {"S": key},
                                                   "result": {"S": "x" * (300 * KB - 40)}})
    assert _stats(emulator)[arn]["partitions"] == 4
    clock.now += 1.0
    client.get_item(TableName=table, Key={"idempotencyKey": {"S": "any"}})
    stats = _stats(emulator)[arn]
    assert stats["peak_write_units"] == 2400 and stats["partitions"] == 8  # room for 4,800


def test_batches_return_refused_items_as_unprocessed(modelled: Any) -> None:
    _, clock, client, stage = modelled
    table = get_table("idempotency").name(stage)
    hot, cold = _keys_in(0, 4, "bhot"), _keys_in(1, 1, "bcold")

    def put(key: str) -> dict[str, Any]:
        return {"PutRequest": {"Item": {"idempotencyKey": {"S": key},
                                        "result": {"S": "x" * (300 * KB - 40)}}}}

    answer = client.batch_write_item(RequestItems={table: [put(k) for k in hot + cold]})
    assert answer["UnprocessedItems"] == {table: [put(hot[3])]}  # its partition was full
    error = _throttled(lambda: client.batch_write_item(RequestItems={table: [put(hot[3])]}))
    assert error["throttlingReasons"][0]["reason"] == "TableWriteKeyRangeThroughputExceeded"

    keys = [{"idempotencyKey": {"S": k}} for k in hot[:3]]  # 75 read units each, strongly
    request = {table: {"Keys": keys, "ConsistentRead": True}}
    unprocessed: dict[str, Any] = {}
    for _ in range(20):  # 3,000 units a second: the 14th batch no longer fits whole
        unprocessed = client.batch_get_item(RequestItems=request)["UnprocessedKeys"]
        if unprocessed:
            break
    assert unprocessed[table]["ConsistentRead"] is True
    assert 0 < len(unprocessed[table]["Keys"]) < 3
    clock.now += 1.0  # the partition's reads are spent until then
    assert "Item" not in client.get_item(TableName=table, Key={"idempotencyKey": {"S": hot[3]}})
    assert "Item" in client.get_item(TableName=table, Key={"idempotencyKey": {"S": cold[0]}})

"""Stream records as AWS writes them, and TTL that really expires items."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from typing import Any

import pytest

from ddbkit.emulator.endpoint.server import ServerConfig
from ddbkit.emulator.runtime import Emulator, EmulatorConfig
from ddbkit.emulator.streams.reader import StreamFollower, latest_stream_arn
from ddbkit.emulator.ttl import TtlReaper

_stages = itertools.count(1)


@pytest.fixture
def region_emulator() -> Iterator[Emulator]:
    """Tables of their own in another region, with a fast TTL sweep."""
    config = EmulatorConfig(server=ServerConfig(port=0, region="eu-west-1"),
                            stage=f"s{next(_stages)}", ttl_interval=0.5)
    with Emulator(config) as running:
        yield running


def follow(emulator: Emulator, table_key: str) -> StreamFollower:
    name = f"marketplace-{emulator.config.stage}-{table_key}-table"
    return StreamFollower(emulator.client("dynamodbstreams"),
                          latest_stream_arn(emulator.client(), name))


def booking(booking_id: str, status: str = "PENDING") -> dict[str, Any]:
    return {"bookingId": {"S": booking_id}, "status": {"S": status},
            "providerId": {"S": "p1"}, "customerId": {"S": "c1"},
            "scheduledDate": {"S": "2025-12-10T10:00:00Z"},
            "createdAt": {"S": "2025-12-01T10:00:00Z"}}


def test_records_carry_region_images_and_increasing_sequence(region_emulator: Emulator) -> None:
    client, stage = region_emulator.client(), region_emulator.config.stage
    table = f"marketplace-{stage}-bookings-table"
    client.put_item(TableName=table, Item=booking("b1"))
    client.update_item(TableName=table, Key={"bookingId": {"S": "b1"}},
                       UpdateExpression="SET #s = :s", ExpressionAttributeNames={"#s": "status"},
                       ExpressionAttributeValues={":s": {"S": "CONFIRMED"}})
    client.update_item(TableName=table, Key={"bookingId": {"S": "b1"}},  # changes nothing
                       UpdateExpression="SET #s = :s", ExpressionAttributeNames={"#s": "status"},
                       ExpressionAttributeValues={":s": {"S": "CONFIRMED"}})
    client.update_item(TableName=table, Key={"bookingId": {"S": "b2"}},  # upsert: one INSERT
                       UpdateExpression="SET #s = :s", ExpressionAttributeNames={"#s": "status"},
                       ExpressionAttributeValues={":s": {"S": "PENDING"}})
    client.delete_item(TableName=table, Key={"bookingId": {"S": "b1"}})

    records = [r for _, r in follow(region_emulator, "bookings").read()]
    assert [(r["eventName"], r["dynamodb"]["Keys"]["bookingId"]["S"]) for r in records] == [
        ("INSERT", "b1"), ("MODIFY", "b1"), ("INSERT", "b2"), ("REMOVE", "b1")]
    assert {r["awsRegion"] for r in records} == {"eu-west-1"}
    assert {(r["eventSource"], r["eventVersion"]) for r in records} == {("aws:dynamodb", "1.1")}
    sequence = [int(r["dynamodb"]["SequenceNumber"]) for r in records]
    assert sequence == sorted(sequence) and len(set(sequence)) == 4
    insert, modify, upsert, remove = (r["dynamodb"] for r in records)
    assert insert["NewImage"]["status"] == {"S": "PENDING"} and "OldImage" not in insert
    assert modify["OldImage"]["status"] == {"S": "PENDING"}  # not rewritten by later updates
    assert modify["NewImage"]["status"] == {"S": "CONFIRMED"}
    assert upsert["NewImage"] == {"bookingId": {"S": "b2"}, "status": {"S": "PENDING"}}
    assert remove["OldImage"]["status"] == {"S": "CONFIRMED"} and "NewImage" not in remove
    assert all(r["dynamodb"]["StreamViewType"] == "NEW_AND_OLD_IMAGES" for r in records)
    assert all("ApproximateCreationDateTime" in r["dynamodb"] for r in records)
    assert all("userIdentity" not in r for r in records)  # user writes carry none


def _idempotency(client: Any, table: str, key: str, ttl: Any) -> None:
    client.put_item(TableName=table, Item={"idempotencyKey": {"S": key}, "ttl": ttl,
                                           "result": {"S": "{}"}})


def _keys(client: Any, table: str) -> set[str]:
    return {i["idempotencyKey"]["S"] for i in client.scan(TableName=table)["Items"]}


def test_expired_item_is_deleted_within_two_sweeps(region_emulator: Emulator) -> None:
    client, stage = region_emulator.client(), region_emulator.config.stage
    table = f"marketplace-{stage}-idempotency-table"
    now = int(time.time())
    _idempotency(client, table, "expired", {"N": str(now - 60)})
    _idempotency(client, table, "live", {"N": str(now + 3600)})
    _idempotency(client, table, "text-ttl", {"S": str(now - 60)})
    _idempotency(client, table, "ancient", {"N": str(now - 6 * 365 * 86400)})
    deadline = time.monotonic() + 2 * region_emulator.config.ttl_interval + 1.0
    while "expired" in _keys(client, table) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _keys(client, table) == {"live", "text-ttl", "ancient"}


def test_ttl_delete_is_a_service_remove_on_the_stream(fresh_emulator: Emulator) -> None:
    """The bookings table has the stream; give it TTL too, as a team might."""
    client, stage = fresh_emulator.client(), fresh_emulator.config.stage
    table = f"marketplace-{stage}-bookings-table"
    client.update_time_to_live(TableName=table, TimeToLiveSpecification={
        "Enabled": True, "AttributeName": "expiresAt"})
    now = time.time()
    client.put_item(TableName=table, Item={**booking("gone"), "expiresAt": {"N": str(now - 5)}})
    client.put_item(TableName=table, Item=booking("user-deleted"))
    client.delete_item(TableName=table, Key={"bookingId": {"S": "user-deleted"}})

    reaper = TtlReaper(fresh_emulator.config.server.account_id, fresh_emulator.region,
                       clock=lambda: now)
    assert reaper.run_once()[table] == 1
    removes = {r["dynamodb"]["Keys"]["bookingId"]["S"]: r
               for _, r in follow(fresh_emulator, "bookings").read()
               if r["eventName"] == "REMOVE"}
    assert removes["gone"]["userIdentity"] == {"Type": "Service",
                                               "PrincipalId": "dynamodb.amazonaws.com"}
    assert "userIdentity" not in removes["user-deleted"]


def test_item_refreshed_before_the_sweep_survives(fresh_emulator: Emulator) -> None:
    client, stage = fresh_emulator.client(), fresh_emulator.config.stage
    table = f"marketplace-{stage}-idempotency-table"
    now = time.time()
    _idempotency(client, table, "refreshed", {"N": str(int(now - 30))})
    client.update_item(TableName=table, Key={"idempotencyKey": {"S": "refreshed"}},
                       UpdateExpression="SET #t = :t", ExpressionAttributeNames={"#t": "ttl"},
                       ExpressionAttributeValues={":t": {"N": str(int(now + 86400))}})
    reaper = TtlReaper(fresh_emulator.config.server.account_id, fresh_emulator.region,
                       clock=lambda: now)
    reaper.run_once()
    assert "refreshed" in _keys(client, table)


def test_sweep_covers_tables_larger_than_one_chunk(fresh_emulator: Emulator) -> None:
    client, stage = fresh_emulator.client(), fresh_emulator.config.stage
    table = f"marketplace-{stage}-idempotency-table"
    now = time.time()
    requests = [{"PutRequest": {"Item": {"idempotencyKey": {"S": f"k{i}"},
                                         "ttl": {"N": str(int(now - 1 - i % 2 * -7200))}}}}
                for i in range(1200)]
    for start in range(0, len(requests), 25):
        client.batch_write_item(RequestItems={table: requests[start:start + 25]})
    reaper = TtlReaper(fresh_emulator.config.server.account_id, fresh_emulator.region,
                       clock=lambda: now)
    assert reaper.run_once()[table] == 600  # the even keys expired a second ago, the odd live 2 h
    assert len(_keys(client, table)) == 600

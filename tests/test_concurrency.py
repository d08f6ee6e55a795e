"""Linearizable writes: concurrent clients race on one endpoint, results as if one at a time."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from ddbkit.emulator.runtime import Emulator

pytestmark = pytest.mark.slow  # thousands of racing requests


def race(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Run `work(i)` on `count` threads released together; returns results or exceptions."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001 - the race's losers are part of the result
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def _code(result: Any) -> str | None:
    return result.response["Error"]["Code"] if isinstance(result, ClientError) else None


def test_conditional_put_has_exactly_one_winner_every_round(fresh_emulator: Emulator) -> None:
    table = f"marketplace-{fresh_emulator.config.stage}-idempotency-table"
    clients = [fresh_emulator.client(max_pool_connections=2) for _ in range(32)]
    for round_number in range(50):
        key = f"request-{round_number}"
        results = race(32, lambda i: clients[i].put_item(
            TableName=table, Item={"idempotencyKey": {"S": key}, "winner": {"N": str(i)}},
            ConditionExpression="attribute_not_exists(idempotencyKey)"))
        winners = [i for i, r in enumerate(results) if isinstance(r, dict)]
        assert len(winners) == 1, (round_number, results)
        assert {_code(r) for r in results if not isinstance(r, dict)} == {
            "ConditionalCheckFailedException"}
        stored = clients[0].get_item(TableName=table, Key={"idempotencyKey": {"S": key}})
        assert stored["Item"]["winner"] == {"N": str(winners[0])}


def test_concurrent_add_counts_every_increment(fresh_emulator: Emulator) -> None:
    table = f"marketplace-{fresh_emulator.config.stage}-providers-table"
    key = {"providerId": {"S": "counted"}}
    clients = [fresh_emulator.client(max_pool_connections=2) for _ in range(16)]

    def add_hundred(i: int) -> None:
        for _ in range(100):
            clients[i].update_item(TableName=table, Key=key, UpdateExpression="ADD #c :one",
                                   ExpressionAttributeNames={"#c": "counter"},
                                   ExpressionAttributeValues={":one": {"N": "1"}})

    assert race(16, add_hundred) == [None] * 16
    item = clients[0].get_item(TableName=table, Key=key)["Item"]
    assert item["counter"] == {"N": "1600"}


def test_racing_transactions_one_wins_the_other_is_cancelled(fresh_emulator: Emulator) -> None:
    table = f"marketplace-{fresh_emulator.config.stage}-bookings-table"
    clients = [fresh_emulator.client() for _ in range(2)]
    for round_number in range(20):
        booking = f"contested-{round_number}"

        def book(i: int) -> Any:
            return clients[i].transact_write_items(TransactItems=[
                {"Put": {"TableName": table, "ConditionExpression": "attribute_not_exists(bookingId)",
                         "Item": {"bookingId": {"S": booking}, "status": {"S": "PENDING"},
                                  "customerId": {"S": f"customer-{i}"}}}},
                {"Update": {"TableName": table, "Key": {"bookingId": {"S": f"slot-{round_number}"}},
                            "UpdateExpression": "ADD #n :one",
                            "ExpressionAttributeNames": {"#n": "claims"},
                            "ExpressionAttributeValues": {":one": {"N": "1"}}}},
            ])

        results = race(2, book)
        losers = [r for r in results if not isinstance(r, dict)]
        assert len(losers) == 1, results
        assert _code(losers[0]) == "TransactionCanceledException"
        reasons = [r["Code"] for r in losers[0].response["CancellationReasons"]]
        assert reasons == ["ConditionalCheckFailed", "None"]
        slot = clients[0].get_item(TableName=table, Key={"bookingId": {"S": f"slot-{round_number}"}})
        assert slot["Item"]["claims"] == {"N": "1"}  # the loser's update was rolled back

"""Index key types are checked before a write, and a write happens completely or not at all.

A wrong-typed GSI key is refused with DynamoDB's ValidationException on every write path and
leaves no trace: no item, no index entry, no stream record; Query keeps working. A write that
fails part-way (an UpdateItem's later clause, one bad request of a batch) changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from ddbkit.emulator.runtime import Emulator
from ddbkit.emulator.store.catalog import catalog

MISMATCH = ("One or more parameter values were invalid: Type mismatch for Index Key "
            "scheduledDate Expected: S Actual: N IndexName: providerBookings-index")


class Bookings:
    """The stage's bookings table, its stream and the views of it the assertions read."""

    def __init__(self, emulator: Emulator) -> None:
        self.client = emulator.client()
        self.streams = emulator.client("dynamodbstreams")
        self.name = f"marketplace-{emulator.config.stage}-bookings-table"
        self.emulator = emulator
        arn = self.client.describe_table(TableName=self.name)["Table"]["LatestStreamArn"]
        shard = self.streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]
        self.iterator = self.streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON",
        )["ShardIterator"]

    def stream_events(self) -> list[tuple[str, str]]:
        records = self.streams.get_records(ShardIterator=self.iterator)["Records"]
        return [(r["eventName"], r["dynamodb"]["Keys"]["bookingId"]["S"]) for r in records]

    def item(self, booking: str) -> Any:
        return self.client.get_item(TableName=self.name,
                                    Key={"bookingId": {"S": booking}}).get("Item")

    def provider_bookings(self, provider: str = "p1") -> list[str]:
        items = self.client.query(
            TableName=self.name, IndexName="providerBookings-index",
            KeyConditionExpression="providerId = :p",
            ExpressionAttributeValues={":p": {"S": provider}})["Items"]
        return [i["bookingId"]["S"] for i in items]

    def scanned(self) -> list[str]:
        return sorted(i["bookingId"]["S"] for i in self.client.scan(TableName=self.name)["Items"])

    def table(self) -> Any:
        server = self.emulator.config.server
        return catalog(server.account_id, self.emulator.region).tables[self.name]


def booking(n: int, **extra: Any) -> dict[str, Any]:
    return {"bookingId": {"S": f"b{n}"}, "providerId": {"S": "p1"},
            "scheduledDate": {"S": f"2025-01-0{n}"}, **extra}


def refused(call: Callable[[], Any], message: str = MISMATCH) -> None:
    with pytest.raises(ClientError) as caught:
        call()
    error = caught.value.response["Error"]
    assert (error["Code"], error["Message"]) == ("ValidationException", message)


@pytest.mark.parametrize("bad", [{"N": "20250101"}, {"SS": ["2025-01-01"]}, {"BOOL": True}])
def test_a_wrong_typed_gsi_key_is_refused_and_leaves_no_trace(
        fresh_emulator: Emulator, bad: dict[str, Any]) -> None:
    bookings = Bookings(fresh_emulator)
    client, table = bookings.client, bookings.name
    message = MISMATCH.replace("Actual: N", f"Actual: {next(iter(bad))}")
    # On a table that never saw a Query (moto's own path used to store the item) ...
    refused(lambda: client.put_item(TableName=table, Item=booking(9, scheduledDate=bad)), message)
    client.put_item(TableName=table, Item=booking(1))
    assert bookings.provider_bookings() == ["b1"]
    # ... and on one whose indexes are in use (the item used to be stored, the answer a 400).
    refused(lambda: client.put_item(TableName=table, Item=booking(9, scheduledDate=bad)), message)
    assert bookings.item("b9") is None
    assert bookings.scanned() == ["b1"]
    assert bookings.provider_bookings() == ["b1"]
    assert bookings.stream_events() == [("INSERT", "b1")]


def test_every_write_path_checks_the_index_keys_and_changes_nothing(
        fresh_emulator: Emulator) -> None:
    bookings = Bookings(fresh_emulator)
    client, table = bookings.client, bookings.name
    client.put_item(TableName=table, Item=booking(1))
    wrong = {"N": "20250101"}

    refused(lambda: client.update_item(  # an existing item
        TableName=table, Key={"bookingId": {"S": "b1"}},
        UpdateExpression="SET note = :n, scheduledDate = :d",
        ExpressionAttributeValues={":n": {"S": "changed"}, ":d": wrong}))
    refused(lambda: client.update_item(  # a new one: moto used to store its keys first
        TableName=table, Key={"bookingId": {"S": "b2"}},
        UpdateExpression="SET providerId = :p, scheduledDate = :d",
        ExpressionAttributeValues={":p": {"S": "p1"}, ":d": wrong}))
    refused(lambda: client.batch_write_item(RequestItems={table: [  # a good put before it
        {"PutRequest": {"Item": booking(3)}},
        {"PutRequest": {"Item": booking(4, scheduledDate=wrong)}}]}))
    refused(lambda: client.transact_write_items(TransactItems=[
        {"Put": {"TableName": table, "Item": booking(5)}},
        {"Put": {"TableName": table, "Item": booking(6, scheduledDate=wrong)}}]))
    refused(lambda: client.execute_statement(
        Statement=f"INSERT INTO \"{table}\" VALUE {{'bookingId': 'b7', 'providerId': 'p1', "
                  "'scheduledDate': 20250101}"))

    assert bookings.item("b1") == booking(1)
    assert bookings.scanned() == ["b1"]
    assert bookings.provider_bookings() == ["b1"]
    assert bookings.stream_events() == [("INSERT", "b1")]
    client.update_item(TableName=table, Key={"bookingId": {"S": "b1"}},  # still writable
                       UpdateExpression="SET scheduledDate = :d",
                       ExpressionAttributeValues={":d": {"S": "2025-02-01"}})
    assert bookings.provider_bookings() == ["b1"]


def test_an_update_that_fails_part_way_changes_nothing(fresh_emulator: Emulator) -> None:
    """moto applies the SET before it finds the ADD to a string invalid; DynamoDB neither."""
    bookings = Bookings(fresh_emulator)
    client, table = bookings.client, bookings.name
    client.put_item(TableName=table, Item=booking(1, note={"S": "text"}))
    with pytest.raises(ClientError, match="incorrect data type"):
        client.update_item(TableName=table, Key={"bookingId": {"S": "b1"}},
                           UpdateExpression="SET providerId = :p ADD note :one",
                           ExpressionAttributeValues={":p": {"S": "p2"}, ":one": {"N": "1"}})
    assert bookings.item("b1") == booking(1, note={"S": "text"})
    assert bookings.provider_bookings("p1") == ["b1"]
    assert bookings.provider_bookings("p2") == []
    assert bookings.stream_events() == [("INSERT", "b1")]


def test_indexes_are_built_with_the_table_not_by_the_first_query(
        fresh_emulator: Emulator) -> None:
    bookings = Bookings(fresh_emulator)
    assert bookings.table().index_set is not None  # CreateTable built them
    bookings.client.put_item(TableName=bookings.name, Item=booking(1))
    indexes = bookings.table().index_set
    assert any(indexes.partitions["providerBookings-index"].values())  # kept by the write

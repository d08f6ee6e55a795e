"""Stream records are trimmed after 24 hours and shard iterators expire after 15 minutes, with
AWS's errors. One emulator on a fake clock the tests move forward; each test writes to a table
of its own (trimming is lazy, so moving the clock touches no other test's stream)."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from ddbkit.emulator.endpoint.server import ServerConfig
from ddbkit.emulator.runtime import Emulator, EmulatorConfig
from ddbkit.emulator.store.stream_shards import RETENTION_SECONDS, TRIM_SLACK_SECONDS
from ddbkit.emulator.streams.reader import StreamFollower, latest_stream_arn

HOUR = 3600.0
_tables = itertools.count(1)


class FakeClock:
    def __init__(self, now: float = 1_767_225_600.0) -> None:  # 2026-01-01T00:00:00Z
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(scope="module")
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="module")
def emulator(clock: FakeClock) -> Iterator[Emulator]:
    config = EmulatorConfig(server=ServerConfig(port=0), stage="retention", ttl_interval=0,
                            clock=clock)
    with Emulator(config) as running:
        yield running


@pytest.fixture(scope="module")
def clients(emulator: Emulator) -> tuple[Any, Any]:
    return emulator.client(), emulator.client("dynamodbstreams")


@pytest.fixture
def stream(clients: tuple[Any, Any]) -> Stream:
    return Stream(*clients)


class Stream:
    """A new table with a stream, and its stream's one shard."""

    def __init__(self, client: Any, streams: Any) -> None:
        self.client, self.streams = client, streams
        self.table = f"retention-{next(_tables)}"
        client.create_table(
            TableName=self.table, BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "bookingId", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "bookingId", "KeyType": "HASH"}],
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
        self.arn = latest_stream_arn(client, self.table)
        shards = streams.describe_stream(StreamArn=self.arn)["StreamDescription"]["Shards"]
        self.shard_id = shards[0]["ShardId"]

    def put(self, booking_id: str) -> None:
        self.client.put_item(TableName=self.table, Item=booking(booking_id))

    def iterator(self, kind: str, sequence_number: str | None = None) -> str:
        extra = {"SequenceNumber": sequence_number} if sequence_number else {}
        return str(self.streams.get_shard_iterator(
            StreamArn=self.arn, ShardId=self.shard_id, ShardIteratorType=kind,
            **extra)["ShardIterator"])

    def read(self, iterator: str) -> list[tuple[str, str, str]]:
        """(event, booking id, sequence number) of the records from `iterator` on."""
        records = self.streams.get_records(ShardIterator=iterator)["Records"]
        return [(r["eventName"], r["dynamodb"]["Keys"]["bookingId"]["S"],
                 r["dynamodb"]["SequenceNumber"]) for r in records]


def booking(booking_id: str) -> dict[str, Any]:
    return {"bookingId": {"S": booking_id}, "status": {"S": "PENDING"}}


def error_of(call: Any, *args: Any, **kwargs: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        call(*args, **kwargs)
    error = caught.value.response["Error"]
    return error["Code"], error["Message"]


def aws(epoch: float) -> str:
    """A time as AWS writes it in this message (Java's Date.toString, in UTC)."""
    return time.strftime("%a %b %d %H:%M:%S UTC %Y", time.gmtime(epoch))


PAST_RETENTION = RETENTION_SECONDS + TRIM_SLACK_SECONDS + 1


def test_an_iterator_unused_for_15_minutes_is_expired(stream: Stream, clock: FakeClock) -> None:
    stream.put("b1")
    issued = clock.now
    first = stream.iterator("TRIM_HORIZON")
    clock.advance(15 * 60)
    page = stream.streams.get_records(ShardIterator=first)  # 15 minutes: still valid
    assert [r["dynamodb"]["Keys"]["bookingId"]["S"] for r in page["Records"]] == ["b1"]
    clock.advance(1)

    code, message = error_of(stream.streams.get_records, ShardIterator=first)
    assert code == "ExpiredIteratorException"
    assert message == (f"Iterator expired. The iterator was created at time {aws(issued)} "
                       f"while right now it is {aws(clock.now)} which is further in the future "
                       "than the tolerated delay of 900000 milliseconds.")
    assert aws(1_767_225_600) == "Thu Jan 01 00:00:00 UTC 2026"
    # Each GetRecords hands out a fresh iterator, valid 15 minutes from then.
    assert stream.streams.get_records(ShardIterator=page["NextShardIterator"])["Records"] == []


def test_records_older_than_24_hours_are_trimmed_and_keep_their_numbers(
        stream: Stream, clock: FakeClock) -> None:
    stream.put("old")
    clock.advance(12 * HOUR)
    stream.put("new")
    (_, _, old_seq), (_, _, new_seq) = stream.read(stream.iterator("TRIM_HORIZON"))
    clock.advance(PAST_RETENTION - 12 * HOUR)  # "old" is past 24 h, "new" is 12 h old

    assert stream.read(stream.iterator("TRIM_HORIZON")) == [("INSERT", "new", new_seq)]
    assert stream.read(stream.iterator("AFTER_SEQUENCE_NUMBER", old_seq)) == [
        ("INSERT", "new", new_seq)]  # resuming after a trimmed record that was read is fine
    code, message = error_of(stream.iterator, "AT_SEQUENCE_NUMBER", old_seq)
    assert (code, message) == ("TrimmedDataAccessException",
                               "The data you are trying to access has been trimmed.")
    description = stream.streams.describe_stream(StreamArn=stream.arn)["StreamDescription"]
    assert description["Shards"][0]["SequenceNumberRange"]["StartingSequenceNumber"] == new_seq
    stream.put("newest")  # numbering goes on from where it was
    assert [seq for *_, seq in stream.read(stream.iterator("TRIM_HORIZON"))] == [
        new_seq, str(int(new_seq) + 1)]


def test_an_iterator_the_trim_overtakes_answers_trimmed(stream: Stream,
                                                        clock: FakeClock) -> None:
    stream.put("b1")
    clock.advance(RETENTION_SECONDS + TRIM_SLACK_SECONDS - 10)  # not trimmed yet
    iterator = stream.iterator("TRIM_HORIZON")
    clock.advance(20)
    assert error_of(stream.streams.get_records, ShardIterator=iterator)[0] == \
        "TrimmedDataAccessException"


def test_follower_resumes_after_a_trim_and_after_an_expired_iterator(
        stream: Stream, clock: FakeClock) -> None:
    stream.put("b1")
    follower = StreamFollower(stream.streams, stream.arn)
    assert [r["dynamodb"]["Keys"]["bookingId"]["S"] for _, r in follower.read()] == ["b1"]
    clock.advance(HOUR)  # its iterator expired
    stream.put("b2")
    assert [r["dynamodb"]["Keys"]["bookingId"]["S"] for _, r in follower.read()] == ["b2"]

    # A checkpoint whose records were trimmed (a trigger stopped for a day) resumes from the
    # oldest record kept, as Lambda's event source mapping does.
    checkpoint = dict(follower.positions)
    stream.put("b3")
    clock.advance(PAST_RETENTION)
    stream.put("b4")
    resumed = StreamFollower(stream.streams, stream.arn, positions=checkpoint)
    assert [r["dynamodb"]["Keys"]["bookingId"]["S"] for _, r in resumed.read()] == ["b4"]


def test_a_trim_between_a_writes_records_leaves_the_write_whole(
        stream: Stream, clock: FakeClock) -> None:
    """The update fold and the transaction undo log keep positions across a trim that runs
    in the middle of their write."""
    stream.put("old")
    clock.advance(PAST_RETENTION)
    stream.client.update_item(  # moto puts the keys, then updates: one INSERT on AWS
        TableName=stream.table, Key={"bookingId": {"S": "upserted"}},
        UpdateExpression="SET #s = :s", ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":s": {"S": "PENDING"}})
    assert [r[:2] for r in stream.read(stream.iterator("TRIM_HORIZON"))] == [
        ("INSERT", "upserted")]

    clock.advance(PAST_RETENTION)
    with pytest.raises(ClientError, match="TransactionCanceledException"):
        stream.client.transact_write_items(TransactItems=[
            {"Put": {"TableName": stream.table, "Item": booking("rolled-back")}},
            {"ConditionCheck": {"TableName": stream.table, "Key": {"bookingId": {"S": "none"}},
                                "ConditionExpression": "attribute_exists(bookingId)"}}])
    assert stream.read(stream.iterator("TRIM_HORIZON")) == []


def test_streams_errors_for_unknown_shards_streams_and_iterators(stream: Stream) -> None:
    streams = stream.streams
    assert error_of(streams.get_shard_iterator, StreamArn=stream.arn,
                    ShardId="shardId-00000000000000000000-nope", ShardIteratorType="LATEST") == (
        "ResourceNotFoundException", "Requested resource not found: Shard does not exist")
    missing = stream.arn.replace(stream.table, "no-such-table")
    assert error_of(streams.get_shard_iterator, StreamArn=missing, ShardId=stream.shard_id,
                    ShardIteratorType="LATEST") == (
        "ResourceNotFoundException", f"Requested resource not found: Stream: {missing} not found")
    assert error_of(streams.get_shard_iterator, StreamArn=stream.arn, ShardId=stream.shard_id,
                    ShardIteratorType="AT_SEQUENCE_NUMBER", SequenceNumber="x" * 21)[0] == \
        "ValidationException"
    iterator = stream.iterator("LATEST")
    forged = iterator[:-8] + ("A" if iterator[-8] != "A" else "B") + iterator[-7:]
    for token in (forged, "garbage", stream.arn + "|1|AAAA"):
        assert error_of(streams.get_records, ShardIterator=token) == (
            "ValidationException", "Invalid ShardIterator")

"""The DynamoDB Streams operations (emulator/operations/: ListStreams, DescribeStream,
GetShardIterator, GetRecords) through a real server and boto3's `dynamodbstreams` client."""

from __future__ import annotations

import base64
import itertools
import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError
from raw_requests import call, error

from ddbkit.emulator.runtime import Emulator

STREAMS = "DynamoDBStreams_20120810"
_names = itertools.count(1)


@pytest.fixture(scope="module")
def streams(emulator: Emulator) -> Any:
    return emulator.client("dynamodbstreams")


class Table:
    """A new table keyed pk (S) with a stream, dropped after the test."""

    def __init__(self, client: Any, streams: Any, view: str = "NEW_AND_OLD_IMAGES",
                 keys: tuple[tuple[str, str, str], ...] = (("pk", "HASH", "S"),)) -> None:
        self.client, self.streams = client, streams
        self.name = f"ops-streams-{next(_names)}"
        client.create_table(
            TableName=self.name, BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": n, "KeyType": k} for n, k, _ in keys],
            AttributeDefinitions=[{"AttributeName": n, "AttributeType": t} for n, _, t in keys],
            StreamSpecification={"StreamEnabled": True, "StreamViewType": view})
        self.arn = client.describe_table(TableName=self.name)["Table"]["LatestStreamArn"]
        self.shard_id = self.describe()["Shards"][0]["ShardId"]

    def describe(self, **kwargs: Any) -> dict[str, Any]:
        return self.streams.describe_stream(  # type: ignore[no-any-return]
            StreamArn=self.arn, **kwargs)["StreamDescription"]

    def put(self, *keys: str) -> None:
        for key in keys:
            self.client.put_item(TableName=self.name, Item={"pk": {"S": key}})

    def iterator(self, kind: str, sequence_number: str | None = None) -> str:
        extra = {"SequenceNumber": sequence_number} if sequence_number else {}
        return str(self.streams.get_shard_iterator(
            StreamArn=self.arn, ShardId=self.shard_id, ShardIteratorType=kind,
            **extra)["ShardIterator"])

    def read(self, iterator: str, **kwargs: Any) -> tuple[list[str], dict[str, Any]]:
        """(pk of each record, the whole page)."""
        page = self.streams.get_records(ShardIterator=iterator, **kwargs)
        return [r["dynamodb"]["Keys"]["pk"]["S"] for r in page["Records"]], page


@pytest.fixture
def tables(client: Any, streams: Any) -> Iterator[Any]:
    made: list[Table] = []

    def make(**kwargs: Any) -> Table:
        made.append(Table(client, streams, **kwargs))
        return made[-1]

    yield make
    for table in made:
        try:
            client.delete_table(TableName=table.name)
        except client.exceptions.ResourceNotFoundException:
            pass


def error_of(method: Any, **kwargs: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        method(**kwargs)
    return caught.value.response["Error"]["Code"], caught.value.response["Error"]["Message"]


def test_list_streams_pages_by_arn_and_filters_by_table(tables: Any, streams: Any) -> None:
    made = [tables() for _ in range(3)]
    seen: list[str] = []
    start: str | None = None
    for _ in range(1000):  # other tests' tables have streams too
        page = streams.list_streams(Limit=2, **({"ExclusiveStartStreamArn": start}
                                                if start else {}))
        assert len(page["Streams"]) <= 2
        seen += [s["StreamArn"] for s in page["Streams"]]
        start = page.get("LastEvaluatedStreamArn")
        if start is None:
            break
        assert start == seen[-1]
    assert seen == sorted(seen) and len(seen) == len(set(seen))
    assert {t.arn for t in made} <= set(seen)

    only = streams.list_streams(TableName=made[1].name)
    assert only["Streams"] == [{"StreamArn": made[1].arn, "TableName": made[1].name,
                                "StreamLabel": made[1].arn.rpartition("/")[2]}]
    assert "LastEvaluatedStreamArn" not in only
    assert streams.list_streams(TableName="ops-streams-no-such-table")["Streams"] == []


def test_describe_stream_answers_the_stream_and_pages_its_shard(tables: Any) -> None:
    table = tables(view="KEYS_ONLY")
    description = table.describe()
    assert description["StreamArn"] == table.arn
    assert description["StreamLabel"] == table.arn.rpartition("/")[2]
    assert (description["StreamStatus"], description["StreamViewType"]) == ("ENABLED",
                                                                            "KEYS_ONLY")
    assert description["TableName"] == table.name
    assert description["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
    assert isinstance(description["CreationRequestDateTime"], datetime)
    [shard] = description["Shards"]
    assert shard["SequenceNumberRange"]["StartingSequenceNumber"].isdigit()
    assert "EndingSequenceNumber" not in shard["SequenceNumberRange"]  # open while enabled
    assert "LastEvaluatedShardId" not in description

    assert table.describe(Limit=1)["Shards"] == [shard]
    after = table.describe(ExclusiveStartShardId=shard["ShardId"])
    assert after["Shards"] == [] and "LastEvaluatedShardId" not in after


def test_iterator_types_start_where_they_say(tables: Any) -> None:
    table = tables()
    table.put("a", "b", "c")
    keys, page = table.read(table.iterator("TRIM_HORIZON"))
    assert keys == ["a", "b", "c"]
    numbers = [r["dynamodb"]["SequenceNumber"] for r in page["Records"]]
    assert [int(n) - int(numbers[0]) for n in numbers] == [0, 1, 2]

    latest = table.iterator("LATEST")
    assert table.read(table.iterator("AT_SEQUENCE_NUMBER", numbers[1]))[0] == ["b", "c"]
    assert table.read(table.iterator("AFTER_SEQUENCE_NUMBER", numbers[1]))[0] == ["c"]
    assert table.read(latest)[0] == []
    table.put("d")
    assert table.read(latest)[0] == ["d"]  # an iterator is a position, not a snapshot


def test_get_records_pages_by_limit_and_keeps_an_iterator_at_the_end(tables: Any) -> None:
    table = tables()
    table.put(*"abcdefg")
    iterator, pages = table.iterator("TRIM_HORIZON"), []
    for _ in range(3):
        keys, page = table.read(iterator, Limit=3)
        pages.append(keys)
        iterator = page["NextShardIterator"]
    assert pages == [["a", "b", "c"], ["d", "e", "f"], ["g"]]
    keys, page = table.read(iterator, Limit=1000)
    assert keys == [] and page["NextShardIterator"]  # an open shard: poll on
    table.put("h")
    assert table.read(page["NextShardIterator"], Limit=1)[0] == ["h"]


def test_get_records_answers_at_most_1_mb(tables: Any) -> None:
    """AWS: GetRecords returns up to 1 MB; the rest follows from NextShardIterator."""
    table = tables(view="NEW_IMAGE")
    for key in "abcd":  # ~300 KB images: three fit in 1 MB, the fourth does not
        table.client.put_item(TableName=table.name,
                              Item={"pk": {"S": key}, "blob": {"S": "x" * 300_000}})
    keys, page = table.read(table.iterator("TRIM_HORIZON"))
    assert keys == ["a", "b", "c"]
    assert table.read(page["NextShardIterator"])[0] == ["d"]


def test_records_carry_binary_keys_as_base64_on_the_wire(emulator: Emulator,
                                                         tables: Any) -> None:
    table = tables(view="NEW_IMAGE", keys=(("pk", "HASH", "B"), ("sk", "RANGE", "B")))
    key = {"pk": {"B": b"\x00\xff\x10"}, "sk": {"B": b"\xfe"}}
    table.client.put_item(TableName=table.name, Item={**key, "v": {"BS": [b"\x01", b"\x02"]}})
    iterator = table.iterator("TRIM_HORIZON")
    status, raw = call(emulator, "GetRecords", {"ShardIterator": iterator}, service=STREAMS)
    assert status == 200
    [record] = raw["Records"]
    assert record["dynamodb"]["Keys"] == {"pk": {"B": base64.b64encode(b"\x00\xff\x10").decode()},
                                          "sk": {"B": base64.b64encode(b"\xfe").decode()}}
    assert isinstance(record["dynamodb"]["ApproximateCreationDateTime"], (int, float))
    parsed = table.streams.get_records(ShardIterator=iterator)["Records"][0]["dynamodb"]
    assert parsed["Keys"] == key
    assert sorted(parsed["NewImage"]["v"]["BS"]) == [b"\x01", b"\x02"]


def test_malformed_and_unknown_arns(emulator: Emulator, tables: Any, streams: Any) -> None:
    table = tables()
    short = "arn:aws:dynamodb:us-east-1:1:table/x"  # shorter than any stream ARN can be
    for operation, method, extra in (
            ("DescribeStream", streams.describe_stream, {}),
            ("GetShardIterator", streams.get_shard_iterator, {
                "ShardId": table.shard_id, "ShardIteratorType": "LATEST"})):
        # boto3 checks the length itself: sent raw, as other SDKs might
        assert error(call(emulator, operation, {"StreamArn": short, **extra},
                          service=STREAMS))[:2] == (400, "ValidationException")
        label = table.arn.rpartition("/")[2]
        for unknown in (table.arn.replace(table.name, "ops-streams-nothing"),  # no table
                        table.arn.replace(label, "2000-01-01T00:00:00.000"),  # older label
                        table.arn.replace(":us-east-1:", ":eu-west-1:"),  # another region
                        f"{table.arn}/more"):
            assert error_of(method, StreamArn=unknown, **extra) == (
                "ResourceNotFoundException",
                f"Requested resource not found: Stream: {unknown} not found"), unknown
        # not formed as a stream's ARN at all: refused before any lookup, as DynamoDB does
        for malformed in (table.arn.replace("/stream/", "/index/"), "x" * 40,
                          "arn:aws:dynamodb:us-east-1:000000000000:table/x/y/z"):
            assert error_of(method, StreamArn=malformed, **extra) == (
                "ValidationException", "Invalid StreamArn"), malformed

    assert error_of(streams.get_shard_iterator, StreamArn=table.arn,
                    ShardId="shardId-00000000000000000000-nope",
                    ShardIteratorType="LATEST") == (
        "ResourceNotFoundException", "Requested resource not found: Shard does not exist")
    assert error_of(streams.get_shard_iterator, StreamArn=table.arn, ShardId=table.shard_id,
                    ShardIteratorType="AT_TIMESTAMP")[0] == "ValidationException"
    assert error_of(streams.get_shard_iterator, StreamArn=table.arn, ShardId=table.shard_id,
                    ShardIteratorType="AT_SEQUENCE_NUMBER",
                    SequenceNumber="1" + "0" * 20)[0] == "TrimmedDataAccessException"
    for token in ("garbage", table.arn + "|1|AAAA", table.iterator("LATEST")[:-6]):
        assert error_of(streams.get_records, ShardIterator=token) == (
            "ValidationException", "Invalid ShardIterator")


def test_a_deleted_tables_stream_is_not_found(client: Any, streams: Any) -> None:
    table = Table(client, streams)
    table.put("a")
    iterator = table.iterator("TRIM_HORIZON")
    client.delete_table(TableName=table.name)
    message = f"Requested resource not found: Stream: {table.arn} not found"
    assert error_of(streams.describe_stream, StreamArn=table.arn) == (
        "ResourceNotFoundException", message)
    assert error_of(streams.get_records, ShardIterator=iterator) == (
        "ResourceNotFoundException", message)
    assert streams.list_streams(TableName=table.name)["Streams"] == []


def test_a_disabled_streams_old_arn_stays_readable_and_closed(tables: Any,
                                                              streams: Any) -> None:
    table = tables(view="NEW_IMAGE")
    table.put("a", "b")
    unread = table.iterator("TRIM_HORIZON")
    table.client.update_table(TableName=table.name,
                              StreamSpecification={"StreamEnabled": False})
    table.put("after")  # no stream record: the stream is off (this write used to crash)
    assert table.client.get_item(TableName=table.name, Key={"pk": {"S": "after"}})["Item"]

    description = table.describe()
    assert (description["StreamStatus"], description["StreamViewType"]) == ("DISABLED",
                                                                            "NEW_IMAGE")
    keys, page = table.read(table.iterator("TRIM_HORIZON"))
    assert keys == ["a", "b"]
    assert "NextShardIterator" not in page  # the shard is closed and read to its end
    assert description["Shards"][0]["SequenceNumberRange"]["EndingSequenceNumber"] == \
        page["Records"][-1]["dynamodb"]["SequenceNumber"]
    assert table.read(unread, Limit=1)[1]["NextShardIterator"]  # more to read: keeps one
    keys, page = table.read(table.iterator("LATEST"))
    assert keys == [] and "NextShardIterator" not in page
    assert [s["StreamArn"] for s in streams.list_streams(TableName=table.name)["Streams"]] \
        == [table.arn]


def test_get_records_takes_a_null_limit_as_none(emulator: Emulator, tables: Any) -> None:
    table = tables()
    table.put("a", "b")
    status, page = call(emulator, "GetRecords", {"ShardIterator": table.iterator("TRIM_HORIZON"),
                                                 "Limit": None}, service=STREAMS)
    assert status == 200, page
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in page["Records"]] == ["a", "b"]


def test_get_shard_iterator_takes_a_sequence_number_only_where_it_means_one(
        tables: Any, streams: Any) -> None:
    table = tables()
    table.put("a")
    number = table.describe()["Shards"][0]["SequenceNumberRange"]["StartingSequenceNumber"]
    for kind in ("TRIM_HORIZON", "LATEST"):
        assert error_of(streams.get_shard_iterator, StreamArn=table.arn,
                        ShardId=table.shard_id, ShardIteratorType=kind,
                        SequenceNumber=number) == (
            "ValidationException",
            f"SequenceNumber must not be specified for ShardIteratorType {kind}")
    for kind in ("AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER"):
        assert error_of(streams.get_shard_iterator, StreamArn=table.arn,
                        ShardId=table.shard_id, ShardIteratorType=kind)[0] == \
            "ValidationException"
        assert streams.get_shard_iterator(StreamArn=table.arn, ShardId=table.shard_id,
                                          ShardIteratorType=kind,
                                          SequenceNumber=number)["ShardIterator"]


def test_list_streams_refuses_a_start_arn_that_is_no_stream_arn(tables: Any,
                                                                streams: Any) -> None:
    table = tables()
    assert error_of(streams.list_streams, ExclusiveStartStreamArn="k" * 48) == (
        "ValidationException", "Invalid StreamArn")
    listed = streams.list_streams(ExclusiveStartStreamArn=table.arn)["Streams"]
    assert table.arn not in [s["StreamArn"] for s in listed]


def test_a_stream_label_counts_milliseconds_as_aws_labels_do(tables: Any) -> None:
    label = tables().arn.rpartition("/")[2]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}", label), label


def test_a_re_enabled_tables_old_stream_stays_listed_readable_and_closed(
        tables: Any, streams: Any) -> None:
    table = tables(view="NEW_IMAGE")
    table.put("a")
    old_arn = table.arn
    table.client.update_table(TableName=table.name,
                              StreamSpecification={"StreamEnabled": False})
    table.client.update_table(TableName=table.name, StreamSpecification={
        "StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
    new_arn = table.client.describe_table(TableName=table.name)["Table"]["LatestStreamArn"]
    assert new_arn != old_arn

    old = streams.describe_stream(StreamArn=old_arn)["StreamDescription"]
    assert (old["StreamStatus"], old["StreamViewType"]) == ("DISABLED", "NEW_IMAGE")
    numbers = old["Shards"][0]["SequenceNumberRange"]
    iterator = streams.get_shard_iterator(StreamArn=old_arn, ShardId=old["Shards"][0]["ShardId"],
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    records = streams.get_records(ShardIterator=iterator)["Records"]
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in records] == ["a"]
    assert numbers["EndingSequenceNumber"] == records[-1]["dynamodb"]["SequenceNumber"]
    listed = [s["StreamArn"] for s in streams.list_streams(TableName=table.name)["Streams"]]
    assert listed == [old_arn, new_arn]
    assert streams.describe_stream(StreamArn=new_arn)["StreamDescription"][
        "StreamStatus"] == "ENABLED"

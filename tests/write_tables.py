"""Helpers the write-operation tests share (test_operations_writes, _update, _batch_write,
_transact_write); their tables are conftest's `indexed` and `collections` fixtures."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from ddbkit.emulator.runtime import Emulator

FILLER = "y" * 2000  # with pk "a" and g 1: an item of 2,007 bytes, 2 WCU


def error_of(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = exc.value.response["Error"]
    return error["Code"], error["Message"]



def stream_records(emulator: Emulator, client: Any, table: str) -> list[dict[str, Any]]:
    """Every record of the table's stream, from the start: its `dynamodb` and eventName."""
    streams = emulator.client("dynamodbstreams")
    arn = client.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard,
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    return [r["dynamodb"] | {"eventName": r["eventName"]}
            for r in streams.get_records(ShardIterator=iterator)["Records"]]


def by_g(client: Any, table: str, g: str) -> list[dict[str, Any]]:
    """The items the by-g index holds under g."""
    return list(client.query(TableName=table, IndexName="by-g", KeyConditionExpression="g = :g",
                             ExpressionAttributeValues={":g": {"N": g}})["Items"])

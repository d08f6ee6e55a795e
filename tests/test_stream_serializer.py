"""GetRecords (ddbkit's own operation, `emulator/operations/get_records.py`) answers what
moto's model-driven serializer would make of the same stream records."""

from __future__ import annotations

import json
import time
import urllib.request
from typing import Any

from moto.core.serialize import JSONSerializer
from moto.core.utils import get_service_model

from ddbkit.emulator.runtime import Emulator
from ddbkit.emulator.store import stream_records, stream_shards
from ddbkit.emulator.store.catalog import catalog
from ddbkit.emulator.streams.reader import latest_stream_arn
from ddbkit.emulator.ttl import TtlReaper


def _streams_call(endpoint_url: str, operation: str, body: dict[str, Any]) -> Any:
    """The raw JSON the endpoint answered, with no boto3 parsing in between."""
    request = urllib.request.Request(
        endpoint_url, data=json.dumps(body).encode(),
        headers={"X-Amz-Target": f"DynamoDBStreams_20120810.{operation}",
                 "Content-Type": "application/x-amz-json-1.0"})
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read())


def _all_records(emulator: Emulator, stream_arn: str) -> Any:
    streams = emulator.client("dynamodbstreams")
    shard = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"][0]
    iterator = streams.get_shard_iterator(StreamArn=stream_arn, ShardId=shard["ShardId"],
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    page = _streams_call(emulator.endpoint_url, "GetRecords", {"ShardIterator": iterator})
    assert page.pop("NextShardIterator")  # a new random id on every call
    return page


def test_get_records_fast_path_answers_as_motos_serializer(fresh_emulator: Emulator) -> None:
    client = fresh_emulator.client()
    table = f"marketplace-{fresh_emulator.config.stage}-bookings-table"
    client.update_time_to_live(TableName=table, TimeToLiveSpecification={
        "Enabled": True, "AttributeName": "expiresAt"})
    key = {"bookingId": {"S": "b1"}}
    client.put_item(TableName=table, Item={
        **key, "status": {"S": "PENDING"}, "blob": {"B": b"\x00\xff"},
        "blobs": {"BS": [b"a", b"b"]}, "tags": {"SS": ["x", "y"]}, "nums": {"NS": ["1", "2.5"]},
        "map": {"M": {"k": {"N": "3"}, "l": {"L": [{"BOOL": True}, {"NULL": True}]}}}})
    client.update_item(TableName=table, Key=key, UpdateExpression="SET expiresAt = :t",
                       ExpressionAttributeValues={":t": {"N": str(int(time.time()) - 60)}})
    TtlReaper(fresh_emulator.config.server.account_id, fresh_emulator.region).run_once()
    arn = latest_stream_arn(client, table)

    fast = _all_records(fresh_emulator, arn)
    stock = _motos_serialization(fresh_emulator, table)
    assert [r["eventName"] for r in fast["Records"]] == ["INSERT", "MODIFY", "REMOVE"]
    assert fast["Records"][-1]["userIdentity"]["Type"] == "Service"
    assert fast["Records"][0]["dynamodb"]["NewImage"]["blob"] == {"B": "AP8="}
    assert fast == stock


def _motos_serialization(emulator: Emulator, table: str) -> Any:
    """The shard's records (ddbkit's, decoded) through moto's serializer for GetRecords."""
    shard = stream_shards.of(catalog(emulator.config.server.account_id,
                                     emulator.region).tables[table])
    assert shard is not None
    operation = get_service_model("dynamodbstreams").operation_model("GetRecords")
    body = JSONSerializer(operation).serialize(
        {"Records": [stream_records.decode(raw) for raw in shard.since(shard.start)]})["body"]
    return json.loads(body)

"""Requests that change no data leave nothing behind: no moto model instance, no shard iterator,
no stream record, (almost) no traced memory. Counts, not timings."""

from __future__ import annotations

import gc
import itertools
import tracemalloc
from collections.abc import Iterator
from typing import Any

import pytest
from moto.core import model_instances
from moto.core.common_models import BaseModel
from moto.dynamodbstreams.models import dynamodbstreams_backends

from ddbkit.emulator.runtime import Emulator
from ddbkit.emulator.store import stream_shards
from ddbkit.emulator.store.catalog import catalog

KEYS = 20
WARM_UP = 250  # requests: fills caches (botocore, moto's parsers) before the baseline
REQUESTS = 2000
# Traced bytes grow by a one-off ~45 KB (caches filled on first use; the same after 1,000 or
# 4,000 requests); moto's own retention was 500-1,800 bytes a request, 2.9 MB over this run.
TRACED_GROWTH_LIMIT = 96 * 1024
_tables = itertools.count(1)


def item(key: int) -> dict[str, Any]:
    return {"pk": {"S": f"k{key}"}, "grp": {"S": f"g{key % 4}"}, "n": {"N": str(key)},
            "note": {"S": "x" * 40}}


@pytest.fixture
def table(emulator: Emulator) -> Iterator[str]:
    name = f"no-retention-{next(_tables)}"
    client = emulator.client()
    client.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "grp", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        GlobalSecondaryIndexes=[{"IndexName": "by-grp", "Projection": {"ProjectionType": "ALL"},
                                 "KeySchema": [{"AttributeName": "grp", "KeyType": "HASH"},
                                               {"AttributeName": "pk", "KeyType": "RANGE"}]}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
    for key in range(KEYS):
        client.put_item(TableName=name, Item=item(key))
    yield name
    client.delete_table(TableName=name)


class NoChangeTraffic:
    """Failed conditional puts, same-item overwrites, GetItem, projected Query, GetRecords."""

    def __init__(self, emulator: Emulator, table: str) -> None:
        self.client, self.streams, self.table = emulator.client(), \
            emulator.client("dynamodbstreams"), table
        arn = self.client.describe_table(TableName=table)["Table"]["LatestStreamArn"]
        shard = self.streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]
        self.iterator = self.streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="LATEST")["ShardIterator"]

    def send(self, requests: int) -> None:
        for i in range(requests):
            key, kind = i // 5 % KEYS, i % 5
            if kind == 0:
                with pytest.raises(self.client.exceptions.ConditionalCheckFailedException):
                    self.client.put_item(TableName=self.table, Item=item(key),
                                         ConditionExpression="attribute_not_exists(pk)")
            elif kind == 1:
                self.client.put_item(TableName=self.table, Item=item(key))
            elif kind == 2:
                self.client.get_item(TableName=self.table, Key={"pk": {"S": f"k{key}"}})
            elif kind == 3:
                self.client.query(TableName=self.table, IndexName="by-grp",
                                  KeyConditionExpression="grp = :g", ProjectionExpression="pk, n",
                                  ExpressionAttributeValues={":g": {"S": f"g{key % 4}"}})
            else:
                page = self.streams.get_records(ShardIterator=self.iterator)
                assert page["Records"] == []
                self.iterator = page["NextShardIterator"]


def live_moto_models() -> int:
    # Every server thread freezes survivors into the collector's permanent generation now and
    # then (endpoint/gc_pauses.py), and gc.get_objects() does not list that generation: thaw,
    # count, and count again if a freeze came in between.
    while True:
        gc.unfreeze()
        gc.collect()
        count = sum(isinstance(o, BaseModel) for o in gc.get_objects())
        if gc.get_freeze_count() == 0:
            return count


def footprint(emulator: Emulator, table: str) -> dict[str, int]:
    account, region = emulator.config.server.account_id, emulator.region
    return {
        "live moto models": live_moto_models(),
        "tracked moto models": sum(len(getattr(model, "instances_tracked", ()))
                                   for models in model_instances.model_data.values()
                                   for model in models.values()),
        "stored shard iterators": len(dynamodbstreams_backends[account][region].shard_iterators),
        "stream records": len(stream_shards.of(catalog(account, region).tables[table])),
        "traced bytes": tracemalloc.get_traced_memory()[0],
    }


def test_requests_that_change_no_data_retain_nothing(emulator: Emulator, table: str) -> None:
    traffic = NoChangeTraffic(emulator, table)
    tracemalloc.start()
    try:
        traffic.send(WARM_UP)
        before = footprint(emulator, table)
        traffic.send(REQUESTS)
        after = footprint(emulator, table)
    finally:
        tracemalloc.stop()
    grown = {name: after[name] - before[name] for name in before}
    assert grown["traced bytes"] < TRACED_GROWTH_LIMIT, grown
    del grown["traced bytes"]
    assert grown == dict.fromkeys(grown, 0)
    assert before["tracked moto models"] == 0

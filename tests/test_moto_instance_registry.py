"""ddbkit builds none of moto's models, so moto's record of its model instances
(`instances_tracked`, which moto never empties) cannot grow under ddbkit's traffic: writes,
updates, batches, streams, table creations and deletions, backups and TTL sweeps.

Until the tables, items and backups were ddbkit's own, every request left moto models there
(0.5-1.8 KB a request) and ddbkit had to empty the lists after each one."""

from __future__ import annotations

import time
from typing import Any

from moto.core import model_instances

from ddbkit.emulator.runtime import Emulator

WRITES = 300


def _dynamodb_models() -> int:
    return sum(len(getattr(model, "instances_tracked", ()))
               for service in ("core", "dynamodb", "dynamodbstreams")
               for model in model_instances.model_data.get(service, {}).values())


def test_no_moto_model_is_built_by_a_mix_of_requests(emulator: Emulator,
                                                     make_table: Any) -> None:
    client = emulator.client()
    before = _dynamodb_models()
    table = make_table("registry", StreamSpecification={"StreamEnabled": True,
                                                        "StreamViewType": "NEW_IMAGE"})
    for i in range(WRITES):
        key = {"pk": {"S": f"k{i % 50}"}}
        if i % 3 == 0:
            client.put_item(TableName=table, Item={**key, "n": {"N": str(i)}})
        elif i % 3 == 1:
            client.update_item(TableName=table, Key=key, UpdateExpression="ADD c :one",
                               ExpressionAttributeValues={":one": {"N": "1"}})
        else:
            client.batch_write_item(RequestItems={table: [
                {"PutRequest": {"Item": {"pk": {"S": f"b{i}-{j}"}}}} for j in range(25)]})
        if i % 100 == 0:
            client.delete_table(TableName=make_table("registry-extra"))
    client.create_backup(TableName=table, BackupName="registry-backup")
    client.query(TableName=table, KeyConditionExpression="pk = :k",
                 ExpressionAttributeValues={":k": {"S": "k1"}})
    stream = client.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    assert emulator.client("dynamodbstreams").describe_stream(StreamArn=stream)
    assert len(client.scan(TableName=table)["Items"]) > 50
    assert _dynamodb_models() == before


def test_a_ttl_sweep_builds_no_moto_model(emulator: Emulator, make_table: Any) -> None:
    client = emulator.client()
    before = _dynamodb_models()
    table = make_table("registry-ttl")
    client.update_time_to_live(TableName=table, TimeToLiveSpecification={
        "Enabled": True, "AttributeName": "expires"})
    past = str(int(time.time()) - 60)  # expired a minute ago (not 5 years: ignored)
    client.batch_write_item(RequestItems={table: [
        {"PutRequest": {"Item": {"pk": {"S": f"t{j}"}, "expires": {"N": past}}}}
        for j in range(25)]})
    assert sum(emulator.reaper.run_once().values()) >= 25
    assert _dynamodb_models() == before

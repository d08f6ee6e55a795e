"""moto's record of its model instances (`instances_tracked`) stays bounded under writes,
table creations and TTL sweeps, without replacing moto's `BaseModel.__new__`: ddbkit empties
the DynamoDB models' lists after each piece of store work (moto_ext/instance_tracking.py)."""

from __future__ import annotations

import time
from typing import Any, ClassVar

from moto.core import model_instances
from moto.dynamodb.models.dynamo_type import DynamoType, Item

from ddbkit.emulator.moto_ext import instance_tracking
from ddbkit.emulator.moto_ext.instance_tracking import tracked_instances
from ddbkit.emulator.runtime import Emulator

# One request's work at most: a BatchWriteItem of 25 items builds a few dozen models.
CAP = 200
WRITES = 600


def test_moto_still_records_what_it_builds() -> None:
    """The registry is live (moto's own __new__), so the bound below is ddbkit's doing."""
    before = tracked_instances()
    Item(DynamoType({"S": "k"}), None, {"pk": {"S": "k"}})
    assert tracked_instances() == before + 1
    instance_tracking.forget()
    assert tracked_instances() == 0


def test_other_services_lists_are_left_alone() -> None:
    class Recorded:
        instances_tracked: ClassVar[list[object]] = [object()]

    model_instances.model_data["ddbkit-test-service"]["Recorded"] = Recorded
    try:
        instance_tracking.forget()
        assert len(Recorded.instances_tracked) == 1
    finally:
        del model_instances.model_data["ddbkit-test-service"]


def test_many_writes_and_tables_keep_the_registry_bounded(emulator: Emulator,
                                                           make_table: Any) -> None:
    client = emulator.client()
    table = make_table("registry", StreamSpecification={"StreamEnabled": True,
                                                        "StreamViewType": "NEW_IMAGE"})
    largest = 0
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
            created = make_table("registry-extra")
            client.delete_table(TableName=created)
        largest = max(largest, tracked_instances())
    assert largest <= CAP
    assert tracked_instances() == 0  # between requests, nothing is held


def test_a_ttl_sweep_forgets_what_it_built(emulator: Emulator, make_table: Any) -> None:
    client = emulator.client()
    table = make_table("registry-ttl")
    client.update_time_to_live(TableName=table, TimeToLiveSpecification={
        "Enabled": True, "AttributeName": "expires"})
    past = str(int(time.time()) - 60)  # expired a minute ago (not 5 years: ignored)
    client.batch_write_item(RequestItems={table: [
        {"PutRequest": {"Item": {"pk": {"S": f"t{j}"}, "expires": {"N": past}}}}
        for j in range(25)]})
    assert sum(emulator.reaper.run_once().values()) >= 25
    assert tracked_instances() == 0

"""The moto extensions: pinned shape, serializer parity, indexes that follow every write path."""

from __future__ import annotations

import time
import tomllib
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from moto.dynamodb.responses import DynamoHandler
from packaging.requirements import Requirement

import ddbkit
from ddbkit.emulator.moto_ext.calls import MotoShapeError, require
from ddbkit.emulator.runtime import Emulator
from ddbkit.emulator.ttl import TtlReaper


def test_moto_is_an_accepted_version_and_shape_checks_bite() -> None:
    # The range pyproject.toml accepts (CI runs the oldest and the newest of it).
    project = tomllib.loads((Path(ddbkit.__file__).parent / "pyproject.toml").read_text())
    wanted = [Requirement(r) for r in project["project"]["dependencies"]
              if Requirement(r).name == "moto"]
    assert len(wanted) == 1 and wanted[0].specifier.contains(metadata.version("moto"))
    with pytest.raises(MotoShapeError, match="no longer has frobnicate"):
        require(DynamoHandler, "frobnicate")


def _gsi_keys(client: Any, table: str, status: str) -> list[str]:
    pages = client.get_paginator("query").paginate(
        TableName=table, IndexName="status-index", KeyConditionExpression="#s = :s",
        ExpressionAttributeNames={"#s": "status"}, ExpressionAttributeValues={":s": {"S": status}})
    return [i["bookingId"]["S"] for page in pages for i in page["Items"]]


def test_gsi_index_follows_updates_ttl_deletes_and_rolled_back_transactions(
        fresh_emulator: Emulator) -> None:
    client = fresh_emulator.client()
    table = f"marketplace-{fresh_emulator.config.stage}-bookings-table"
    client.update_time_to_live(TableName=table, TimeToLiveSpecification={
        "Enabled": True, "AttributeName": "expiresAt"})
    now = time.time()
    for n in range(6):
        client.put_item(TableName=table, Item={
            "bookingId": {"S": f"b{n}"}, "status": {"S": "PENDING"},
            "createdAt": {"S": f"2025-01-0{n + 1}"},
            **({"expiresAt": {"N": str(now - 10)}} if n == 5 else {})})
    assert _gsi_keys(client, table, "PENDING") == ["b0", "b1", "b2", "b3", "b4", "b5"]

    client.update_item(TableName=table, Key={"bookingId": {"S": "b1"}},
                       UpdateExpression="SET #s = :s", ExpressionAttributeNames={"#s": "status"},
                       ExpressionAttributeValues={":s": {"S": "CONFIRMED"}})
    client.update_item(TableName=table, Key={"bookingId": {"S": "b2"}},
                       UpdateExpression="REMOVE createdAt")  # leaves the sparse index
    client.delete_item(TableName=table, Key={"bookingId": {"S": "b3"}})
    TtlReaper(fresh_emulator.config.server.account_id, fresh_emulator.region,
              clock=lambda: now).run_once()
    with pytest.raises(client.exceptions.TransactionCanceledException):
        client.transact_write_items(TransactItems=[
            {"Delete": {"TableName": table, "Key": {"bookingId": {"S": "b0"}}}},
            {"Put": {"TableName": table, "Item": {"bookingId": {"S": "b9"}, "status": {"S": "PENDING"},
                                                  "createdAt": {"S": "2025-01-09"}}}},
            {"ConditionCheck": {"TableName": table, "Key": {"bookingId": {"S": "b4"}},
                                "ConditionExpression": "attribute_not_exists(bookingId)"}},
        ])
    assert _gsi_keys(client, table, "PENDING") == ["b0", "b4"]
    assert _gsi_keys(client, table, "CONFIRMED") == ["b1"]


def test_gsi_index_follows_an_update_that_fails_part_way(fresh_emulator: Emulator) -> None:
    """moto applies SET before it rejects ADD on a string; the index must see what is stored."""
    client = fresh_emulator.client()
    table = f"marketplace-{fresh_emulator.config.stage}-bookings-table"
    client.put_item(TableName=table, Item={"bookingId": {"S": "b0"}, "status": {"S": "PENDING"},
                                           "createdAt": {"S": "2025-01-01"}, "note": {"S": "x"}})
    assert _gsi_keys(client, table, "PENDING") == ["b0"]
    with pytest.raises(client.exceptions.ClientError):
        client.update_item(TableName=table, Key={"bookingId": {"S": "b0"}},
                           UpdateExpression="SET #s = :c ADD #n :one",
                           ExpressionAttributeNames={"#s": "status", "#n": "note"},
                           ExpressionAttributeValues={":c": {"S": "CONFIRMED"},
                                                      ":one": {"N": "1"}})
    stored = client.get_item(TableName=table, Key={"bookingId": {"S": "b0"}})["Item"]["status"]
    assert _gsi_keys(client, table, stored["S"]) == ["b0"]
    assert _gsi_keys(client, table, "PENDING" if stored["S"] == "CONFIRMED" else "CONFIRMED") == []


def test_item_size_limit_is_moto_s_whether_checked_once_or_per_attribute(
        fresh_emulator: Emulator) -> None:
    from ddbkit.emulator.capacity.sizes import MAX_ITEM_BYTES, too_large

    def per_attribute(attrs: dict[str, Any]) -> bool:
        """moto's own rule, by DynamoDB's sizes: re-checked on every attribute stored."""
        built: dict[str, Any] = {}
        for key, value in attrs.items():
            built[key] = value
            if too_large(built):
                return False
        return True

    client = fresh_emulator.client()
    table = f"marketplace-{fresh_emulator.config.stage}-services-table"
    fixed = {"serviceId": {"S": "big"}, "pad": {"S": ""}}
    base = sum(len(k) for k in fixed) + len("big")
    for padding in (MAX_ITEM_BYTES - base - 1, MAX_ITEM_BYTES - base, MAX_ITEM_BYTES - base + 1):
        attrs = {**fixed, "pad": {"S": "x" * padding}}
        accepted = True
        try:
            client.put_item(TableName=table, Item=attrs)
        except client.exceptions.ClientError as error:
            assert "Item size has exceeded" in str(error)
            accepted = False
        assert accepted == per_attribute(attrs), padding
        assert accepted == (padding <= MAX_ITEM_BYTES - base)


def test_remembered_item_sizes_follow_updates_into_the_1mb_page(
        fresh_emulator: Emulator) -> None:
    client = fresh_emulator.client()
    table = f"marketplace-{fresh_emulator.config.stage}-bookings-table"
    for n in range(4):  # 4 x 240 KB: one 1 MB page holds them all
        client.put_item(TableName=table, Item={
            "bookingId": {"S": f"big{n}"}, "status": {"S": "BIG"},
            "createdAt": {"S": f"2025-01-0{n + 1}"}, "pad": {"S": "x" * 240_000}})

    def page() -> dict[str, Any]:
        return client.query(TableName=table, IndexName="status-index",
                            KeyConditionExpression="#s = :s",
                            ExpressionAttributeNames={"#s": "status"},
                            ExpressionAttributeValues={":s": {"S": "BIG"}})  # type: ignore[no-any-return]

    assert page()["Count"] == 4  # sizes now remembered
    client.update_item(TableName=table, Key={"bookingId": {"S": "big3"}},
                       UpdateExpression="SET extra = :p",
                       ExpressionAttributeValues={":p": {"S": "x" * 160_000}})
    grown = page()  # 720 KB + 400 KB no longer fits: the last item moves to the next page
    assert grown["Count"] == 3
    assert grown["LastEvaluatedKey"]["bookingId"] == {"S": "big2"}
    from ddbkit.emulator.capacity.sizes import item_size
    from ddbkit.emulator.store.catalog import catalog
    from ddbkit.emulator.store.indexes import _all
    from ddbkit.emulator.store.item import Item

    stored = list(_all(catalog(fresh_emulator.config.server.account_id,
                               fresh_emulator.region).tables[table]))
    assert stored and all(type(item) is Item for item in stored)  # ddbkit's, not moto's
    assert [item.size() for item in stored] == [item_size(item.attrs) for item in stored]


def test_moto_s_update_item_is_left_as_moto_wrote_it() -> None:
    """UpdateItem applies its update itself (expressions/updates.py) and stores a new item; no
    extension wraps the backend's in-place update any more."""
    from moto.dynamodb.models import DynamoDBBackend

    assert not hasattr(DynamoDBBackend.update_item, "__wrapped__")
    assert DynamoDBBackend.update_item.__module__.startswith("moto.")


def test_no_moto_ext_module_imports_from_the_package_init_or_another_private_name() -> None:
    import ast
    from pathlib import Path

    from ddbkit.emulator import moto_ext

    offenders = []
    for path in Path(moto_ext.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and \
                    node.module.startswith("ddbkit.emulator.moto_ext"):
                extensions = node.module == "ddbkit.emulator.moto_ext"
                private = [a.name for a in node.names if a.name.startswith("_")]
                if (extensions and path.name != "__init__.py") or private:
                    offenders.append(f"{path.name}: from {node.module} import "
                                     + ", ".join(a.name for a in node.names))
    assert offenders == []

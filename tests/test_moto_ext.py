"""The moto extensions: pinned shape, serializer parity, indexes that follow every write path."""

from __future__ import annotations

import json
import time
from importlib import metadata
from typing import Any

import pytest
from moto.dynamodb.responses import DynamoHandler

from emulator.moto_ext import MotoShapeError, require
from emulator.runtime import Emulator
from emulator.ttl import TtlReaper


def test_moto_is_the_pinned_version_and_shape_checks_bite() -> None:
    assert metadata.version("moto") == "5.2.5"  # extensions are written against this
    with pytest.raises(MotoShapeError, match="no longer has frobnicate"):
        require(DynamoHandler, "frobnicate")


def _requests(table: str) -> list[tuple[str, dict[str, Any]]]:
    key = {"bookingId": {"S": "s1"}}
    return [
        ("GetItem", {"TableName": table, "Key": key, "ReturnConsumedCapacity": "TOTAL"}),
        ("Query", {"TableName": table, "IndexName": "status-index", "Limit": 1,
                   "KeyConditionExpression": "#s = :s", "ExpressionAttributeNames": {"#s": "status"},
                   "ExpressionAttributeValues": {":s": {"S": "PENDING"}}}),
        ("Scan", {"TableName": table, "Limit": 2}),
        ("BatchGetItem", {"RequestItems": {table: {"Keys": [key, {"bookingId": {"S": "s2"}}]}}}),
        ("TransactGetItems", {"TransactItems": [{"Get": {"TableName": table, "Key": key}}]}),
        ("UpdateItem", {"TableName": table, "Key": key, "UpdateExpression": "SET #n = :n",
                        "ExpressionAttributeNames": {"#n": "note"},
                        "ExpressionAttributeValues": {":n": {"S": "x"}}, "ReturnValues": "ALL_NEW"}),
        ("PutItem", {"TableName": table, "Item": {"bookingId": {"S": "s3"}},
                     "ReturnConsumedCapacity": "TOTAL"}),
        ("DeleteItem", {"TableName": table, "Key": {"bookingId": {"S": "s3"}},
                        "ReturnValues": "ALL_OLD"}),
    ]


def test_fast_serializer_answers_as_moto_serializer_does(fresh_emulator: Emulator) -> None:
    client = fresh_emulator.client()
    table = f"marketplace-{fresh_emulator.config.stage}-bookings-table"
    for n, status in ((1, "PENDING"), (2, "PENDING")):
        client.put_item(TableName=table, Item={
            "bookingId": {"S": f"s{n}"}, "status": {"S": status}, "createdAt": {"S": f"2025-0{n}"},
            "blob": {"B": b"\x00\xffbytes"}, "blobs": {"BS": [b"a", b"b"]}, "tags": {"SS": ["x", "y"]},
            "nums": {"NS": ["1", "2.5"]}, "map": {"M": {"k": {"N": "3"}, "l": {"L": [{"BOOL": True},
                                                                                   {"NULL": True}]}}}})
    fast, stock = [], []
    for operation, body in _requests(table):
        fast.append(_call(client, operation, body))
    patched = DynamoHandler.serialized  # swapped back to moto's for the same requests
    DynamoHandler.serialized = patched.__wrapped__  # type: ignore[attr-defined]
    try:
        client.delete_item(TableName=table, Key={"bookingId": {"S": "note-reset"}})
        client.update_item(TableName=table, Key={"bookingId": {"S": "s1"}},
                           UpdateExpression="REMOVE #n", ExpressionAttributeNames={"#n": "note"})
        for operation, body in _requests(table):
            stock.append(_call(client, operation, body))
    finally:
        DynamoHandler.serialized = patched  # type: ignore[method-assign]
    assert fast == stock


def _call(client: Any, operation: str, body: dict[str, Any]) -> Any:
    """The raw JSON the endpoint answered (no boto3 parsing in between)."""
    import urllib.request

    request = urllib.request.Request(client.meta.endpoint_url, data=json.dumps(body).encode(),
                                     headers={"X-Amz-Target": f"DynamoDB_20120810.{operation}",
                                              "Content-Type": "application/x-amz-json-1.0"})
    with urllib.request.urlopen(request) as response:  # noqa: S310 - loopback test server
        return json.loads(response.read())


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

"""ConsumedCapacity over the wire, against values computed by hand from AWS's rules."""

from __future__ import annotations

from typing import Any

import pytest

from ddbkit.emulator.runtime import Emulator
from ddbkit.emulator.spec import get_table

KB = 1024


def _names(emulator: Emulator) -> tuple[str, str, str]:
    stage = emulator.config.stage
    return (get_table("idempotency").name(stage), get_table("services").name(stage),
            get_table("bookings").name(stage))


def _item_of(size: int, key: str) -> dict[str, Any]:
    """An idempotency item of exactly `size` bytes: "idempotencyKey" + key, "result" + pad."""
    pad = size - len("idempotencyKey") - len(key) - len("result")
    return {"idempotencyKey": {"S": key}, "result": {"S": "x" * pad}}


def test_20kb_item_without_indexes(emulator: Emulator, client: Any) -> None:
    table, _, _ = _names(emulator)
    item = _item_of(20 * KB, "cap-20kb")
    put = client.put_item(TableName=table, Item=item, ReturnConsumedCapacity="TOTAL")
    assert put["ConsumedCapacity"] == {"TableName": table, "CapacityUnits": 20.0}
    tx = client.transact_write_items(TransactItems=[{"Put": {"TableName": table, "Item": item}}],
                                     ReturnConsumedCapacity="TOTAL")
    assert tx["ConsumedCapacity"] == [{"TableName": table, "CapacityUnits": 40.0,
                                       "WriteCapacityUnits": 40.0}]
    key = {"idempotencyKey": item["idempotencyKey"]}
    strong = client.get_item(TableName=table, Key=key, ConsistentRead=True,
                             ReturnConsumedCapacity="INDEXES")
    assert strong["ConsumedCapacity"] == {"TableName": table, "CapacityUnits": 5.0,
                                          "Table": {"CapacityUnits": 5.0}}
    eventual = client.get_item(TableName=table, Key=key, ReturnConsumedCapacity="TOTAL")
    assert eventual["ConsumedCapacity"]["CapacityUnits"] == 2.5
    missing = client.get_item(TableName=table, Key={"idempotencyKey": {"S": "cap-none"}},
                              ReturnConsumedCapacity="TOTAL")
    assert missing["ConsumedCapacity"]["CapacityUnits"] == 0.5
    batch = client.batch_get_item(RequestItems={table: {"Keys": [
        key, {"idempotencyKey": {"S": "cap-none"}}], "ConsistentRead": True}},
        ReturnConsumedCapacity="TOTAL")
    assert batch["ConsumedCapacity"] == [{"TableName": table, "CapacityUnits": 6.0}]  # 5 + 1
    deleted = client.delete_item(TableName=table, Key=key, ReturnConsumedCapacity="TOTAL")
    assert deleted["ConsumedCapacity"]["CapacityUnits"] == 20.0


def test_query_sums_the_items_read_then_rounds_once(emulator: Emulator, client: Any) -> None:
    _, table, _ = _names(emulator)
    for n in range(20):  # 20 items of exactly 1,000 bytes: 20,000 bytes = five 4 KB steps
        item = {"serviceId": {"S": f"cq{n:02d}"}, "category": {"S": "cap-q"},
                "price": {"N": "10"}}  # 13 + 13 + 7 bytes
        item["pad"] = {"S": "x" * (1000 - 33 - 3)}
        client.put_item(TableName=table, Item=item)
    query = {"TableName": table, "IndexName": "category-index",
             "KeyConditionExpression": "category = :c",
             "ExpressionAttributeValues": {":c": {"S": "cap-q"}},
             "ReturnConsumedCapacity": "INDEXES"}
    found = client.query(**query)
    assert found["Count"] == 20
    assert found["ConsumedCapacity"] == {
        "TableName": table, "CapacityUnits": 2.5, "Table": {"CapacityUnits": 0.0},
        "GlobalSecondaryIndexes": {"category-index": {"CapacityUnits": 2.5}}}
    filtered = client.query(**{**query, "FilterExpression": "size(#pad) > :p",
                               "ExpressionAttributeNames": {"#pad": "pad"},
                               "ExpressionAttributeValues": {":c": {"S": "cap-q"},
                                                             ":p": {"N": "5000"}}})
    assert filtered["Count"] == 0 and filtered["ConsumedCapacity"]["CapacityUnits"] == 2.5
    empty = client.query(**{**query, "ExpressionAttributeValues": {":c": {"S": "cap-none"}}})
    assert empty["Count"] == 0 and empty["ConsumedCapacity"]["CapacityUnits"] == 0.5


def _booking(key: str, status: str) -> dict[str, Any]:
    return {"bookingId": {"S": key}, "customerId": {"S": "cap-c"}, "providerId": {"S": "cap-p"},
            "scheduledDate": {"S": "2025-12-04"}, "createdAt": {"S": "2025-12-01"},
            "status": {"S": status}}


def test_status_update_charges_each_gsi_that_projects_it(emulator: Emulator,
                                                           client: Any) -> None:
    _, _, table = _names(emulator)
    client.put_item(TableName=table, Item=_booking("cap-b1", "PENDING"))
    changed = client.update_item(
        TableName=table, Key={"bookingId": {"S": "cap-b1"}}, UpdateExpression="SET #s = :s",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":s": {"S": "CONFIRMED"}}, ReturnConsumedCapacity="INDEXES")
    assert changed["ConsumedCapacity"] == {
        "TableName": table, "CapacityUnits": 6.0, "Table": {"CapacityUnits": 1.0},
        "GlobalSecondaryIndexes": {"status-index": {"CapacityUnits": 2.0},  # key moved
                                   "providerBookings-index": {"CapacityUnits": 1.0},
                                   "customerBookings-index": {"CapacityUnits": 1.0},
                                   "customerId-index": {"CapacityUnits": 1.0}}}
    same = client.update_item(
        TableName=table, Key={"bookingId": {"S": "cap-b1"}}, UpdateExpression="SET #s = :s",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":s": {"S": "CONFIRMED"}}, ReturnConsumedCapacity="INDEXES")
    assert same["ConsumedCapacity"] == {"TableName": table, "CapacityUnits": 1.0,
                                        "Table": {"CapacityUnits": 1.0}}  # nothing changed


def test_sparse_index_entry_costs_one_write(emulator: Emulator, client: Any) -> None:
    _, _, table = _names(emulator)
    key = {"bookingId": {"S": "cap-sparse"}}
    put = client.put_item(TableName=table, Item={**key, "status": {"S": "NEW"},
                                                 "createdAt": {"S": "2025-12-01"}},
                          ReturnConsumedCapacity="INDEXES")
    # Only status-index (status, createdAt) holds it; the other GSIs need customerId or
    # providerId.
    assert put["ConsumedCapacity"]["GlobalSecondaryIndexes"] == {
        "status-index": {"CapacityUnits": 1.0}}
    left = client.update_item(TableName=table, Key=key, UpdateExpression="REMOVE createdAt",
                              ReturnConsumedCapacity="INDEXES")
    assert left["ConsumedCapacity"]["GlobalSecondaryIndexes"] == {
        "status-index": {"CapacityUnits": 1.0}}  # leaves the index
    untouched = client.update_item(TableName=table, Key=key, UpdateExpression="SET n = :n",
                                   ExpressionAttributeValues={":n": {"N": "1"}},
                                   ReturnConsumedCapacity="INDEXES")
    assert "GlobalSecondaryIndexes" not in untouched["ConsumedCapacity"]  # in no index


@pytest.mark.parametrize("operation", ["put", "update", "delete", "batch"])
def test_nothing_asked_nothing_answered(emulator: Emulator, client: Any, operation: str) -> None:
    table, _, _ = _names(emulator)
    key = {"idempotencyKey": {"S": "cap-quiet"}}
    answer = {
        "put": lambda: client.put_item(TableName=table, Item=key),
        "update": lambda: client.update_item(TableName=table, Key=key,
                                             UpdateExpression="SET r = :r",
                                             ExpressionAttributeValues={":r": {"S": "v"}}),
        "delete": lambda: client.delete_item(TableName=table, Key=key),
        "batch": lambda: client.batch_write_item(RequestItems={table: [
            {"PutRequest": {"Item": key}}]}),
    }[operation]()
    assert "ConsumedCapacity" not in answer


def test_update_charges_only_the_indexes_that_project_the_attribute(client: Any) -> None:
    """KEYS_ONLY and INCLUDE indexes hold only some attributes: an update of another one
    writes nothing to them."""
    table = "cap-projections"
    client.create_table(
        TableName=table, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "g", "AttributeType": "S"}],
        GlobalSecondaryIndexes=[
            {"IndexName": "keys", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
             "Projection": {"ProjectionType": "KEYS_ONLY"}},
            {"IndexName": "include", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
             "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["a"]}}])
    client.put_item(TableName=table, Item={"pk": {"S": "p1"}, "g": {"S": "g1"},
                                           "a": {"S": "1"}, "b": {"S": "1"}})

    def update(name: str) -> Any:
        return client.update_item(
            TableName=table, Key={"pk": {"S": "p1"}}, UpdateExpression="SET #n = :v",
            ExpressionAttributeNames={"#n": name}, ExpressionAttributeValues={":v": {"S": "2"}},
            ReturnConsumedCapacity="INDEXES")["ConsumedCapacity"]

    assert update("b") == {"TableName": table, "CapacityUnits": 1.0,
                           "Table": {"CapacityUnits": 1.0}}  # projected by neither index
    assert update("a") == {"TableName": table, "CapacityUnits": 2.0,
                           "Table": {"CapacityUnits": 1.0},
                           "GlobalSecondaryIndexes": {"include": {"CapacityUnits": 1.0}}}
    client.delete_table(TableName=table)

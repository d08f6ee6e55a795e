"""Query and Scan as ddbkit's own operations (operations/query.py, scan.py), through a real
server with boto3: candidates from ddbkit's indexes in key order, pages by Limit and 1 MB,
filters (expressions and legacy), projections, parallel segments, LSI fetches, capacity.

Capacity follows AWS's rules: everything a page read, summed before the filter and rounded
once to 4 KB; 0.5 a step eventually consistent (always on a GSI), 1 strongly.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from botocore.exceptions import ClientError

from ddbkit.emulator.runtime import Emulator

FILLER = "z" * 1000
BINARY_SORT_KEYS = [b"\x00", b"\x01", b"\x7f", b"\x80", b"\xff", b"\xff\x00", b"\xff\xff"]
_ids = itertools.count(1)


def _error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = exc.value.response["Error"]
    return error["Code"], error["Message"]


def _pages(call: Any, **request: Any) -> list[dict[str, Any]]:
    """Every page of a Query or Scan, following LastEvaluatedKey to the end."""
    pages = []
    while True:
        page = call(**request)
        pages.append(page)
        if "LastEvaluatedKey" not in page:
            return pages
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


@pytest.fixture
def bookings(emulator: Emulator) -> str:
    return f"marketplace-{emulator.config.stage}-bookings-table"


@pytest.fixture
def run_id() -> str:
    return f"qs{next(_ids)}"


@pytest.fixture
def booked(client: Any, bookings: str, run_id: str) -> list[dict[str, Any]]:
    """Six bookings of one provider, one customer and one status, on six dates."""
    items = []
    for n in range(6):
        item = {"bookingId": {"S": f"{run_id}-b{n}"}, "providerId": {"S": f"{run_id}-p"},
                "customerId": {"S": f"{run_id}-c"}, "status": {"S": f"{run_id}-OPEN"},
                "scheduledDate": {"S": f"2025-03-0{n + 1}"},
                "createdAt": {"S": f"2025-01-0{n + 1}T00:00:00Z"},
                "amount": {"N": str(n)}, "pad": {"S": FILLER}}
        client.put_item(TableName=bookings, Item=item)
        items.append(item)
    return items


@pytest.fixture
def binary_table(client: Any, make_table: Any) -> str:
    table = str(make_table("qs-binary", sort="B"))
    for n, sort in enumerate(BINARY_SORT_KEYS):
        client.put_item(TableName=table, Item={"pk": {"S": "p"}, "sk": {"B": sort},
                                               "n": {"N": str(n)}})
    return table


def _query_binary(client: Any, table: str, condition: str, values: dict[str, Any],
                  **extra: Any) -> list[bytes]:
    answer = client.query(TableName=table, KeyConditionExpression=f"pk = :p AND {condition}",
                          ExpressionAttributeValues={":p": {"S": "p"}, **values}, **extra)
    return [item["sk"]["B"] for item in answer["Items"]]


# -- every GSI of the bookings table ----------------------------------------------------------

@pytest.mark.parametrize(("index", "partition", "sort", "condition"), [
    ("providerBookings-index", "providerId", "scheduledDate",
     "scheduledDate BETWEEN :a AND :b"),
    ("customerBookings-index", "customerId", "createdAt", "createdAt BETWEEN :a AND :b"),
    ("status-index", "status", "createdAt", "createdAt BETWEEN :a AND :b"),
    ("customerId-index", "customerId", None, None),
])
def test_every_gsi_of_bookings_answers_its_partition_in_order(
        client: Any, bookings: str, booked: list[dict[str, Any]], index: str, partition: str,
        sort: str | None, condition: str | None) -> None:
    values: dict[str, Any] = {":h": booked[0][partition]}
    expression = "#h = :h"
    if condition is not None and sort is not None:
        expression += f" AND {condition}"
        values[":a"], values[":b"] = booked[1][sort], booked[4][sort]
    request = {"TableName": bookings, "IndexName": index, "KeyConditionExpression": expression,
               "ExpressionAttributeNames": {"#h": partition},
               "ExpressionAttributeValues": values}
    found = [item["bookingId"]["S"] for item in client.query(**request)["Items"]]
    expected = [item["bookingId"]["S"] for item in (booked[1:5] if condition else booked)]
    assert found == expected
    backward = client.query(**request, ScanIndexForward=False)["Items"]
    assert [item["bookingId"]["S"] for item in backward] == expected[::-1]


def test_gsi_pages_follow_last_evaluated_key_to_the_end(
        client: Any, bookings: str, booked: list[dict[str, Any]]) -> None:
    pages = _pages(client.query, TableName=bookings, IndexName="status-index", Limit=4,
                   KeyConditionExpression="#s = :s", ExpressionAttributeNames={"#s": "status"},
                   ExpressionAttributeValues={":s": booked[0]["status"]})
    assert [page["Count"] for page in pages] == [4, 2]
    assert pages[0]["LastEvaluatedKey"] == {name: booked[3][name] for name in (
        "bookingId", "status", "createdAt")}
    found = [item["bookingId"]["S"] for page in pages for item in page["Items"]]
    assert found == [item["bookingId"]["S"] for item in booked]


def test_gsi_capacity_is_summed_before_the_filter_and_rounded_once(
        client: Any, bookings: str, booked: list[dict[str, Any]]) -> None:
    answer = client.query(
        TableName=bookings, IndexName="providerBookings-index",
        KeyConditionExpression="providerId = :p", FilterExpression="amount = :one",
        ExpressionAttributeValues={":p": booked[0]["providerId"], ":one": {"N": "1"}},
        ReturnConsumedCapacity="INDEXES")
    assert (answer["Count"], answer["ScannedCount"]) == (1, 6)
    # six items of ~1.1 KB: 2 steps of 4 KB, 0.5 each (a GSI reads eventually consistent)
    assert answer["ConsumedCapacity"] == {
        "TableName": bookings, "CapacityUnits": 1.0, "Table": {"CapacityUnits": 0.0},
        "GlobalSecondaryIndexes": {"providerBookings-index": {"CapacityUnits": 1.0}}}
    total = client.query(TableName=bookings, IndexName="providerBookings-index",
                         KeyConditionExpression="providerId = :p", Select="COUNT",
                         ExpressionAttributeValues={":p": booked[0]["providerId"]},
                         ReturnConsumedCapacity="TOTAL")
    assert "Items" not in total
    assert total["Count"] == 6
    assert total["ConsumedCapacity"] == {"TableName": bookings, "CapacityUnits": 1.0}


def test_base_table_query_strongly_consistent_costs_whole_steps(
        client: Any, bookings: str, booked: list[dict[str, Any]]) -> None:
    answer = client.query(TableName=bookings, KeyConditionExpression="bookingId = :b",
                          ExpressionAttributeValues={":b": booked[2]["bookingId"]},
                          ConsistentRead=True, ReturnConsumedCapacity="TOTAL")
    assert answer["Items"] == [booked[2]]
    assert answer["ConsumedCapacity"] == {"TableName": bookings, "CapacityUnits": 1.0}


# -- base table: key operators on a binary sort key -------------------------------------------

@pytest.mark.parametrize(("condition", "values", "expected"), [
    ("sk = :v", {":v": {"B": b"\x80"}}, [b"\x80"]),
    ("sk < :v", {":v": {"B": b"\x80"}}, [b"\x00", b"\x01", b"\x7f"]),
    ("sk <= :v", {":v": {"B": b"\x80"}}, [b"\x00", b"\x01", b"\x7f", b"\x80"]),
    ("sk > :v", {":v": {"B": b"\x80"}}, [b"\xff", b"\xff\x00", b"\xff\xff"]),
    ("sk >= :v", {":v": {"B": b"\xff"}}, [b"\xff", b"\xff\x00", b"\xff\xff"]),
    ("sk BETWEEN :a AND :b", {":a": {"B": b"\x7f"}, ":b": {"B": b"\xff"}},
     [b"\x7f", b"\x80", b"\xff"]),
    ("begins_with(sk, :v)", {":v": {"B": b"\xff"}}, [b"\xff", b"\xff\x00", b"\xff\xff"]),
    ("begins_with(sk, :v)", {":v": {"B": b"\xff\xff"}}, [b"\xff\xff"]),
    ("begins_with(sk, :v)", {":v": {"B": b"\x7f"}}, [b"\x7f"]),
])
def test_binary_sort_key_operators_use_unsigned_byte_order(
        client: Any, binary_table: str, condition: str, values: dict[str, Any],
        expected: list[bytes]) -> None:
    assert _query_binary(client, binary_table, condition, values) == expected
    assert _query_binary(client, binary_table, condition, values,
                         ScanIndexForward=False) == expected[::-1]


def test_limit_pages_through_a_partition_both_ways(client: Any, binary_table: str) -> None:
    for forward in (True, False):
        pages = _pages(client.query, TableName=binary_table, Limit=2,
                       ScanIndexForward=forward, KeyConditionExpression="pk = :p",
                       ExpressionAttributeValues={":p": {"S": "p"}})
        assert all(page["Count"] <= 2 for page in pages)
        found = [item["sk"]["B"] for page in pages for item in page["Items"]]
        assert found == (BINARY_SORT_KEYS if forward else BINARY_SORT_KEYS[::-1])


def test_one_megabyte_pages(client: Any, make_table: Any) -> None:
    table = make_table("qs-big", sort="N")
    for n in range(5):
        client.put_item(TableName=table, Item={"pk": {"S": "big"}, "sk": {"N": str(n)},
                                               "pad": {"S": "x" * 300_000}})
    request = {"TableName": table, "KeyConditionExpression": "pk = :p",
               "ExpressionAttributeValues": {":p": {"S": "big"}}}
    pages = _pages(client.query, **request)
    assert [page["Count"] for page in pages] == [3, 2]  # a fourth 300 KB item passes 1 MB
    assert pages[0]["LastEvaluatedKey"] == {"pk": {"S": "big"}, "sk": {"N": "2"}}
    assert [page["Count"] for page in _pages(client.scan, TableName=table)] == [3, 2]


# -- filters, legacy conditions, projections -------------------------------------------------

def test_query_filter_and_scan_filter_are_the_expressions_they_stand_for(
        client: Any, binary_table: str) -> None:
    legacy = client.query(
        TableName=binary_table,
        KeyConditions={"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "p"}]},
                       "sk": {"ComparisonOperator": "BEGINS_WITH",
                              "AttributeValueList": [{"B": b"\xff"}]}},
        QueryFilter={"n": {"ComparisonOperator": "GT", "AttributeValueList": [{"N": "4"}]}})
    assert [item["sk"]["B"] for item in legacy["Items"]] == [b"\xff\x00", b"\xff\xff"]
    assert (legacy["Count"], legacy["ScannedCount"]) == (2, 3)
    either = client.scan(
        TableName=binary_table, ConditionalOperator="OR",
        ScanFilter={"n": {"ComparisonOperator": "EQ", "AttributeValueList": [{"N": "0"}]},
                    "sk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"B": b"\xff"}]}})
    assert sorted(item["n"]["N"] for item in either["Items"]) == ["0", "4"]
    assert either["ScannedCount"] == len(BINARY_SORT_KEYS)


def test_key_conditions_beside_projection_filter_and_select_are_allowed(
        client: Any, binary_table: str) -> None:
    answer = client.query(
        TableName=binary_table, ProjectionExpression="n", FilterExpression="n < :two",
        ExpressionAttributeValues={":two": {"N": "2"}},
        KeyConditions={"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "p"}]}})
    assert answer["Items"] == [{"n": {"N": "0"}}, {"n": {"N": "1"}}]
    counted = client.query(
        TableName=binary_table, Select="COUNT",
        KeyConditions={"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "p"}]}})
    assert counted["Count"] == len(BINARY_SORT_KEYS)
    assert "Items" not in counted


def test_attributes_to_get_returns_only_the_named_attributes(client: Any,
                                                             binary_table: str) -> None:
    answer = client.scan(TableName=binary_table, AttributesToGet=["n"], Limit=1)
    assert answer["Items"] == [{"n": {"N": "0"}}]


# -- Scan -----------------------------------------------------------------------------------

def test_parallel_scan_segments_cover_every_item_once(client: Any, make_table: Any) -> None:
    table = make_table("qs-segments", sort="N")
    keys = {(f"p{n % 17}", n) for n in range(60)}
    for pk, sk in keys:
        client.put_item(TableName=table, Item={"pk": {"S": pk}, "sk": {"N": str(sk)}})
    seen: list[tuple[str, int]] = []
    for segment in range(4):
        for page in _pages(client.scan, TableName=table, Segment=segment, TotalSegments=4,
                           Limit=7):
            seen += [(item["pk"]["S"], int(item["sk"]["N"])) for item in page["Items"]]
    assert sorted(seen) == sorted(keys)
    whole = [(item["pk"]["S"], int(item["sk"]["N"])) for page in _pages(
        client.scan, TableName=table, Limit=9) for item in page["Items"]]
    assert sorted(whole) == sorted(keys) and len(whole) == len(keys)


def _scan_keys(client: Any, table: str, **request: Any) -> list[str]:
    """A whole Scan's `pk`s (and `sk`s), in the order its pages gave them."""
    return [item["pk"]["S"] + item.get("sk", {}).get("S", "") for page in _pages(
        client.scan, TableName=table, Limit=3, **request) for item in page["Items"]]


@pytest.mark.parametrize("shape", ["hash", "hash and range", "gsi"])
def test_scans_follow_items_that_come_and_go_between_them(client: Any, make_table: Any,
                                                           shape: str) -> None:
    """A Scan's order is kept between Scans (sorted by the first, then kept by each write
    that makes or deletes an item or a partition): pages before and after puts, overwrites
    and deletes list what the table holds, in key order."""
    gsi = {"attributes": [{"AttributeName": "g", "AttributeType": "S"}],
           "GlobalSecondaryIndexes": [{"IndexName": "by-g",
                                       "Projection": {"ProjectionType": "ALL"},
                                       "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}]}]}
    table = make_table("qs-scan-order", sort="S" if shape == "hash and range" else None,
                       **(gsi if shape == "gsi" else {}))
    held: dict[str, dict[str, Any]] = {}

    def put(n: int, group: str = "g") -> None:
        item = {"pk": {"S": f"k{n:03d}"}, "g": {"S": f"{group}{n % 5}"}}
        if shape == "hash and range":
            item["sk"] = {"S": f"s{n % 2}"}
        client.put_item(TableName=table, Item=item)
        held[item["pk"]["S"] + item.get("sk", {}).get("S", "")] = item

    def delete(n: int) -> None:
        key = next(k for k in held if k.startswith(f"k{n:03d}"))
        client.delete_item(TableName=table, Key={a: held[key][a] for a in held[key] if a != "g"})
        del held[key]

    def expected() -> list[str]:
        if shape != "gsi":
            return sorted(held)
        return [k for _, k in sorted((item["g"]["S"], k) for k, item in held.items())]

    request = {"IndexName": "by-g"} if shape == "gsi" else {}
    for n in range(0, 40, 2):
        put(n)
    assert _scan_keys(client, table, **request) == expected()
    for n in (1, 17, 39, 41):  # new keys (and, for the GSI, partitions)
        put(n, group="h")
    assert _scan_keys(client, table, **request) == expected()
    put(4, group="h")  # an overwrite that moves the item to another GSI partition
    assert _scan_keys(client, table, **request) == expected()
    for n in (0, 17, 38):
        delete(n)
    assert _scan_keys(client, table, **request) == expected()
    pages = _pages(client.scan, TableName=table, Limit=5, **request)  # a write between pages
    put(99)
    rest = _pages(client.scan, TableName=table, **request,
                  ExclusiveStartKey=pages[0]["LastEvaluatedKey"])
    first = [i["pk"]["S"] + i.get("sk", {}).get("S", "") for i in pages[0]["Items"]]
    after = [i["pk"]["S"] + i.get("sk", {}).get("S", "") for p in rest for i in p["Items"]]
    assert first + after == expected()


def test_scan_of_an_index_keeps_only_items_in_it(client: Any, make_table: Any) -> None:
    table = make_table("qs-sparse", attributes=[{"AttributeName": "g", "AttributeType": "S"}],
                       GlobalSecondaryIndexes=[{
                           "IndexName": "by-g", "Projection": {"ProjectionType": "KEYS_ONLY"},
                           "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}]}])
    for n in range(6):
        item = {"pk": {"S": f"k{n}"}, "other": {"S": "x"}}
        if n % 2:
            item["g"] = {"S": f"g{n}"}
        client.put_item(TableName=table, Item=item)
    answer = client.scan(TableName=table, IndexName="by-g", ReturnConsumedCapacity="INDEXES")
    assert sorted(item["pk"]["S"] for item in answer["Items"]) == ["k1", "k3", "k5"]
    assert all(set(item) == {"pk", "g"} for item in answer["Items"])  # KEYS_ONLY
    assert answer["ConsumedCapacity"]["GlobalSecondaryIndexes"] == {"by-g": {"CapacityUnits": 0.5}}


# -- LSI ------------------------------------------------------------------------------------

def test_lsi_query_fetches_unprojected_attributes(client: Any, make_table: Any) -> None:
    table = make_table("qs-lsi", sort="N", attributes=[{"AttributeName": "l",
                                                       "AttributeType": "S"}],
                       LocalSecondaryIndexes=[{
                           "IndexName": "by-l", "Projection": {"ProjectionType": "KEYS_ONLY"},
                           "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                         {"AttributeName": "l", "KeyType": "RANGE"}]}])
    for n, label in enumerate(["c", "a", "b"]):
        client.put_item(TableName=table, Item={"pk": {"S": "p"}, "sk": {"N": str(n)},
                                               "l": {"S": label}, "extra": {"N": str(n)}})
    request = {"TableName": table, "IndexName": "by-l", "KeyConditionExpression": "pk = :p",
               "ExpressionAttributeValues": {":p": {"S": "p"}}}
    projected = client.query(**request)["Items"]
    assert [item["l"]["S"] for item in projected] == ["a", "b", "c"]
    assert all(set(item) == {"pk", "sk", "l"} for item in projected)
    whole = client.query(**request, Select="ALL_ATTRIBUTES")["Items"]
    assert [item["extra"]["N"] for item in whole] == ["1", "2", "0"]
    named = client.query(**request, ProjectionExpression="extra")["Items"]
    assert named == [{"extra": {"N": "1"}}, {"extra": {"N": "2"}}, {"extra": {"N": "0"}}]
    filtered = client.query(**{**request, "ExpressionAttributeValues": {
        ":p": {"S": "p"}, ":e": {"N": "2"}}}, FilterExpression="extra = :e")["Items"]
    assert [item["l"]["S"] for item in filtered] == ["b"]


# -- bad input, in DynamoDB's words ---------------------------------------------------------

def test_bad_requests_get_dynamodb_wording(client: Any, bookings: str,
                                           binary_table: str) -> None:
    cases: list[tuple[Any, dict[str, Any], str]] = [
        (client.query, {"TableName": bookings, "IndexName": "nope",
                        "KeyConditionExpression": "bookingId = :b",
                        "ExpressionAttributeValues": {":b": {"S": "x"}}},
         "The table does not have the specified index: nope"),
        (client.scan, {"TableName": bookings, "IndexName": "nope"},
         "The table does not have the specified index: nope"),
        (client.query, {"TableName": bookings, "IndexName": "status-index",
                        "ConsistentRead": True, "KeyConditionExpression": "#s = :s",
                        "ExpressionAttributeNames": {"#s": "status"},
                        "ExpressionAttributeValues": {":s": {"S": "x"}}},
         "Consistent reads are not supported on global secondary indexes"),
        (client.query, {"TableName": binary_table, "KeyConditionExpression": "pk = :p",
                        "ExpressionAttributeValues": {":p": {"S": "p"}},
                        "ExclusiveStartKey": {"pk": {"S": "p"}}},
         "The provided starting key is invalid: The provided key element does not match "
         "the schema"),
        (client.query, {"TableName": binary_table, "KeyConditionExpression": "pk = :p",
                        "ExpressionAttributeValues": {":p": {"N": "1"}}},
         "One or more parameter values were invalid: Condition parameter type does not "
         "match schema type"),
        (client.query, {"TableName": binary_table,
                        "KeyConditionExpression": "pk = :p OR sk = :s",
                        "ExpressionAttributeValues": {":p": {"S": "p"}, ":s": {"B": b"1"}}},
         "Invalid operator used in KeyConditionExpression: OR"),
        (client.query, {"TableName": binary_table,
                        "KeyConditionExpression": "pk = :p AND sk BETWEEN :b AND :a",
                        "ExpressionAttributeValues": {":p": {"S": "p"}, ":a": {"B": b"\x01"},
                                                      ":b": {"B": b"\xff"}}},
         "Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be "
         "greater than or equal to lower bound"),
        (client.scan, {"TableName": binary_table, "Segment": 4, "TotalSegments": 4},
         "The Segment parameter is zero-based and must be less than parameter TotalSegments"),
    ]
    for call, request, message in cases:
        with pytest.raises(ClientError) as exc:
            call(**request)
        code, text = _error(exc)
        assert code == "ValidationException", request
        assert text.startswith(message), (request, text)


def test_missing_table_is_not_found(client: Any) -> None:
    with pytest.raises(ClientError) as exc:
        client.scan(TableName="qs-no-such-table")
    assert _error(exc)[0] == "ResourceNotFoundException"

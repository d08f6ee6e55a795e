"""ProjectionExpression on items held as DynamoDB JSON (emulator/expressions/projections.py):
direct cases on dicts, then through boto3 against a real server (GetItem, BatchGetItem,
TransactGetItems, Query, Scan and UpdateItem's UPDATED_OLD/NEW)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from ddbkit.emulator.expressions import projections
from ddbkit.emulator.operations.call import OperationError

ITEM: dict[str, Any] = {
    "pk": {"S": "k"},
    "n": {"N": "1.5"},
    "b": {"B": b"\x00\x01"},
    "s": {"S": "text"},
    "l": {"L": [{"S": "e0"}, {"M": {"x": {"N": "1"}, "y": {"N": "2"}}}, {"S": "e2"}]},
    "m": {"M": {"a": {"L": [{"N": "10"}, {"N": "11"}]}, "b": {"BOOL": True},
                "c": {"M": {"d": {"NULL": True}}}}},
}


def _project(expression: str, names: dict[str, str] | None = None) -> dict[str, Any]:
    return projections.project(ITEM, projections.parse(expression, names))


@pytest.mark.parametrize(("expression", "expected"), [
    ("pk, b", {"pk": {"S": "k"}, "b": {"B": b"\x00\x01"}}),
    ("m.b", {"m": {"M": {"b": {"BOOL": True}}}}),
    ("m.c.d, m.a[1]", {"m": {"M": {"c": {"M": {"d": {"NULL": True}}},
                                   "a": {"L": [{"N": "11"}]}}}}),
    # Several indexes of one list: every element, in index order, in one list.
    ("l[0], l[2]", {"l": {"L": [{"S": "e0"}, {"S": "e2"}]}}),
    ("l[2], l[0]", {"l": {"L": [{"S": "e0"}, {"S": "e2"}]}}),
    ("l[1].y, l[0]", {"l": {"L": [{"S": "e0"}, {"M": {"y": {"N": "2"}}}]}}),
    ("l[1].x, l[1].y", {"l": {"L": [{"M": {"x": {"N": "1"}, "y": {"N": "2"}}}]}}),
    # What the item does not have is left out, not an error.
    ("missing, l[7], m.zz", {}),
    ("l[7], l[1].x", {"l": {"L": [{"M": {"x": {"N": "1"}}}]}}),
    ("s.x, n[0], m[0], l.x, pk", {"pk": {"S": "k"}}),
])
def test_paths_on_a_dict_item(expression: str, expected: dict[str, Any]) -> None:
    assert _project(expression) == expected


def test_placeholders_are_substituted_in_indexed_segments() -> None:
    used: list[str] = []
    paths = projections.parse("#l[1].#x, #m.a[0]", {"#l": "l", "#x": "x", "#m": "m"}, used)
    assert paths == [("l", 1, "x"), ("m", "a", 0)]
    assert sorted(set(used)) == ["#l", "#m", "#x"]
    assert projections.project(ITEM, paths) == {
        "l": {"L": [{"M": {"x": {"N": "1"}}}]}, "m": {"M": {"a": {"L": [{"N": "10"}]}}}}


def test_a_placeholder_may_name_an_attribute_with_brackets_or_dots() -> None:
    item = {"a.b": {"S": "dotted"}, "c[0]": {"S": "bracketed"}}
    paths = projections.parse("#d, #c", {"#d": "a.b", "#c": "c[0]"})
    assert projections.project(item, paths) == item


@pytest.mark.parametrize(("expression", "names", "one", "two"), [
    ("a, a.b", None, "a", "a, b"),
    ("l[0], l[0].x", None, "l, [0]", "l, [0], x"),
    ("#a, #b", {"#a": "x", "#b": "x"}, "x", "x"),
])
def test_overlapping_paths_are_refused(expression: str, names: dict[str, str] | None,
                                       one: str, two: str) -> None:
    with pytest.raises(OperationError) as caught:
        projections.parse(expression, names)
    assert caught.value.error_type == "ValidationException"
    assert caught.value.message == projections.OVERLAP.format(one, two)


def test_the_item_is_not_changed() -> None:
    before = repr(ITEM)
    projected = _project("m.a[0], l[1].x")
    projected["m"]["M"]["a"]["L"].append({"N": "99"})
    assert repr(ITEM) == before


# -- through the server -----------------------------------------------------------------------

PROJECTION = "l[0], l[2], #m.a[1], b"
NAMES = {"#m": "m"}
EXPECTED = {"l": {"L": [{"S": "e0"}, {"S": "e2"}]}, "m": {"M": {"a": {"L": [{"N": "11"}]}}},
            "b": {"B": b"\x00\x01"}}


@pytest.fixture
def stored(client: Any, make_table: Any) -> str:
    table: str = make_table("projections", sort="S")
    client.put_item(TableName=table, Item={**ITEM, "sk": {"S": "1"}})
    return table


KEY = {"pk": {"S": "k"}, "sk": {"S": "1"}}


def test_get_item_and_the_batches(client: Any, stored: str) -> None:
    got = client.get_item(TableName=stored, Key=KEY, ProjectionExpression=PROJECTION,
                          ExpressionAttributeNames=NAMES)
    assert got["Item"] == EXPECTED
    batch = client.batch_get_item(RequestItems={stored: {
        "Keys": [KEY], "ProjectionExpression": PROJECTION, "ExpressionAttributeNames": NAMES}})
    assert batch["Responses"][stored] == [EXPECTED]
    transact = client.transact_get_items(TransactItems=[{"Get": {
        "TableName": stored, "Key": KEY, "ProjectionExpression": PROJECTION,
        "ExpressionAttributeNames": NAMES}}])
    assert transact["Responses"] == [{"Item": EXPECTED}]


def test_query_and_scan(client: Any, stored: str) -> None:
    queried = client.query(TableName=stored, KeyConditionExpression="pk = :k",
                           ExpressionAttributeValues={":k": {"S": "k"}},
                           ProjectionExpression=PROJECTION, ExpressionAttributeNames=NAMES)
    assert queried["Items"] == [EXPECTED]
    scanned = client.scan(TableName=stored, ProjectionExpression="l[1].y, s.x, nothing")
    assert scanned["Items"] == [{"l": {"L": [{"M": {"y": {"N": "2"}}}]}}]


def test_attributes_to_get_names_attributes_not_paths(client: Any, stored: str) -> None:
    client.update_item(TableName=stored, Key=KEY, UpdateExpression="SET #odd = :v",
                       ExpressionAttributeNames={"#odd": "l[0]"},
                       ExpressionAttributeValues={":v": {"S": "a name"}})
    got = client.get_item(TableName=stored, Key=KEY, AttributesToGet=["n", "l[0]"])
    assert got["Item"] == {"n": {"N": "1.5"}, "l[0]": {"S": "a name"}}


def test_updated_old_and_new(client: Any, stored: str) -> None:
    old = client.update_item(TableName=stored, Key=KEY, ReturnValues="UPDATED_OLD",
                             UpdateExpression="SET l[0] = :v, m.a[1] = :n, fresh = :v",
                             ExpressionAttributeValues={":v": {"S": "new"}, ":n": {"N": "5"}})
    assert old["Attributes"] == {"l": {"L": [{"S": "e0"}]},
                                 "m": {"M": {"a": {"L": [{"N": "11"}]}}}}
    new = client.update_item(TableName=stored, Key=KEY, ReturnValues="UPDATED_NEW",
                             UpdateExpression="SET l[2] = :v, b = :b",
                             ExpressionAttributeValues={":v": {"S": "newer"},
                                                        ":b": {"B": b"\x02"}})
    assert new["Attributes"] == {"l": {"L": [{"S": "newer"}]}, "b": {"B": b"\x02"}}


def test_overlapping_paths_are_refused_by_the_server(client: Any, stored: str) -> None:
    with pytest.raises(ClientError) as caught:
        client.get_item(TableName=stored, Key=KEY, ProjectionExpression="#m, m.a",
                        ExpressionAttributeNames=NAMES)
    assert caught.value.response["Error"]["Message"] == projections.OVERLAP.format("m", "m, a")


def test_an_index_holds_its_projected_attributes_by_name(client: Any, make_table: Any) -> None:
    """KEYS_ONLY and INCLUDE indexes keep attributes by name: `x[0]` in NonKeyAttributes is
    an attribute's name, not a list index; binary sets keep their order."""
    table = make_table(
        "index-projection", attributes=[{"AttributeName": "g", "AttributeType": "S"}],
        GlobalSecondaryIndexes=[
            {"IndexName": "keys", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
             "Projection": {"ProjectionType": "KEYS_ONLY"}},
            {"IndexName": "some", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
             "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["bs", "x[0]"]}}])
    item = {"pk": {"S": "a"}, "g": {"S": "G"}, "bs": {"BS": [b"\x00", b"\x01"]},
            "x[0]": {"S": "a name"}, "x": {"L": [{"S": "a list"}]}, "n": {"N": "1"}}
    client.put_item(TableName=table, Item=item)
    by_key = {"KeyConditionExpression": "g = :g", "ExpressionAttributeValues": {":g": {"S": "G"}}}
    keys = client.query(TableName=table, IndexName="keys", **by_key)["Items"]
    assert keys == [{"pk": {"S": "a"}, "g": {"S": "G"}}]
    some = client.query(TableName=table, IndexName="some", **by_key)["Items"]
    assert some == [{"pk": {"S": "a"}, "g": {"S": "G"}, "bs": {"BS": [b"\x00", b"\x01"]},
                     "x[0]": {"S": "a name"}}]
    filtered = client.scan(TableName=table, IndexName="some", FilterExpression="attribute_exists(x)")
    assert filtered["Items"] == []  # `x` is not in the index

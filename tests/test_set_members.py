"""Set members as DynamoDB takes them: an empty string or a zero-length binary is a member like
any other (DynamoDB's developer guide, "Data types": "empty string and binary values are
allowed within a set"), on every write; a set is never empty and never holds a member twice;
GetItem answers the members in DynamoDB's order (strings and binaries bytewise, numbers by
value), whatever order they were written in."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

INVALID = "One or more parameter values were invalid: "


@pytest.fixture
def table(make_table: Any) -> str:
    return str(make_table("set-members"))


def _get(client: Any, table: str, key: dict[str, Any]) -> dict[str, Any]:
    item: dict[str, Any] = client.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]
    return item


def test_put_and_set_store_empty_members(client: Any, table: str) -> None:
    key = {"pk": {"S": "put"}}
    client.put_item(TableName=table, Item={**key, "ss": {"SS": ["a", ""]},
                                           "bs": {"BS": [b"\x01", b""]}})
    item = _get(client, table, key)
    assert item["ss"] == {"SS": ["", "a"]}
    assert item["bs"] == {"BS": [b"", b"\x01"]}
    client.put_item(TableName=table, Item={**key, "m": {"M": {}}})
    client.update_item(TableName=table, Key=key, UpdateExpression="SET t = :v, m.t = :v",
                       ExpressionAttributeValues={":v": {"SS": [""]}})
    item = _get(client, table, key)
    assert item["t"] == {"SS": [""]} and item["m"] == {"M": {"t": {"SS": [""]}}}


def test_add_and_delete_empty_members(client: Any, table: str) -> None:
    key = {"pk": {"S": "add"}}
    client.put_item(TableName=table, Item={**key, "ss": {"SS": ["a"]}, "bs": {"BS": [b"\x01"]}})
    client.update_item(TableName=table, Key=key, UpdateExpression="ADD ss :s, bs :b, fresh :s",
                       ExpressionAttributeValues={":s": {"SS": [""]}, ":b": {"BS": [b""]}})
    item = _get(client, table, key)
    assert item["ss"] == {"SS": ["", "a"]}
    assert item["bs"] == {"BS": [b"", b"\x01"]}
    assert item["fresh"] == {"SS": [""]}
    client.update_item(TableName=table, Key=key, UpdateExpression="ADD fresh :s",
                       ExpressionAttributeValues={":s": {"SS": [""]}})
    assert _get(client, table, key)["fresh"] == {"SS": [""]}  # a set, not a multiset
    client.update_item(TableName=table, Key=key, UpdateExpression="DELETE ss :a, fresh :e",
                       ExpressionAttributeValues={":a": {"SS": ["a"]}, ":e": {"SS": [""]}})
    item = _get(client, table, key)
    assert item["ss"] == {"SS": [""]}  # the empty member survives alone
    assert "fresh" not in item  # its last member gone: the attribute goes


@pytest.mark.parametrize(("value", "message"), [
    ({"SS": ["", ""]}, INVALID + "Input collection [, ] contains duplicates."),
    ({"BS": [b"", b""]}, INVALID + "Input collection [, ]of type BS contains duplicates."),
    ({"SS": []}, INVALID + "An string set  may not be empty"),
    ({"NS": [""]}, "The parameter cannot be converted to a numeric value"),
])
def test_empty_members_twice_or_an_empty_set_are_refused(client: Any, table: str, value: Any,
                                                        message: str) -> None:
    key = {"pk": {"S": "refused"}}
    with pytest.raises(ClientError) as caught:
        client.put_item(TableName=table, Item={**key, "bad": value})
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    assert message in caught.value.response["Error"]["Message"]
    assert "Item" not in client.get_item(TableName=table, Key=key)


def test_members_come_back_in_dynamodb_order(client: Any, table: str) -> None:
    key = {"pk": {"S": "order"}}
    client.put_item(TableName=table, Item={
        **key, "ss": {"SS": ["b", "B", "é", "a"]}, "ns": {"NS": ["10", "-2", "9", "1.50"]},
        "bs": {"BS": [b"\xff", b"\x00\x01", b"\x00"]}})
    client.update_item(TableName=table, Key=key, UpdateExpression="ADD ns :n",
                       ExpressionAttributeValues={":n": {"NS": ["3"]}})
    item = _get(client, table, key)
    assert item["ss"] == {"SS": ["B", "a", "b", "é"]}  # UTF-8 bytes
    assert item["ns"] == {"NS": ["-2", "1.5", "3", "9", "10"]}  # by value
    assert item["bs"] == {"BS": [b"\x00", b"\x00\x01", b"\xff"]}

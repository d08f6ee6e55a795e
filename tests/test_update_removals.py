"""Document paths and removals, through boto3 against a real server: paths that overlap or
conflict refused in a ProjectionExpression as in an UpdateExpression; an update that only
removes (REMOVE, DELETE from a set, a legacy DELETE action) of a missing item creates
nothing and answers no ALL_NEW Attributes, in UpdateItem and in a transaction, while an
empty update does create the item; list elements past the end appended, REMOVE by the
original numbering."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

KEY = {"pk": {"S": "k"}}
CLASH = ("Invalid {}Expression: Two document paths {} with each other; must remove or rewrite "
         "one of these paths; path one: [{}], path two: [{}]")


@pytest.fixture
def table(make_table: Any) -> str:
    return str(make_table("removals", StreamSpecification={
        "StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}))


def _message(call: Any, **params: Any) -> str:
    with pytest.raises(ClientError) as raised:
        call(**params)
    assert raised.value.response["Error"]["Code"] == "ValidationException"
    return str(raised.value.response["Error"]["Message"])


@pytest.mark.parametrize(("paths", "kind", "one", "two"), [
    ("a.b, a", "overlap", "a, b", "a"),
    ("a[0], a.b", "conflict", "a, [0]", "a, b"),
    ("#x.b, a[1]", "conflict", "a, b", "a, [1]"),
])
def test_projection_paths_that_clash_are_refused(client: Any, table: str, paths: str,
                                                 kind: str, one: str, two: str) -> None:
    names = {"#x": "a"} if "#x" in paths else {}
    assert _message(client.get_item, TableName=table, Key=KEY, ProjectionExpression=paths,
                    **({"ExpressionAttributeNames": names} if names else {})) == \
        CLASH.format("Projection", kind, one, two)
    assert _message(client.update_item, TableName=table, Key=KEY,
                    UpdateExpression=f"REMOVE {paths}",
                    **({"ExpressionAttributeNames": names} if names else {})) == \
        CLASH.format("Update", kind, one, two)


def test_list_indexes_projected_come_in_list_order(client: Any, table: str) -> None:
    client.put_item(TableName=table, Item={**KEY, "a": {"M": {"b": {"L": [
        {"N": "0"}, {"N": "1"}, {"N": "2"}]}}}})
    item = client.get_item(TableName=table, Key=KEY, ProjectionExpression="a.b[2], a.b[0]")
    assert item["Item"] == {"a": {"M": {"b": {"L": [{"N": "0"}, {"N": "2"}]}}}}


@pytest.mark.parametrize("update", [
    {"UpdateExpression": "REMOVE gone, spare"},
    {"UpdateExpression": "DELETE tags :t", "ExpressionAttributeValues": {":t": {"SS": ["x"]}}},
    {"AttributeUpdates": {"gone": {"Action": "DELETE"}}},
    {"AttributeUpdates": {"tags": {"Action": "DELETE", "Value": {"SS": ["x"]}}}},
])
def test_only_removing_from_a_missing_item_creates_nothing(client: Any, emulator: Any,
                                                          table: str,
                                                          update: dict[str, Any]) -> None:
    for returned in ("ALL_NEW", "UPDATED_NEW", "ALL_OLD"):
        answer = client.update_item(TableName=table, Key=KEY, ReturnValues=returned, **update)
        assert "Attributes" not in answer
    assert "Item" not in client.get_item(TableName=table, Key=KEY)
    assert client.scan(TableName=table)["Count"] == 0
    stream = client.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    streams = emulator.client("dynamodbstreams")
    shard = streams.describe_stream(StreamArn=stream)["StreamDescription"]["Shards"][0]
    iterator = streams.get_shard_iterator(StreamArn=stream, ShardId=shard["ShardId"],
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    assert streams.get_records(ShardIterator=iterator)["Records"] == []


def test_a_transaction_removing_from_a_missing_item_creates_nothing(client: Any,
                                                                   table: str) -> None:
    client.transact_write_items(TransactItems=[{"Update": {
        "TableName": table, "Key": KEY, "UpdateExpression": "REMOVE gone"}}])
    assert "Item" not in client.get_item(TableName=table, Key=KEY)


def test_an_empty_update_or_one_that_also_sets_creates_the_item(client: Any,
                                                                table: str) -> None:
    answer = client.update_item(TableName=table, Key=KEY, ReturnValues="ALL_NEW")
    assert answer["Attributes"] == KEY
    other = {"pk": {"S": "other"}}
    answer = client.update_item(TableName=table, Key=other, ReturnValues="ALL_NEW",
                                UpdateExpression="REMOVE gone SET n = :one",
                                ExpressionAttributeValues={":one": {"N": "1"}})
    assert answer["Attributes"] == {**other, "n": {"N": "1"}}
    assert client.scan(TableName=table)["Count"] == 2


def test_removing_from_an_item_that_exists_still_writes(client: Any, table: str) -> None:
    client.put_item(TableName=table, Item={**KEY, "gone": {"S": "x"}})
    answer = client.update_item(TableName=table, Key=KEY, ReturnValues="ALL_NEW",
                                UpdateExpression="REMOVE gone")
    assert answer["Attributes"] == KEY
    assert client.get_item(TableName=table, Key=KEY)["Item"] == KEY


def test_list_elements_set_past_the_end_and_removed_by_their_first_numbers(
        client: Any, table: str) -> None:
    client.put_item(TableName=table, Item={**KEY, "l": {"L": [
        {"N": str(i)} for i in range(4)]}})
    client.update_item(TableName=table, Key=KEY, UpdateExpression="SET l[10] = :nine",
                       ExpressionAttributeValues={":nine": {"N": "9"}})
    answer = client.update_item(TableName=table, Key=KEY, ReturnValues="ALL_NEW",
                                UpdateExpression="REMOVE l[0], l[2]")
    assert answer["Attributes"]["l"] == {"L": [{"N": "1"}, {"N": "3"}, {"N": "9"}]}


def test_set_on_a_key_attribute_is_refused(client: Any, table: str) -> None:
    assert _message(client.update_item, TableName=table, Key=KEY,
                    UpdateExpression="SET pk = :v",
                    ExpressionAttributeValues={":v": {"S": "x"}}) == (
        "One or more parameter values were invalid: Cannot update attribute pk. This "
        "attribute is part of the key")

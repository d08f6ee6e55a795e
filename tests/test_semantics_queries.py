"""Query as DynamoDB runs it (issue 14): key conditions it refuses, and local secondary
indexes that fetch unprojected attributes from the table."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def table(client: Any, make_table: Any) -> str:
    name: str = make_table(
        "sem-query", sort="S", attributes=[{"AttributeName": "alt", "AttributeType": "S"}],
        LocalSecondaryIndexes=[{
            "IndexName": "alt-index", "Projection": {"ProjectionType": "KEYS_ONLY"},
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                          {"AttributeName": "alt", "KeyType": "RANGE"}]}])
    client.put_item(TableName=name, Item={"pk": {"S": "p"}, "sk": {"S": "a"},
                                          "alt": {"S": "x"}, "n": {"N": "1"}})
    return name


VALUES = {":p": {"S": "p"}, ":a": {"S": "a"}, ":b": {"S": "b"}}


@pytest.mark.parametrize(("condition", "message"), [
    ("pk = :p OR sk = :a", "Invalid operator used in KeyConditionExpression: OR"),
    ("pk = :p AND sk <> :a", "Invalid operator used in KeyConditionExpression: <>"),
    ("pk IN (:p, :a)", "Invalid operator used in KeyConditionExpression: IN"),
    ("pk = :p AND sk = :a AND sk = :b",
     "KeyConditionExpressions must only contain one condition per key"),
    ("pk = :p AND sk BETWEEN :b AND :a",
     "The BETWEEN operator requires upper bound to be greater than or equal to lower bound"),
])
def test_key_conditions_dynamodb_refuses(client: Any, table: str, condition: str,
                                         message: str) -> None:
    used = {k: v for k, v in VALUES.items() if k in condition}
    with pytest.raises(client.exceptions.ClientError, match=message) as caught:
        client.query(TableName=table, KeyConditionExpression=condition,
                     ExpressionAttributeValues=used)
    assert caught.value.response["Error"]["Code"] == "ValidationException"


def test_begins_with_on_a_number_sort_key_is_refused(client: Any, make_table: Any) -> None:
    name = make_table("sem-query", sort="N")
    with pytest.raises(client.exceptions.ClientError, match="operand type: N"):
        client.query(TableName=name, KeyConditionExpression="pk = :p AND begins_with(sk, :n)",
                     ExpressionAttributeValues={":p": {"S": "p"}, ":n": {"N": "1"}})


def test_between_with_equal_bounds_is_one_value(client: Any, table: str) -> None:
    client.put_item(TableName=table, Item={"pk": {"S": "p"}, "sk": {"S": "b"}})  # outside it
    items = client.query(TableName=table, KeyConditionExpression="pk = :p AND sk BETWEEN :a AND :a",
                         ExpressionAttributeValues={":p": VALUES[":p"], ":a": VALUES[":a"]})
    assert items["Count"] == 1
    assert [item["sk"] for item in items["Items"]] == [{"S": "a"}]


def test_lsi_query_fetches_unprojected_attributes(client: Any, table: str) -> None:
    query = {"TableName": table, "IndexName": "alt-index", "KeyConditionExpression": "pk = :p",
             "ExpressionAttributeValues": {":p": {"S": "p"}}}
    assert client.query(**query)["Items"] == [
        {"pk": {"S": "p"}, "sk": {"S": "a"}, "alt": {"S": "x"}}]
    assert client.query(**query, Select="ALL_ATTRIBUTES")["Items"][0]["n"] == {"N": "1"}
    assert client.query(**query, ProjectionExpression="n")["Items"] == [{"n": {"N": "1"}}]
    filtered = client.query(**{**query, "FilterExpression": "n = :n",
                               "ExpressionAttributeValues": {":p": {"S": "p"}, ":n": {"N": "1"}}})
    assert filtered["Count"] == 1

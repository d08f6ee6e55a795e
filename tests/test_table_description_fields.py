"""What DescribeTable shows, and leaves out, as DynamoDB does; and which items a GSI added
later holds."""

from __future__ import annotations

import time
from typing import Any


def test_a_table_without_indexes_lists_none(client: Any, make_table: Any) -> None:
    described = client.describe_table(TableName=make_table("described"))["Table"]
    assert "LocalSecondaryIndexes" not in described
    assert "GlobalSecondaryIndexes" not in described


def test_an_on_demand_table_says_since_when(client: Any) -> None:
    name = "described-provisioned"
    client.create_table(TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                        ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1})
    try:
        described = client.describe_table(TableName=name)["Table"]
        assert described["BillingModeSummary"] == {"BillingMode": "PROVISIONED"}
        client.update_table(TableName=name, BillingMode="PAY_PER_REQUEST")
        summary = client.describe_table(TableName=name)["Table"]["BillingModeSummary"]
        assert summary["BillingMode"] == "PAY_PER_REQUEST"
        assert summary["LastUpdateToPayPerRequestDateTime"] >= described["CreationDateTime"]
    finally:
        client.delete_table(TableName=name)


def test_created_on_demand_it_is_on_demand_since_its_creation(client: Any,
                                                              make_table: Any) -> None:
    described = client.describe_table(TableName=make_table("described"))["Table"]
    assert described["BillingModeSummary"]["LastUpdateToPayPerRequestDateTime"] == \
        described["CreationDateTime"]


def test_a_gsi_added_later_leaves_out_items_whose_key_has_another_type(
        client: Any, make_table: Any) -> None:
    name = make_table("described")
    items = [{"pk": {"S": "good"}, "g": {"S": "x"}, "s": {"N": "1"}},
             {"pk": {"S": "number-g"}, "g": {"N": "1"}, "s": {"N": "2"}},
             {"pk": {"S": "binary-s"}, "g": {"S": "x"}, "s": {"B": b"\xff"}},
             {"pk": {"S": "no-s"}, "g": {"S": "x"}}]
    for item in items:
        client.put_item(TableName=name, Item=item)
    client.update_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "g", "AttributeType": "S"},
                              {"AttributeName": "s", "AttributeType": "N"}],
        GlobalSecondaryIndexUpdates=[{"Create": {
            "IndexName": "by-g", "Projection": {"ProjectionType": "ALL"},
            "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"},
                          {"AttributeName": "s", "KeyType": "RANGE"}]}}])
    deadline = time.monotonic() + 30
    while client.describe_table(TableName=name)["Table"]["GlobalSecondaryIndexes"][0][
            "IndexStatus"] != "ACTIVE":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    scanned = client.scan(TableName=name, IndexName="by-g")["Items"]
    assert [i["pk"]["S"] for i in scanned] == ["good"]
    queried = client.query(TableName=name, IndexName="by-g", KeyConditionExpression="g = :g",
                           ExpressionAttributeValues={":g": {"S": "x"}})["Items"]
    assert [i["pk"]["S"] for i in queried] == ["good"]

"""Operand types in conditions and filters, through boto3 against a real server: a value
from ExpressionAttributeValues (or a legacy AttributeValueList) that its operator cannot take
is a ValidationException in DynamoDB's words, while an item attribute of the wrong type only
makes the condition false; BETWEEN's bounds of one type and in order; size() of a value; a
Query's filter naming a key attribute. Recorded answers followed: Scylla's Alternator tests
(checked against DynamoDB: `a < :list` refused, `x < :one` false for a list x, IN and
contains() of any type, size(:v)), dynalite's validations (the legacy wording, "Filter
Expression can only contain non-primary key attributes"), the Parity Suite's key condition
operand messages."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

KEY = {"pk": {"S": "k"}}
UNORDERED = [{"L": []}, {"M": {}}, {"SS": ["a"]}, {"NS": ["1"]}, {"BS": [b"a"]},
             {"BOOL": True}, {"NULL": True}]
INVALID = "One or more parameter values were invalid: "


def _operand(operator: str, kind: str) -> str:
    return ("Invalid ConditionExpression: Incorrect operand type for operator or function; "
            f"operator or function: {operator}, operand type: {kind}")


@pytest.fixture
def table(client: Any, make_table: Any) -> str:
    name = str(make_table("operands"))
    client.put_item(TableName=name, Item={**KEY, "n": {"N": "5"}, "s": {"S": "abc"},
                                          "l": {"L": [{"N": "1"}]}, "b": {"BOOL": True}})
    return name


def _refusal(call: Any, **params: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as raised:
        call(**params)
    error = raised.value.response["Error"]
    return error["Code"], error["Message"]


def _condition(client: Any, table: str, expression: str, values: dict[str, Any]) -> Any:
    return _refusal(client.put_item, TableName=table, Item={**KEY, "n": {"N": "6"}},
                    ConditionExpression=expression, ExpressionAttributeValues=values)


@pytest.mark.parametrize("value", UNORDERED, ids=lambda v: next(iter(v)))
@pytest.mark.parametrize("operator", ["<", "<=", ">", ">="])
def test_an_ordering_comparison_refuses_a_value_it_cannot_order(
        client: Any, table: str, operator: str, value: dict[str, Any]) -> None:
    kind = next(iter(value))
    assert _condition(client, table, f"n {operator} :v", {":v": value}) == (
        "ValidationException", _operand(operator, kind))
    assert _condition(client, table, f":v {operator} n", {":v": value}) == (
        "ValidationException", _operand(operator, kind))


@pytest.mark.parametrize("value", UNORDERED, ids=lambda v: next(iter(v)))
def test_between_and_begins_with_refuse_such_values_too(client: Any, table: str,
                                                        value: dict[str, Any]) -> None:
    kind = next(iter(value))
    assert _condition(client, table, "n BETWEEN :a AND :b", {":a": value, ":b": value}) == (
        "ValidationException", _operand("BETWEEN", kind))
    assert _condition(client, table, "begins_with(s, :a)", {":a": value}) == (
        "ValidationException", _operand("begins_with", kind))


def test_an_item_attribute_of_the_wrong_type_only_makes_it_false(client: Any,
                                                                table: str) -> None:
    one = {":one": {"N": "1"}}
    for expression in ("l < :one", ":one < l", "b >= :one", "s BETWEEN :one AND :one",
                       "begins_with(n, :p)"):
        values = {":p": {"S": "5"}} if ":p" in expression else one
        assert _condition(client, table, expression, values)[0] == \
            "ConditionalCheckFailedException"
        found = client.scan(TableName=table, FilterExpression=expression,
                            ExpressionAttributeValues=values)
        assert found["Count"] == 0 and found["ScannedCount"] == 1


def test_in_and_contains_take_values_of_any_type(client: Any, table: str) -> None:
    for value in UNORDERED:
        assert _condition(client, table, "n IN (:v, :w)", {":v": value, ":w": {"S": "x"}})[0] \
            == "ConditionalCheckFailedException"
        assert _condition(client, table, "contains(l, :v)", {":v": value})[0] == \
            "ConditionalCheckFailedException"
    client.put_item(TableName=table, Item={**KEY, "n": {"N": "6"}},
                    ConditionExpression="n IN (:s, :five) AND contains(l, :one)",
                    ExpressionAttributeValues={":s": {"S": "5"}, ":five": {"N": "5"},
                                               ":one": {"N": "1"}})


def test_between_bounds_of_two_types_or_reversed_are_refused(client: Any, table: str) -> None:
    prefix = "Invalid ConditionExpression: The BETWEEN operator requires "
    assert _condition(client, table, "n BETWEEN :a AND :b",
                      {":a": {"N": "1"}, ":b": {"S": "x"}}) == (
        "ValidationException", prefix + "same data type for lower and upper bounds; lower "
        "bound operand: AttributeValue: {N:1}, upper bound operand: AttributeValue: {S:x}")
    assert _condition(client, table, "n BETWEEN :a AND :b",
                      {":a": {"N": "5"}, ":b": {"N": "1"}}) == (
        "ValidationException", prefix + "upper bound to be greater than or equal to lower "
        "bound; lower bound operand: AttributeValue: {N:5}, upper bound operand: "
        "AttributeValue: {N:1}")
    found = client.scan(TableName=table, FilterExpression="n BETWEEN :a AND :a",
                        ExpressionAttributeValues={":a": {"N": "5"}})
    assert found["Count"] == 1
    # a bound from the item is only judged on the item
    assert _condition(client, table, "n BETWEEN n AND :a", {":a": {"N": "1"}})[0] == \
        "ConditionalCheckFailedException"


def test_size_takes_a_value_but_not_a_number_or_a_size(client: Any, table: str) -> None:
    client.put_item(TableName=table, Item={**KEY, "n": {"N": "5"}},
                    ConditionExpression="size(:v) = :three",
                    ExpressionAttributeValues={":v": {"S": "abc"}, ":three": {"N": "3"}})
    assert _condition(client, table, "size(:v) = :v", {":v": {"N": "3"}}) == (
        "ValidationException", _operand("size", "N"))
    assert _condition(client, table, "size(size(s)) = :v", {":v": {"N": "3"}}) == (
        "ValidationException", _operand("size", "N"))


@pytest.mark.parametrize(("operator", "values", "message"), [
    ("LT", [{"L": []}], INVALID + "ComparisonOperator LT is not valid for L AttributeValue type"),
    ("GE", [{"BOOL": True}],
     INVALID + "ComparisonOperator GE is not valid for BOOL AttributeValue type"),
    ("BEGINS_WITH", [{"N": "1"}],
     INVALID + "ComparisonOperator BEGINS_WITH is not valid for N AttributeValue type"),
    ("CONTAINS", [{"M": {}}],
     INVALID + "ComparisonOperator CONTAINS is not valid for M AttributeValue type"),
    ("IN", [{"N": "1"}, {"S": "1"}],
     INVALID + "AttributeValues inside AttributeValueList must be of same type"),
    ("BETWEEN", [{"N": "5"}, {"N": "1"}], "The BETWEEN condition was provided a range where "
     "the lower bound is greater than the upper bound"),
])
def test_legacy_values_are_refused_in_the_legacy_wording(
        client: Any, table: str, operator: str, values: list[Any], message: str) -> None:
    condition = {"n": {"ComparisonOperator": operator, "AttributeValueList": values}}
    assert _refusal(client.delete_item, TableName=table, Key=KEY, Expected=condition) == (
        "ValidationException", message)
    assert _refusal(client.scan, TableName=table, ScanFilter=condition) == (
        "ValidationException", message)
    assert client.get_item(TableName=table, Key=KEY)["Item"]["n"] == {"N": "5"}


def test_a_legacy_equality_takes_any_type(client: Any, table: str) -> None:
    found = client.scan(TableName=table, ScanFilter={"l": {
        "ComparisonOperator": "EQ", "AttributeValueList": [{"L": [{"N": "1"}]}]}})
    assert found["Count"] == 1


def test_a_query_filter_naming_a_key_attribute_is_refused(client: Any,
                                                          make_table: Any) -> None:
    name = make_table("filter-keys", sort="N")
    client.put_item(TableName=name, Item={"pk": {"S": "p"}, "sk": {"N": "1"}})
    message = "{} can only contain non-primary key attributes: Primary key attribute: {}"
    assert _refusal(client.query, TableName=name, KeyConditionExpression="pk = :p",
                    FilterExpression="#s > :z OR x = :z",
                    ExpressionAttributeNames={"#s": "sk"},
                    ExpressionAttributeValues={":p": {"S": "p"}, ":z": {"N": "0"}}) == (
        "ValidationException", message.format("Filter Expression", "sk"))
    assert _refusal(client.query, TableName=name, KeyConditions={"pk": {
        "ComparisonOperator": "EQ", "AttributeValueList": [{"S": "p"}]}}, QueryFilter={
        "pk": {"ComparisonOperator": "NOT_NULL"}}) == (
        "ValidationException", message.format("QueryFilter", "pk"))
    # a Scan's filter may name them
    assert client.scan(TableName=name, FilterExpression="sk > :z",
                       ExpressionAttributeValues={":z": {"N": "0"}})["Count"] == 1

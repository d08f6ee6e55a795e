"""ddbkit's KeyConditionExpression reader (emulator/expressions/key_conditions.py): the
clauses each expression reads as, held against a key schema, each refusal in DynamoDB's
words and order; then end to end through boto3.

Recorded DynamoDB answers followed (the Parity Suite's Query key-condition tests, pinned
against real AWS): an ordering comparison or BETWEEN with a boolean operand is an "Incorrect
operand type" naming the operator, a string in begins_with on a number key fails the schema
type check instead, `:v >= sk` is a comparison of sk, two conditions on one key and more
conditions than key attributes have their own answers, and the first clause with a problem
is reported, before the table is looked up.
"""

from __future__ import annotations

from typing import Any

import pytest
from refusals import refused

from ddbkit.emulator.expressions.condition_grammar import ConditionRefused
from ddbkit.emulator.expressions.key_conditions import Clause, against, read_clauses

VALUES: dict[str, Any] = {":p": {"S": "p"}, ":a": {"S": "a"}, ":b": {"S": "b"},
                          ":n": {"N": "1"}, ":t": {"BOOL": True}, ":e": {"S": ""},
                          ":eb": {"B": b""}}
NAMES = {"#p": "pk", "#s": "sk"}
COMPOSITE = [{"AttributeName": "pk", "KeyType": "HASH"},
             {"AttributeName": "sk", "KeyType": "RANGE"}]
MULTI = [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "pk2", "KeyType": "HASH"},
         {"AttributeName": "sk", "KeyType": "RANGE"}, {"AttributeName": "sk2", "KeyType": "RANGE"}]
INVALID = "Invalid KeyConditionExpression: "
A, B = {"S": "a"}, {"S": "b"}


def key(text: str, schema: list[dict[str, str]] = COMPOSITE) -> Any:
    return against(read_clauses(text, NAMES, VALUES), schema)


@pytest.mark.parametrize(("text", "read"), [
    ("pk = :p", [Clause("pk", "=", [{"S": "p"}])]),
    ("#p = :p AND :a >= #s", [Clause("pk", "=", [{"S": "p"}]), Clause("sk", "<=", [A])]),
    ("(pk = :p) and sk between :a and :b",
     [Clause("pk", "=", [{"S": "p"}]), Clause("sk", "BETWEEN", [A, B])]),
    ("begins_with ( sk , :a )\tAND\npk = :p",
     [Clause("sk", "BEGINS_WITH", [A]), Clause("pk", "=", [{"S": "p"}])]),
])
def test_clauses_in_the_order_written(text: str, read: list[Clause]) -> None:
    assert read_clauses(text, NAMES, VALUES) == read


def test_clauses_held_against_the_schema() -> None:
    assert key("sk BETWEEN :a AND :b AND pk = :p") == (
        [("pk", {"S": "p"})], [("sk", "BETWEEN", [A, B])])
    assert key("pk = :p AND pk2 = :a AND sk = :a AND sk2 > :b", MULTI) == (
        [("pk", {"S": "p"}), ("pk2", A)], [("sk", "=", [A]), ("sk2", ">", [B])])


@pytest.mark.parametrize(("text", "message"), [
    ("pk = = :p", INVALID + 'Syntax error; token: "=", near: "= = :p"'),
    ("pk = :p AND name = :a", INVALID + "Attribute name is a reserved keyword; reserved "
     "keyword: name"),
    ("pk = :p AND sk < :t", INVALID + "Incorrect operand type for operator or function; "
     "operator or function: <, operand type: BOOL"),
    ("pk = :p AND :t >= sk", INVALID + "Incorrect operand type for operator or function; "
     "operator or function: >=, operand type: BOOL"),
    ("pk = :p AND sk BETWEEN :t AND :t", INVALID + "Incorrect operand type for operator or "
     "function; operator or function: BETWEEN, operand type: BOOL"),
    ("begins_with(sk, :n) AND pk = :t AND sk > :t", INVALID + "Incorrect operand type for "
     "operator or function; operator or function: begins_with, operand type: N"),
    ("pk = :p OR sk = :a", "Invalid operator used in KeyConditionExpression: OR"),
    ("pk = sk", "Invalid condition in KeyConditionExpression: Multiple attribute names used "
     "in one condition"),
    ("pk = :p AND sk > :a AND sk < :b", INVALID + "KeyConditionExpressions must only contain "
     "one condition per key"),
    ("pk = :p AND sk > :a AND extra = :b", "The number of query conditions (3) exceeds the "
     "number of key attributes defined in the schema (2)"),
    ("sk = :a", "Query condition missed key schema element: pk"),
    ("pk > :p", "Query key condition not supported"),
    ("pk = :p AND extra = :a", "Query condition missed key schema element: sk"),
    ("pk = :e", "One or more parameter values are not valid. The AttributeValue for a key "
     "attribute cannot contain an empty string value. Key: pk"),
    ("pk = :p AND sk = :eb", "One or more parameter values are not valid. The AttributeValue "
     "for a key attribute cannot contain an empty binary value. Key: sk"),
    ("pk = :p AND sk BETWEEN :b AND :a", INVALID + "The BETWEEN operator requires upper bound "
     "to be greater than or equal to lower bound; lower bound operand: AttributeValue: {S:b}, "
     "upper bound operand: AttributeValue: {S:a}"),
])
def test_refusals_are_dynamodbs(text: str, message: str) -> None:
    with pytest.raises(ConditionRefused) as caught:
        key(text)
    assert caught.value.message == message


@pytest.mark.parametrize(("text", "message"), [
    ("pk = :p AND sk2 = :a AND pk2 = :a", "RANGE key attributes sk must have equality "
     "conditions specified in the query because a condition is present on key attribute sk2"),
    # a range condition before the last attribute named (the Parity Suite's recorded answer)
    ("pk = :p AND pk2 = :a AND sk > :a AND sk2 = :b", "RANGE key attributes sk must have "
     "equality conditions specified in the query because a condition is present on key "
     "attribute sk2"),
])
def test_multi_attribute_keys(text: str, message: str) -> None:
    with pytest.raises(ConditionRefused) as caught:
        key(text, MULTI)
    assert caught.value.message == message


# -- end to end --------------------------------------------------------------------------------

@pytest.fixture
def table(client: Any, make_table: Any) -> str:
    name: str = make_table("key_conditions", sort="N")
    for n in range(5):
        client.put_item(TableName=name, Item={"pk": {"S": "p"}, "sk": {"N": str(n)}})
    return name


def test_a_value_first_comparison_through_boto3(client: Any, table: str) -> None:
    found = client.query(TableName=table, KeyConditionExpression=":n >= sk\tAND pk = :p",
                         ExpressionAttributeValues={":p": {"S": "p"}, ":n": {"N": "2"}})
    assert [item["sk"] for item in found["Items"]] == [{"N": "0"}, {"N": "1"}, {"N": "2"}]


@pytest.mark.parametrize(("condition", "values", "code", "message"), [
    ("pk = :p AND sk < :v", {":v": {"BOOL": True}}, "ValidationException",
     INVALID + "Incorrect operand type for operator or function; operator or function: <, "
     "operand type: BOOL"),
    ("pk = :p AND begins_with(sk, :v)", {":v": {"S": "a"}}, "ValidationException",
     "One or more parameter values were invalid: Condition parameter type does not match "
     "schema type"),
])
def test_refusals_through_boto3(client: Any, table: str, condition: str,
                                values: dict[str, Any], code: str, message: str) -> None:
    request = {"TableName": table, "KeyConditionExpression": condition,
               "ExpressionAttributeValues": {":p": {"S": "p"}, **values}}
    assert refused(lambda: client.query(**request)) == (code, message)


def test_a_bad_operand_comes_before_a_missing_table(client: Any) -> None:
    request = {"TableName": "no-such-table", "KeyConditionExpression":
               "pk = :p AND begins_with(sk, :n)",
               "ExpressionAttributeValues": {":p": {"S": "p"}, ":n": {"N": "1"}}}
    assert refused(lambda: client.query(**request)) == (
        "ValidationException", INVALID + "Incorrect operand type for operator or function; "
        "operator or function: begins_with, operand type: N")

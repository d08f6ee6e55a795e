"""Which of DynamoDB's two validation layers answers (rules/layers.py): the envelope, a bad
value's wording per operation, and the order of checks in deep requests and transactions.

Every request here is refused before any table is looked up (the table does not exist).
Expected answers: DynamoDB's, as the Parity Suite recorded them in 2026.
"""

from __future__ import annotations

from typing import Any

import pytest
from raw_requests import call, error

from ddbkit.emulator.runtime import Emulator

ABSENT = "layers-absent-table"
ONE = "1 validation error detected: "
INVALID = "One or more parameter values were invalid: "
NOT_NUMERIC = "The parameter cannot be converted to a numeric value"
OVERFLOW = "Number overflow. Attempting to store a number with magnitude larger than supported " \
    "range"
UNDERFLOW = "Number underflow. Attempting to store a number with magnitude smaller than " \
    "supported range"
NEST = "Nesting Levels have exceeded supported limits: Attributes in the item have nested " \
    "levels beyond supported limit"
KEY = {"pk": {"S": "a"}}


def deep(wraps: int) -> dict[str, Any]:
    value: dict[str, Any] = {"S": "leaf"}
    for _ in range(wraps):
        value = {"M": {"n": value}}
    return value


def _delete(**extra: Any) -> tuple[str, dict[str, Any]]:
    return "DeleteItem", {"TableName": ABSENT, "Key": KEY, **extra}


def _update(**extra: Any) -> tuple[str, dict[str, Any]]:
    return "UpdateItem", {"TableName": ABSENT, "Key": KEY, **extra}


def _transact(*actions: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return "TransactWriteItems", {"TransactItems": list(actions)}


def _number(operation: str, number: str) -> tuple[str, dict[str, Any]]:
    value = {"N": number}
    if operation == "BatchWriteItem":
        return operation, {"RequestItems": {ABSENT: [{"PutRequest": {"Item": {**KEY,
                                                                              "n": value}}}]}}
    if operation == "GetItem":
        return operation, {"TableName": ABSENT, "Key": {"pk": value}}
    return _delete(Key={"pk": value})


CASES = [
    # the current layer's single-item writes: request rules inside the envelope
    (_delete(ExpressionAttributeValues={":v": {"S": "x"}}),
     ONE + "ExpressionAttributeValues can only be specified when using expressions"),
    (_delete(ConditionExpression=""),
     ONE + "Invalid ConditionExpression: The expression can not be empty;"),
    (_delete(ReturnValues="ALL_NEW"), ONE + "ReturnValues can only be ALL_OLD or NONE"),
    (_delete(Expected={"a": {"ComparisonOperator": "EQ"}}),
     ONE + INVALID + "Value or AttributeValueList must be used with ComparisonOperator: EQ "
     "for Attribute: a"),
    (_update(UpdateExpression="SET b = :w", ConditionExpression="a = :v",
             ExpressionAttributeValues={":w": {"S": "x"}}),
     ONE + "Invalid ConditionExpression: An expression attribute value used in expression is "
     "not defined; attribute value: :v"),
    # ... but what a later phase reads from the expressions as a whole stays bare
    (_update(UpdateExpression=""), "Invalid UpdateExpression: The expression can not be empty;"),
    (_update(UpdateExpression="SET a = :v",
             ExpressionAttributeValues={":v": {"S": "x"}, ":u": {"S": "y"}}),
     "Value provided in ExpressionAttributeValues unused in expressions: keys: {:u}"),
    # a bad value: no place named, inside the envelope, in the current wording
    (_update(UpdateExpression="SET n = :v", ExpressionAttributeValues={":v": {"N": ""}}),
     ONE + NOT_NUMERIC + ": "),
    (_delete(Key={"pk": {"SS": ["b", "a", "b"]}}),
     ONE + INVALID + 'Input collection ["a", "b", "b"] contains duplicates.'),
    (_delete(Key={"pk": {"BS": ["/w==", "AA==", "AA=="]}}),
     ONE + INVALID + 'Input collection ["AA==","/w==","AA=="]of type BS contains duplicates.'),
    (_delete(Key={"pk": {"NS": ["2", "1", "2"]}}),
     ONE + INVALID + "Input collection contains duplicates."),
    # bare where the current layer does not envelope
    (_number("GetItem", "1e2147483647"), OVERFLOW),
    (("Query", {"TableName": ABSENT, "KeyConditionExpression": "pk = :t",
                "ExpressionAttributeValues": {":t": {"SS": ["b", "a", "b"]}}}),
     INVALID + 'Input collection ["a", "b", "b"] contains duplicates.'),
    # the older layer: bare, as sent, numbers read as Java's BigDecimal
    (_number("BatchWriteItem", "1e2147483647"), UNDERFLOW),
    (_number("BatchWriteItem", ""), NOT_NUMERIC),
    (_transact({"Update": {"TableName": ABSENT, "Key": KEY, "UpdateExpression": "SET s = :t",
                           "ExpressionAttributeValues": {":t": {"SS": ["b", "a", "b"]}}}}),
     "ExpressionAttributeValues contains invalid value: " + INVALID +
     "Input collection [b, a, b] contains duplicates. for key :t"),
    # past the deserializer's depth, nesting is refused after every other check, bare
    (_delete(ConditionExpression="#d = :deep", ExpressionAttributeNames={"#d": "d"},
             ExpressionAttributeValues={":deep": deep(100)}, ReturnValues="UPDATED_NEW"),
     "ReturnValues can only be ALL_OLD or NONE"),
    (_delete(Key={"pk": deep(100)}), NEST),
    (_delete(Key={"pk": deep(40)}), ONE + NEST),
    # a transaction checks its actions one at a time, in request order
    (_transact({"Put": {"TableName": ABSENT, "Item": {**KEY, "": {"S": "x"}}}},
               {"Put": {"TableName": ABSENT, "Item": {**KEY, "d": deep(100)}}}),
     "Empty attribute name"),
    (_transact({"Put": {"TableName": ABSENT, "Item": {**KEY, "d": deep(40)}}},
               {"Put": {"TableName": ABSENT, "Item": {**KEY, "": {"S": "x"}}}}), NEST),
    (_transact({"ConditionCheck": {"TableName": ABSENT, "Key": KEY,
                                   "ConditionExpression": "attribute_not_exists("}},
               {"Put": {"TableName": ABSENT, "Item": {**KEY, "d": deep(32)}}}),
     'Invalid ConditionExpression: Syntax error; token: "<EOF>", near: "("'),
    (_transact({"Delete": {"TableName": ABSENT, "Key": {"pk": deep(100)},
                           "ConditionExpression": "a = = b"}}),
     'Invalid ConditionExpression: Syntax error; token: "=", near: "= = b"'),
    (_transact({"Update": {"TableName": ABSENT, "Key": KEY, "UpdateExpression": "SET " + ", ".join(
        f"a{i} = :v" for i in range(500)), "ExpressionAttributeValues": {":v": {"S": "x"}}}}),
     "Invalid UpdateExpression: Expression size has exceeded the maximum allowed size;"),
]


MAP_KEYS = ("at 'requestItems' failed to satisfy constraint: Map keys must satisfy constraint: "
            "[Member must have length less than or equal to 255, Member must have length "
            "greater than or equal to 3, Member must satisfy regular expression pattern: "
            "[a-zA-Z0-9_.-]+]")
RCC = ("Value 'BOGUS' at 'returnConsumedCapacity' failed to satisfy constraint: Member must "
       "satisfy enum value set: [INDEXES, TOTAL, NONE]")
CASES += [
    # a malformed table name in a batch: a constraint on the map's keys
    (("BatchGetItem", {"RequestItems": {"bad!name": {"Keys": [KEY]}},
                       "ReturnConsumedCapacity": "BOGUS"}),
     "2 validation errors detected: Value '{\"bad!name\":{\"Keys\":[{\"pk\":{\"S\":\"a\"}}]}}' "
     + MAP_KEYS + "; " + RCC),
    (("BatchWriteItem", {"RequestItems": {"bad!name": [{"PutRequest": {"Item": KEY}}]}}),
     ONE + "Value '{bad!name=[WriteRequest(putRequest=PutRequest(item={pk={S=a}}))]}' "
     + MAP_KEYS),
    (("BatchWriteItem", {"RequestItems": {"bad!name": [{"PutRequest": {"Item": KEY}}]},
                         "ReturnConsumedCapacity": "BOGUS"}), ONE + RCC),
]


INDEX = {"KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
         "Projection": {"ProjectionType": "ALL"}}
CASES += [
    # members in DynamoDB's order where it differs from botocore's model
    (("CreateTable", {"TableName": ABSENT, "BillingMode": "PAY_PER_REQUEST",
                      "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                      "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                      "LocalSecondaryIndexes": [{"IndexName": "aa", **INDEX}],
                      "GlobalSecondaryIndexes": [{"IndexName": "zz", **INDEX}]}),
     "2 validation errors detected: Value 'zz' at 'globalSecondaryIndexes.1.member.indexName' "
     "failed to satisfy constraint: Member must have length greater than or equal to 3; "
     "Value 'aa' at 'localSecondaryIndexes.1.member.indexName' failed to satisfy constraint: "
     "Member must have length greater than or equal to 3"),
    (("TransactWriteItems", {"TransactItems": [{"Put": {"TableName": ABSENT, "Item": KEY}}],
                             "ClientRequestToken": "x" * 37, "ReturnConsumedCapacity": "BOGUS"}),
     f"2 validation errors detected: Value '{'x' * 37}' at 'clientRequestToken' failed to "
     "satisfy constraint: Member must have length less than or equal to 36; " + RCC),
]

# a key condition's clauses in the order written: a bad operand before an undefined value
CASES.append((("Query", {"TableName": ABSENT,
                         "KeyConditionExpression": "begins_with(sk, :n) AND pk = :missing",
                         "ExpressionAttributeValues": {":n": {"N": "1"}}}),
              "Invalid KeyConditionExpression: Incorrect operand type for operator or function; "
              "operator or function: begins_with, operand type: N"))

# UpdateItem without a Key: every member's violations joined, in DynamoDB's member order
CASES.append((("UpdateItem", {"TableName": "", "ReturnConsumedCapacity": "BOGUS",
                              "ReturnValues": "BOGUS", "UpdateExpression": "SET a = :a",
                              "ExpressionAttributeValues": {":a": {"S": "x"}}}),
              "4 validation errors detected: " + RCC + "; Value '' at 'tableName' failed to "
              "satisfy constraint: Member must have length greater than or equal to 1; Value "
              "'BOGUS' at 'returnValues' failed to satisfy constraint: Member must satisfy enum "
              "value set: [ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]; Value null at 'key' "
              "failed to satisfy constraint: Member must not be null"))

# XOR beside two legacy conditions: alone, bare, in the newer enum form
CASES.append((("Query", {"TableName": ABSENT, "KeyConditions": {"pk": {
    "ComparisonOperator": "EQ", "AttributeValueList": [{"S": "a"}]}},
    "QueryFilter": {"b": {"ComparisonOperator": "NULL"}, "c": {"ComparisonOperator": "NULL"}},
    "ConditionalOperator": "XOR", "Select": "BOGUS"}),
    "Failed to satisfy constraint: Member must satisfy enum value set: [ALL, OR]"))

# PartiQL's parameters report the first problem in document order, however deep
CASES.append((("ExecuteStatement", {
    "Statement": f'SELECT * FROM "{ABSENT}" WHERE a = ? AND b = ?',
    "Parameters": [deep(100), {"N": "abc"}]}), NEST))


@pytest.mark.parametrize(("request_", "message"), CASES)
def test_each_layer_answers_in_its_wording_and_order(emulator: Emulator,
                                                     request_: tuple[str, dict[str, Any]],
                                                     message: str) -> None:
    operation, body = request_
    assert error(call(emulator, operation, body)) == (400, "ValidationException", message)

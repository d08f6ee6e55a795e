"""moto's refusals reach clients in DynamoDB's words (operations/call.py's
`dynamodb_wording`, applied where moto's errors become ddbkit's answers), and an item's empty
key values are refused by ddbkit's own check (operations/key_values.py), without replacing
anything of moto's."""

from __future__ import annotations

import json
from typing import Any

import pytest
from refusals import refused

from ddbkit.emulator.operations.call import OperationError, dynamodb_wording

OVERLAP = ("Invalid UpdateExpression: Two document paths overlap with each other; must remove "
           "or rewrite one of these paths; path one: [a], path two: [a, b]")



@pytest.mark.parametrize(("moto", "dynamodb"), [
    (f"1 validation error detected: {OVERLAP}", OVERLAP),
    ("1 validation error detected: One or more parameter values were invalid: An number set  "
     "may not be empty",
     "One or more parameter values were invalid: An number set  may not be empty"),
    ("1 validation error detected: Cannot specify the AttributesToGet when choosing to get "
     "only the Count", "Cannot specify the AttributesToGet when choosing to get only the Count"),
    # Constraint violations keep the prefix, as DynamoDB sends them; others are untouched.
    ("1 validation error detected: Value 'X' at 'select' failed to satisfy constraint: Member "
     "must satisfy enum value set: [COUNT]",
     "1 validation error detected: Value 'X' at 'select' failed to satisfy constraint: Member "
     "must satisfy enum value set: [COUNT]"),
    ("Requested resource not found", "Requested resource not found"),
])
def test_moto_messages_are_worded_as_dynamodb_words_them(moto: str, dynamodb: str) -> None:
    assert dynamodb_wording(moto) == dynamodb
    document = {"__type": "com.amazonaws.dynamodb.v20120810#ValidationException",
                "message": moto}
    error = OperationError.from_document(400, document)
    assert (error.error_type, error.message) == ("ValidationException", dynamodb)
    assert json.loads(error.answer()[2])["message"] == dynamodb
    assert document["message"] == moto  # the caller's document is left as it was


def test_update_expression_refusals_lose_motos_prefix(client: Any, make_table: Any) -> None:
    table = make_table("wording-update")
    key = {"pk": {"S": "a"}}
    values = {":v": {"S": "x"}}
    assert refused(lambda: client.update_item(
        TableName=table, Key=key, UpdateExpression="SET a = :v, a.b = :v",
        ExpressionAttributeValues=values)) == ("ValidationException", OVERLAP)
    assert refused(lambda: client.update_item(
        TableName=table, Key=key, UpdateExpression="SET a = :v SET b = :v",
        ExpressionAttributeValues=values)) == (
        "ValidationException",
        'Invalid UpdateExpression: The "SET" section can only be used once in an update '
        "expression;")


def test_an_empty_nested_set_is_refused_without_the_prefix(client: Any,
                                                             make_table: Any) -> None:
    table = make_table("wording-sets")
    assert refused(lambda: client.put_item(
        TableName=table, Item={"pk": {"S": "a"}, "m": {"M": {"x": {"NS": []}}}})) == (
        "ValidationException",
        "One or more parameter values were invalid: An number set  may not be empty")


@pytest.fixture
def two_indexes(make_table: Any) -> str:
    name: str = make_table(
        "wording-keys",
        attributes=[{"AttributeName": n, "AttributeType": "S"} for n in ("g1", "g2")],
        GlobalSecondaryIndexes=[
            {"IndexName": index, "KeySchema": [{"AttributeName": key, "KeyType": "HASH"}],
             "Projection": {"ProjectionType": "KEYS_ONLY"}}
            for index, key in (("one", "g1"), ("two", "g2"))])
    return name


def test_empty_key_values_are_refused_by_ddbkits_check(client: Any, two_indexes: str) -> None:
    index_key = ("One or more parameter values are not valid. A value specified for a "
                 "secondary index key is not supported. The AttributeValue for a key "
                 "attribute cannot contain an empty {kind} value. IndexName: two, "
                 "IndexKey: g2")
    # The index the key belongs to is named (moto named the table's first GSI).
    assert refused(lambda: client.put_item(
        TableName=two_indexes, Item={"pk": {"S": "a"}, "g2": {"S": ""}}))[1] == \
        index_key.format(kind="string")
    assert refused(lambda: client.put_item(
        TableName=two_indexes, Item={"pk": {"S": "a"}, "g2": {"B": b""}}))[1] == \
        index_key.format(kind="binary")
    assert refused(lambda: client.put_item(TableName=two_indexes, Item={"pk": {"S": ""}}))[1] \
        == "One or more parameter values were invalid: An AttributeValue may not contain an " \
           "empty string. Key: pk"
    in_a_batch = ("One or more parameter values are not valid. The AttributeValue for a key "
                  "attribute cannot contain an empty string value. Key: pk")
    assert refused(lambda: client.batch_write_item(RequestItems={two_indexes: [
        {"PutRequest": {"Item": {"pk": {"S": ""}}}}]}))[1] == in_a_batch
    assert refused(lambda: client.transact_write_items(TransactItems=[
        {"Put": {"TableName": two_indexes, "Item": {"pk": {"S": ""}}}}]))[1] == in_a_batch
    assert "Item" not in client.get_item(TableName=two_indexes, Key={"pk": {"S": "a"}})

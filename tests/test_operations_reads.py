"""GetItem, BatchGetItem and TransactGetItems (ddbkit's own operation modules,
emulator/operations/) answered as DynamoDB answers them: a table of raw requests (hits,
misses, projections, AttributesToGet, binary keys, wrong and missing key attributes,
unknown tables, batches and transactions at and over their limits, ConsumedCapacity TOTAL
and INDEXES) sent to a real server, each answer checked whole."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any

import pytest
from raw_requests import call
from read_cases import (
    ARN,
    BINARY,
    CASES,
    HUNDRED,
    ITEMS,
    PAD,
    PLAIN,
    RICH,
    SORTED,
    TABLES,
)

from ddbkit.emulator.runtime import Emulator

NAMESPACE = "com.amazonaws.dynamodb.v20120810#"
BIG_ITEM = {"pk": {"S": "big"}, "pad": {"S": PAD}}
MISMATCH = "The provided key element does not match the schema"
OVERLAP = ("Invalid ProjectionExpression: Two document paths overlap with each other; must "
           "remove or rewrite one of these paths; path one: [{}], path two: [{}]")


def error(kind: str, message: str) -> tuple[int, dict[str, Any]]:
    return 400, {"__type": NAMESPACE + kind, "message": message}


def cancelled(*reasons: str | None) -> tuple[int, dict[str, Any]]:
    codes = ", ".join("ValidationError" if reason else "None" for reason in reasons)
    return 400, {
        "__type": NAMESPACE + "TransactionCanceledException",
        "CancellationReasons": [{"Code": "ValidationError", "Message": reason} if reason
                                else {"Code": "None"} for reason in reasons],
        "Message": "Transaction cancelled, please refer cancellation reasons for specific "
                   f"reasons [{codes}]"}


SORTED_ITEMS = [{"l": {"S": f"l{i}"}, "pk": {"S": "p"}, "sk": {"N": str(i)}, "v": {"S": f"v{i}"}}
                for i in (1, 2, 3)]
RICH_ITEM = RICH

EXPECTED: dict[str, tuple[int, dict[str, Any]]] = {
    'attributes-to-get': (200,
         {'Item': {'m': {'M': {'inner': {'M': {'deep': {'S': 'v'}, 'n': {'N': '1'}}},
                               'list': {'L': [{'N': '1'}, {'N': '2'}]}}},
                   's': {'S': 'x'}}}),
    'attributes-to-get-duplicates': error('ValidationException',
          'One or more parameter values were invalid: Duplicate value in attribute name: s'),
    'attributes-to-get-with-expression': error('ValidationException',
          'Can not use both expression and non-expression parameters in the same request: '
          'Non-expression parameters: {AttributesToGet} Expression parameters: '
          '{ProjectionExpression}'),
    'batch-101-keys': error('ValidationException',
          'Too many items requested for the BatchGetItem call'),
    'batch-101-keys-one-table': error('ValidationException',
          '1 validation error detected: Value at '
          "'RequestItems.ops-reads-plain.member.Keys' failed to satisfy constraint: Member "
          'must have length less than or equal to 100'),
    'batch-attributes-to-get-nested-name': (200,
         {'Responses': {PLAIN: [{'m': {'M': {'inner': {'M': {'deep': {'S': 'v'},
                                                             'n': {'N': '1'}}},
                                             'list': {'L': [{'N': '1'}, {'N': '2'}]}}},
                                 'pk': {'S': 'a'}}]},
          'UnprocessedKeys': {}}),
    'batch-duplicate-binary': error('ValidationException',
          'Provided list of item keys contains duplicates'),
    'batch-duplicate-number-forms': error('ValidationException',
          'Provided list of item keys contains duplicates'),
    'batch-duplicates': error('ValidationException',
          'Provided list of item keys contains duplicates'),
    'batch-empty-key': error('ValidationException',
          'One or more parameter values are not valid. The AttributeValue for a key '
          'attribute cannot contain an empty string value. Key: pk'),
    'batch-hits-and-misses': (200,
         {'Responses': {PLAIN: [{'pk': {'S': 'a'}, 's': {'S': 'x'}}, {'pk': {'S': 'big'}}]},
          'UnprocessedKeys': {}}),
    'batch-indexes': (200,
         {'ConsumedCapacity': [{'CapacityUnits': 2.0,
                                'Table': {'CapacityUnits': 2.0},
                                'TableName': PLAIN},
                               {'CapacityUnits': 1.0,
                                'Table': {'CapacityUnits': 1.0},
                                'TableName': SORTED}],
          'Responses': {PLAIN: [RICH_ITEM, BIG_ITEM],
                        SORTED: [{'l': {'S': 'l1'},
                                  'pk': {'S': 'p'},
                                  'sk': {'N': '1'},
                                  'v': {'S': 'v1'}}]},
          'UnprocessedKeys': {}}),
    'batch-missing-range-key': error('ValidationException',
          'The provided key element does not match the schema'),
    'batch-nothing-found': (200,
         {'ConsumedCapacity': [{'CapacityUnits': 0.5, 'TableName': PLAIN}],
          'Responses': {PLAIN: []},
          'UnprocessedKeys': {}}),
    'batch-same-key-other-tables': error('ResourceNotFoundException',
          'Requested resource not found'),
    'batch-several-tables': (200,
         {'ConsumedCapacity': [{'CapacityUnits': 1.0, 'TableName': PLAIN},
                               {'CapacityUnits': 1.0, 'TableName': SORTED},
                               {'CapacityUnits': 1.0, 'TableName': BINARY}],
          'Responses': {BINARY: [{'data': {'B': '3q2+7w=='},
                                  'pk': {'B': 'AP8='},
                                  'sk': {'B': 'AQ=='}},
                                 {'data': {'S': 'ff'}, 'pk': {'B': 'AP8='}, 'sk': {'B': '/w=='}}],
                        PLAIN: [{'m': {'M': {'inner': {'M': {'deep': {'S': 'v'},
                                                             'n': {'N': '1'}}}}},
                                 's': {'S': 'x'}}],
                        SORTED: [{'sk': {'N': '1'}, 'v': {'S': 'v1'}},
                                 {'sk': {'N': '3'}, 'v': {'S': 'v3'}}]},
          'UnprocessedKeys': {}}),
    'batch-table-arn': (200, {'Responses': {ARN: [{'s': {'S': 'x'}}]}, 'UnprocessedKeys': {}}),
    'batch-unknown-table': error('ResourceNotFoundException', 'Requested resource not found'),
    'batch-wrong-key-type': error('ValidationException',
          'The provided key element does not match the schema'),
    'binary-hit': (200, {'Item': {'data': {'B': '3q2+7w=='}, 'pk': {'B': 'AP8='}, 'sk': {'B': 'AQ=='}}}),
    'binary-hit-ff': (200, {'Item': {'data': {'S': 'ff'}}}),
    'binary-miss': (200, {}),
    'capacity-big-eventual': (200,
         {'ConsumedCapacity': {'CapacityUnits': 1.5, 'TableName': PLAIN},
          'Item': {'pk': {'S': 'big'}}}),
    'capacity-big-strong': (200,
         {'ConsumedCapacity': {'CapacityUnits': 3.0,
                               'Table': {'CapacityUnits': 3.0},
                               'TableName': PLAIN},
          'Item': {'pk': {'S': 'big'}}}),
    'capacity-indexes-lsi-table': (200,
         {'ConsumedCapacity': {'CapacityUnits': 0.5,
                               'Table': {'CapacityUnits': 0.5},
                               'TableName': SORTED},
          'Item': {'l': {'S': 'l1'}, 'pk': {'S': 'p'}, 'sk': {'N': '1'}, 'v': {'S': 'v1'}}}),
    'capacity-none': (200, {'Item': RICH_ITEM}),
    'capacity-total': (200, {'ConsumedCapacity': {'CapacityUnits': 0.5, 'TableName': PLAIN}, 'Item': RICH_ITEM}),
    'capacity-total-miss': (200, {'ConsumedCapacity': {'CapacityUnits': 0.5, 'TableName': PLAIN}}),
    'capacity-unknown-table': error('ResourceNotFoundException', 'Requested resource not found'),
    'empty-binary-key': error('ValidationException',
          'One or more parameter values are not valid. The AttributeValue for a key '
          'attribute cannot contain an empty binary value. Key: pk'),
    'empty-string-key': error('ValidationException',
          'One or more parameter values are not valid. The AttributeValue for a key '
          'attribute cannot contain an empty string value. Key: pk'),
    'extra-key-attribute': error('ValidationException',
          'The provided key element does not match the schema'),
    'hash-key-too-long': error('ValidationException',
          'One or more parameter values were invalid: Size of hashkey has exceeded the '
          'maximum size limit of2048 bytes'),
    'hit': (200, {'Item': RICH_ITEM}),
    'key-map-value': error('ValidationException',
          'The provided key element does not match the schema'),
    'miss': (200, {}),
    'missing-range-key': error('ValidationException',
          'The provided key element does not match the schema'),
    'names-without-expression': error('ValidationException',
          'ExpressionAttributeNames can only be specified when using expressions'),
    'number-key-canonical': (200, {'Item': {'l': {'S': 'l1'}, 'pk': {'S': 'p'}, 'sk': {'N': '1'}, 'v': {'S': 'v1'}}}),
    'other-attribute-as-key': error('ValidationException',
          'The provided key element does not match the schema'),
    'projection-index-on-name': (200, {'Item': {'l': {'L': [{'S': 'zero'}]}, 'm': {'M': {'list': {'L': [{'N': '2'}]}}}}}),
    'projection-miss': (200, {}),
    'projection-names': (200,
         {'Item': {'l': {'L': [{'M': {'k': {'S': 'one'}}}]},
                   'm': {'M': {'inner': {'M': {'deep': {'S': 'v'}}}}},
                   's': {'S': 'x'}}}),
    'projection-nothing-matches': (200, {'Item': {}}),
    'projection-reserved': error('ValidationException',
          'Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved '
          'keyword: name'),
    'projection-reserved-nested': error('ValidationException',
          'Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved '
          'keyword: inner'),
    'projection-unused-name': error('ValidationException',
          'Value provided in ExpressionAttributeNames unused in expressions: keys: {#x}'),
    'range-key-too-long': error('ValidationException',
          'One or more parameter values were invalid: Aggregated size of all range keys '
          'has exceeded the size limit of 1024 bytes'),
    'table-arn': (200, {'Item': {'s': {'S': 'x'}}}),
    'transact-capacity-indexes': (200,
         {'ConsumedCapacity': [{'CapacityUnits': 2.0,
                                'ReadCapacityUnits': 2.0,
                                'Table': {'CapacityUnits': 2.0, 'ReadCapacityUnits': 2.0},
                                'TableName': PLAIN},
                               {'CapacityUnits': 2.0,
                                'ReadCapacityUnits': 2.0,
                                'Table': {'CapacityUnits': 2.0, 'ReadCapacityUnits': 2.0},
                                'TableName': SORTED}],
          'Responses': [{'Item': RICH_ITEM},
                        {'Item': {'l': {'S': 'l1'},
                                  'pk': {'S': 'p'},
                                  'sk': {'N': '1'},
                                  'v': {'S': 'v1'}}}]}),
    'transact-capacity-total': (200,
         {'ConsumedCapacity': [{'CapacityUnits': 10.0,
                                'ReadCapacityUnits': 10.0,
                                'TableName': PLAIN},
                               {'CapacityUnits': 2.0,
                                'ReadCapacityUnits': 2.0,
                                'TableName': SORTED}],
          'Responses': [{'Item': RICH_ITEM},
                        {'Item': BIG_ITEM},
                        {},
                        {'Item': {'l': {'S': 'l1'},
                                  'pk': {'S': 'p'},
                                  'sk': {'N': '1'},
                                  'v': {'S': 'v1'}}}]}),
    'transact-empty-key': error('ValidationException',
          'One or more parameter values are not valid. The AttributeValue for a key '
          'attribute cannot contain an empty string value. Key: pk'),
    'transact-hits-and-misses': (200,
         {'Responses': [{'Item': RICH_ITEM},
                        {},
                        {'Item': {'l': {'S': 'l1'},
                                  'pk': {'S': 'p'},
                                  'sk': {'N': '1'},
                                  'v': {'S': 'v1'}}},
                        {'Item': {'data': {'B': '3q2+7w=='},
                                  'pk': {'B': 'AP8='},
                                  'sk': {'B': 'AQ=='}}}]}),
    'transact-missing-range-key': cancelled(MISMATCH),
    'transact-projection': (200,
         {'Responses': [{'Item': {'m': {'M': {'inner': {'M': {'deep': {'S': 'v'}}}}},
                                  's': {'S': 'x'}}},
                        {'Item': {'sk': {'B': '/w=='}}}]}),
    'transact-same-item-twice': error('ValidationException',
          'Transaction request cannot include multiple operations on one item'),
    'transact-table-arn': (200, {'Responses': [{'Item': {'s': {'S': 'x'}}}]}),
    'transact-unknown-table': error('ResourceNotFoundException', 'Requested resource not found'),
    'transact-wrong-key-type': cancelled(None, MISMATCH),
    'unknown-table': error('ResourceNotFoundException', 'Requested resource not found'),
    'wrong-key-type': error('ValidationException',
          'The provided key element does not match the schema'),
    'wrong-key-type-binary': error('ValidationException',
          'The provided key element does not match the schema'),
    'projection-overlap': error('ValidationException', OVERLAP.format("m", "m, inner")),
    'projection-two-names-one-attribute': error('ValidationException', OVERLAP.format("s", "s")),
    'batch-projection-overlap': error('ValidationException', OVERLAP.format("v", "v")),
    'transact-projection-overlap': error('ValidationException', OVERLAP.format("m, list", "m")),
    'batch-mixed-projection-kinds': error(
        'ValidationException',
        'Can not use both expression and non-expression parameters in the same request: '
        'Non-expression parameters: {AttributesToGet} Expression parameters: '
        '{ProjectionExpression}'),
    'batch-100-keys': (200, {
        'ConsumedCapacity': [{'CapacityUnits': 30.0, 'TableName': PLAIN},  # 60 misses
                             {'CapacityUnits': 20.0, 'TableName': SORTED}],  # 37 misses, 3 hits
        'Responses': {PLAIN: [], SORTED: SORTED_ITEMS}, 'UnprocessedKeys': {}}),
    'transact-100-items': (200, {
        'ConsumedCapacity': [{'CapacityUnits': 200.0, 'ReadCapacityUnits': 200.0,
                              'TableName': PLAIN}],
        'Responses': [{}] * len(HUNDRED)}),
}


@pytest.fixture(scope="module")
def tables(emulator: Emulator) -> Iterator[Emulator]:
    for table in TABLES:
        assert call(emulator, "CreateTable", table)[0] == 200
    for name, item in ITEMS:
        assert call(emulator, "PutItem", {"TableName": name, "Item": item}) == (200, {})
    yield emulator
    for table in TABLES:
        with contextlib.suppress(Exception):
            call(emulator, "DeleteTable", {"TableName": table["TableName"]})


def _text(item: Any) -> str:
    return json.dumps(item, sort_keys=True)


def _unordered(body: dict[str, Any]) -> dict[str, Any]:
    """BatchGetItem returns each table's items in no particular order."""
    responses = body.get("Responses")
    if isinstance(responses, dict):
        return {**body, "Responses": {name: sorted(items, key=_text)
                                      for name, items in responses.items()}}
    return body


@pytest.mark.parametrize(("case", "operation", "request_body"), CASES,
                         ids=[case for case, _, _ in CASES])
def test_read_answers_as_dynamodb_does(tables: Emulator, case: str, operation: str,
                                       request_body: dict[str, Any]) -> None:
    status, body = call(tables, operation, request_body)
    expected_status, expected_body = EXPECTED[case]
    assert (status, _unordered(body)) == (expected_status, _unordered(expected_body))


def test_transaction_over_100_items_is_refused_whole(tables: Emulator) -> None:
    status, body = call(tables, "TransactGetItems", {"TransactItems": [
        {"Get": {"TableName": PLAIN, "Key": key}} for key in [*HUNDRED, {"pk": {"S": "x"}}]]})
    assert status == 400
    assert body["__type"] == NAMESPACE + "ValidationException"
    assert body["message"].endswith("at 'transactItems' failed to satisfy constraint: Member "
                                    "must have length less than or equal to 100")


def test_every_case_has_an_answer() -> None:
    assert {case for case, _, _ in CASES} == set(EXPECTED)


def test_batch_over_16_mb_leaves_the_rest_unprocessed(emulator: Emulator) -> None:
    """A BatchGetItem answers at most 16 MB of items; the keys beyond come back under
    UnprocessedKeys with the table's other request members, and are not charged."""
    name = "ops-reads-large"
    assert call(emulator, "CreateTable", {**TABLES[0], "TableName": name,
                                          "GlobalSecondaryIndexes": None} | {
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}]})[0] == 200
    try:
        big = "z" * 400_000  # 41 of these fit in 16 MB (16,777,216 bytes), 42 do not
        for i in range(44):
            assert call(emulator, "PutItem", {"TableName": name, "Item": {
                "pk": {"S": f"k{i:02d}"}, "big": {"S": big}}})[0] == 200
        keys = [{"pk": {"S": f"k{i:02d}"}} for i in range(44)]
        status, body = call(emulator, "BatchGetItem", {"RequestItems": {name: {
            "Keys": keys, "ProjectionExpression": "pk"}}, "ReturnConsumedCapacity": "TOTAL"})
        assert status == 200
        assert len(body["Responses"][name]) == 41
        assert body["UnprocessedKeys"] == {name: {"Keys": keys[41:], "ProjectionExpression": "pk"}}
        # each item: 400,005 bytes, 98 steps of 4 KB at 0.5
        assert body["ConsumedCapacity"] == [{"TableName": name, "CapacityUnits": 41 * 49.0}]
    finally:
        call(emulator, "DeleteTable", {"TableName": name})


def test_binary_keys_in_every_read(tables: Emulator) -> None:
    key = {"pk": {"B": "AP8="}, "sk": {"B": "/w=="}}
    expected = {"data": {"S": "ff"}, **key}
    assert call(tables, "GetItem", {"TableName": BINARY, "Key": key}) == (200, {"Item": expected})
    assert call(tables, "BatchGetItem", {"RequestItems": {BINARY: {"Keys": [key]}}}) == (
        200, {"Responses": {BINARY: [expected]}, "UnprocessedKeys": {}})
    assert call(tables, "TransactGetItems", {"TransactItems": [
        {"Get": {"TableName": BINARY, "Key": key}}]}) == (200, {"Responses": [{"Item": expected}]})

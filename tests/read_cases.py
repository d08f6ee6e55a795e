"""The tables, items and requests of tests/test_operations_reads.py: GetItem, BatchGetItem and
TransactGetItems as raw JSON (blobs as base64 text, as SDKs send them)."""

from __future__ import annotations

from typing import Any

from ddbkit.emulator.spec import ACCOUNT_ID, REGION

PLAIN, SORTED, BINARY = "ops-reads-plain", "ops-reads-sorted", "ops-reads-binary"
ARN = f"arn:aws:dynamodb:{REGION}:{ACCOUNT_ID}:table/{PLAIN}"
PAD = "x" * 10_000  # 10,0xx bytes: three 4 KB read steps
KEY_B, SORT_1, SORT_FF = "AP8=", "AQ==", "/w=="  # b"\x00\xff", b"\x01", b"\xff"

TABLES: list[dict[str, Any]] = [
    {"TableName": PLAIN, "BillingMode": "PAY_PER_REQUEST",
     "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
     "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "g", "AttributeType": "S"}],
     "GlobalSecondaryIndexes": [{"IndexName": "by-g", "Projection": {"ProjectionType": "ALL"},
                                 "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}]}]},
    {"TableName": SORTED, "BillingMode": "PAY_PER_REQUEST",
     "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                   {"AttributeName": "sk", "KeyType": "RANGE"}],
     "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "sk", "AttributeType": "N"},
                              {"AttributeName": "l", "AttributeType": "S"}],
     "LocalSecondaryIndexes": [{"IndexName": "by-l", "Projection": {"ProjectionType": "ALL"},
                                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                              {"AttributeName": "l", "KeyType": "RANGE"}]}]},
    {"TableName": BINARY, "BillingMode": "PAY_PER_REQUEST",
     "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                   {"AttributeName": "sk", "KeyType": "RANGE"}],
     "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "B"},
                              {"AttributeName": "sk", "AttributeType": "B"}]},
]

RICH = {"pk": {"S": "a"}, "s": {"S": "x"}, "n": {"N": "42"}, "g": {"S": "gv"},
        "m": {"M": {"inner": {"M": {"deep": {"S": "v"}, "n": {"N": "1"}}},
                    "list": {"L": [{"N": "1"}, {"N": "2"}]}}},
        "l": {"L": [{"S": "zero"}, {"M": {"k": {"S": "one"}}}]},
        "ss": {"SS": ["p", "q"]}, "bin": {"B": "AAEC"}, "bs": {"BS": ["AQ==", "Ag=="]}}
ITEMS: list[tuple[str, dict[str, Any]]] = [
    (PLAIN, RICH),
    (PLAIN, {"pk": {"S": "big"}, "pad": {"S": PAD}}),
    (PLAIN, {"pk": {"S": "plain-b"}, "s": {"S": "y"}}),
    *((SORTED, {"pk": {"S": "p"}, "sk": {"N": str(i)}, "l": {"S": f"l{i}"},
                "v": {"S": f"v{i}"}}) for i in (1, 2, 3)),
    (BINARY, {"pk": {"B": KEY_B}, "sk": {"B": SORT_1}, "data": {"B": "3q2+7w=="}}),
    (BINARY, {"pk": {"B": KEY_B}, "sk": {"B": SORT_FF}, "data": {"S": "ff"}}),
]


def _get(table: str, key: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"TableName": table, "Key": key, **extra}


A = {"pk": {"S": "a"}}
BIG = {"pk": {"S": "big"}}
MISSING = {"pk": {"S": "nobody"}}
P1 = {"pk": {"S": "p"}, "sk": {"N": "1"}}
B1 = {"pk": {"B": KEY_B}, "sk": {"B": SORT_1}}
BFF = {"pk": {"B": KEY_B}, "sk": {"B": SORT_FF}}

# (case id, operation, request)
GET_ITEM: list[tuple[str, str, dict[str, Any]]] = [
    ("hit", "GetItem", _get(PLAIN, A)),
    ("miss", "GetItem", _get(PLAIN, MISSING)),
    ("projection-names", "GetItem", _get(PLAIN, A, ProjectionExpression="#s, #m.#i.deep, l[1].k",
                                         ExpressionAttributeNames={"#s": "s", "#m": "m", "#i": "inner"})),
    ("projection-index-on-name", "GetItem", _get(PLAIN, A, ProjectionExpression="#l[0], m.#li[1]",
                                                 ExpressionAttributeNames={"#l": "l", "#li": "list"})),
    ("projection-nothing-matches", "GetItem", _get(PLAIN, A, ProjectionExpression="nope, s.deeper")),
    ("projection-miss", "GetItem", _get(PLAIN, MISSING, ProjectionExpression="s")),
    ("projection-overlap", "GetItem", _get(PLAIN, A, ProjectionExpression="m, #m.#i",
                                           ExpressionAttributeNames={"#m": "m", "#i": "inner"})),
    ("projection-two-names-one-attribute", "GetItem", _get(PLAIN, A, ProjectionExpression="#a, #b",
                                                           ExpressionAttributeNames={"#a": "s", "#b": "s"})),
    ("projection-reserved", "GetItem", _get(PLAIN, A, ProjectionExpression="name")),
    ("projection-reserved-nested", "GetItem", _get(PLAIN, A, ProjectionExpression="m.inner")),
    ("projection-unused-name", "GetItem", _get(PLAIN, A, ProjectionExpression="s",
                                               ExpressionAttributeNames={"#x": "x"})),
    ("names-without-expression", "GetItem", _get(PLAIN, A, ExpressionAttributeNames={"#x": "x"})),
    ("attributes-to-get", "GetItem", _get(PLAIN, A, AttributesToGet=["s", "m", "absent"])),
    ("attributes-to-get-with-expression", "GetItem",
     _get(PLAIN, A, AttributesToGet=["s"], ProjectionExpression="s")),
    ("attributes-to-get-duplicates", "GetItem", _get(PLAIN, A, AttributesToGet=["s", "s"])),
    ("binary-hit", "GetItem", _get(BINARY, B1)),
    ("binary-hit-ff", "GetItem", _get(BINARY, BFF, ProjectionExpression="#d",
                                      ExpressionAttributeNames={"#d": "data"})),
    ("binary-miss", "GetItem", _get(BINARY, {"pk": {"B": KEY_B}, "sk": {"B": "Ag=="}})),
    ("number-key-canonical", "GetItem", _get(SORTED, {"pk": {"S": "p"}, "sk": {"N": "1.0"}})),
    ("wrong-key-type", "GetItem", _get(PLAIN, {"pk": {"N": "1"}})),
    ("wrong-key-type-binary", "GetItem", _get(BINARY, {"pk": {"S": "x"}, "sk": {"B": SORT_1}})),
    ("key-map-value", "GetItem", _get(PLAIN, {"pk": {"M": {}}})),
    ("missing-range-key", "GetItem", _get(SORTED, {"pk": {"S": "p"}})),
    ("extra-key-attribute", "GetItem", _get(PLAIN, {"pk": {"S": "a"}, "s": {"S": "x"}})),
    ("other-attribute-as-key", "GetItem", _get(PLAIN, {"s": {"S": "x"}})),
    ("empty-string-key", "GetItem", _get(PLAIN, {"pk": {"S": ""}})),
    ("empty-binary-key", "GetItem", _get(BINARY, {"pk": {"B": ""}, "sk": {"B": SORT_1}})),
    ("hash-key-too-long", "GetItem", _get(PLAIN, {"pk": {"S": "k" * 2049}})),
    ("range-key-too-long", "GetItem", _get(BINARY, {"pk": {"B": KEY_B},
                                                    "sk": {"B": "AAAA" * 342}})),
    ("unknown-table", "GetItem", _get("ops-reads-nowhere", A)),
    ("table-arn", "GetItem", _get(ARN, A, ProjectionExpression="s")),
    ("capacity-total", "GetItem", _get(PLAIN, A, ReturnConsumedCapacity="TOTAL")),
    ("capacity-total-miss", "GetItem", _get(PLAIN, MISSING, ReturnConsumedCapacity="TOTAL")),
    ("capacity-big-eventual", "GetItem", _get(PLAIN, BIG, ReturnConsumedCapacity="TOTAL",
                                              ProjectionExpression="pk")),
    ("capacity-big-strong", "GetItem", _get(PLAIN, BIG, ReturnConsumedCapacity="INDEXES",
                                            ConsistentRead=True, ProjectionExpression="pk")),
    ("capacity-indexes-lsi-table", "GetItem", _get(SORTED, P1, ReturnConsumedCapacity="INDEXES")),
    ("capacity-none", "GetItem", _get(PLAIN, A, ReturnConsumedCapacity="NONE")),
    ("capacity-unknown-table", "GetItem", _get("ops-reads-nowhere", A,
                                               ReturnConsumedCapacity="TOTAL")),
]


def _batch(tables: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"RequestItems": tables, **extra}


HUNDRED = [{"pk": {"S": f"k{i}"}} for i in range(100)]
BATCH_GET_ITEM: list[tuple[str, str, dict[str, Any]]] = [
    ("batch-hits-and-misses", "BatchGetItem", _batch({PLAIN: {"Keys": [A, MISSING, BIG],
                                                              "ProjectionExpression": "pk, s"}})),
    ("batch-several-tables", "BatchGetItem", _batch({
        PLAIN: {"Keys": [A], "ProjectionExpression": "#m.#i, #s",
                "ExpressionAttributeNames": {"#m": "m", "#s": "s", "#i": "inner"}, "ConsistentRead": True},
        SORTED: {"Keys": [P1, {"pk": {"S": "p"}, "sk": {"N": "3"}}],
                 "ProjectionExpression": "v, sk"},
        BINARY: {"Keys": [B1, BFF]}}, ReturnConsumedCapacity="TOTAL")),
    ("batch-indexes", "BatchGetItem", _batch({
        PLAIN: {"Keys": [A, BIG]}, SORTED: {"Keys": [P1], "ConsistentRead": True}},
        ReturnConsumedCapacity="INDEXES")),
    ("batch-nothing-found", "BatchGetItem", _batch({PLAIN: {"Keys": [MISSING]}},
                                                   ReturnConsumedCapacity="TOTAL")),
    ("batch-duplicates", "BatchGetItem", _batch({PLAIN: {"Keys": [A, A]}})),
    ("batch-duplicate-number-forms", "BatchGetItem", _batch({SORTED: {"Keys": [
        P1, {"pk": {"S": "p"}, "sk": {"N": "1.0"}}]}})),
    ("batch-duplicate-binary", "BatchGetItem", _batch({BINARY: {"Keys": [B1, B1]}})),
    ("batch-same-key-other-tables", "BatchGetItem", _batch({PLAIN: {"Keys": [A]},
                                                            "ops-reads-nowhere": {"Keys": [A]}})),
    ("batch-100-keys", "BatchGetItem", _batch({PLAIN: {"Keys": [*HUNDRED[:60]]},
                                              SORTED: {"Keys": [
                                                  {"pk": {"S": "p"}, "sk": {"N": str(i)}}
                                                  for i in range(40)]}},
                                             ReturnConsumedCapacity="TOTAL")),
    ("batch-101-keys", "BatchGetItem", _batch({PLAIN: {"Keys": HUNDRED[:60]},
                                              SORTED: {"Keys": [
                                                  {"pk": {"S": "p"}, "sk": {"N": str(i)}}
                                                  for i in range(41)]}})),
    ("batch-101-keys-one-table", "BatchGetItem", _batch({PLAIN: {"Keys": [
        *HUNDRED, {"pk": {"S": "k100"}}]}})),
    ("batch-unknown-table", "BatchGetItem", _batch({"ops-reads-nowhere": {"Keys": [A]}})),
    ("batch-wrong-key-type", "BatchGetItem", _batch({PLAIN: {"Keys": [A, {"pk": {"N": "1"}}]}})),
    ("batch-missing-range-key", "BatchGetItem", _batch({SORTED: {"Keys": [{"pk": {"S": "p"}}]}})),
    ("batch-empty-key", "BatchGetItem", _batch({PLAIN: {"Keys": [{"pk": {"S": ""}}]}})),
    ("batch-attributes-to-get-nested-name", "BatchGetItem", _batch({PLAIN: {
        "Keys": [A], "AttributesToGet": ["m", "pk"]}})),
    ("batch-projection-overlap", "BatchGetItem", _batch({PLAIN: {
        "Keys": [A], "ProjectionExpression": "s, m"},
        SORTED: {"Keys": [P1], "ProjectionExpression": "v, v"}})),
    ("batch-mixed-projection-kinds", "BatchGetItem", _batch({
        PLAIN: {"Keys": [A], "ProjectionExpression": "s"},
        SORTED: {"Keys": [P1], "AttributesToGet": ["v"]}})),
    ("batch-table-arn", "BatchGetItem", _batch({ARN: {"Keys": [A],
                                                      "ProjectionExpression": "s"}})),
]


def _transact(gets: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"TransactItems": [{"Get": get} for get in gets], **extra}


TRANSACT_GET_ITEMS: list[tuple[str, str, dict[str, Any]]] = [
    ("transact-hits-and-misses", "TransactGetItems", _transact([
        _get(PLAIN, A), _get(PLAIN, MISSING), _get(SORTED, P1), _get(BINARY, B1)])),
    ("transact-capacity-total", "TransactGetItems", _transact([
        _get(PLAIN, A), _get(PLAIN, BIG), _get(PLAIN, MISSING), _get(SORTED, P1)],
        ReturnConsumedCapacity="TOTAL")),
    ("transact-capacity-indexes", "TransactGetItems", _transact([
        _get(PLAIN, A), _get(SORTED, P1)], ReturnConsumedCapacity="INDEXES")),
    ("transact-projection", "TransactGetItems", _transact([
        _get(PLAIN, A, ProjectionExpression="#s, m.#i.deep",
             ExpressionAttributeNames={"#s": "s", "#i": "inner"}),
        _get(BINARY, BFF, ProjectionExpression="sk")])),
    ("transact-projection-overlap", "TransactGetItems", _transact([
        _get(PLAIN, A, ProjectionExpression="m.#l, m", ExpressionAttributeNames={"#l": "list"})])),
    ("transact-100-items", "TransactGetItems", _transact(
        [_get(PLAIN, key) for key in HUNDRED], ReturnConsumedCapacity="TOTAL")),
    ("transact-same-item-twice", "TransactGetItems", _transact([_get(PLAIN, A), _get(PLAIN, A)])),
    ("transact-wrong-key-type", "TransactGetItems", _transact([
        _get(PLAIN, A), _get(PLAIN, {"pk": {"N": "1"}})])),
    ("transact-missing-range-key", "TransactGetItems", _transact([
        _get(SORTED, {"pk": {"S": "p"}})])),
    ("transact-empty-key", "TransactGetItems", _transact([_get(PLAIN, {"pk": {"S": ""}})])),
    ("transact-unknown-table", "TransactGetItems", _transact([
        _get(PLAIN, A), _get("ops-reads-nowhere", A)])),
    ("transact-table-arn", "TransactGetItems", _transact([_get(ARN, A,
                                                               ProjectionExpression="s")])),
]

CASES = [*GET_ITEM, *BATCH_GET_ITEM, *TRANSACT_GET_ITEMS]

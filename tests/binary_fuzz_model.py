"""The binary-keyed tables of tests/test_fuzz_binary_keys.py, the requests sent to them and
what each answer must be: a model of every item, kept from the writes that succeeded.

Items travel as boto3 gives them (`{"B": bytes}`); keys in the model are tuples of bytes.
Outcomes carry what the checker found wrong beyond the generic checks (`wrong`).
"""

from __future__ import annotations

import base64
import collections
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

BB, HASH_ONLY = "bb", "b"  # (pk B, sk B) with a GSI, an LSI and a stream; (pk B)
DUPLICATES = "Provided list of item keys contains duplicates"
_B = [{"AttributeName": n, "AttributeType": "B"} for n in ("pk", "sk", "gpk", "gsk", "lsk")]
_ALL = {"ProjectionType": "ALL"}
TABLES_TO_MAKE: list[dict[str, Any]] = [
    {"TableName": BB, "BillingMode": "PAY_PER_REQUEST", "AttributeDefinitions": _B,
     "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                   {"AttributeName": "sk", "KeyType": "RANGE"}],
     "GlobalSecondaryIndexes": [{"IndexName": "gsi", "Projection": _ALL, "KeySchema": [
         {"AttributeName": "gpk", "KeyType": "HASH"},
         {"AttributeName": "gsk", "KeyType": "RANGE"}]}],
     "LocalSecondaryIndexes": [{"IndexName": "lsi", "Projection": _ALL, "KeySchema": [
         {"AttributeName": "pk", "KeyType": "HASH"},
         {"AttributeName": "lsk", "KeyType": "RANGE"}]}],
     "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}},
    {"TableName": HASH_ONLY, "BillingMode": "PAY_PER_REQUEST", "AttributeDefinitions": _B[:1],
     "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]},
    {"TableName": "s", "BillingMode": "PAY_PER_REQUEST",
     "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "sk", "AttributeType": "N"},
                              {"AttributeName": "gs", "AttributeType": "S"}],
     "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                   {"AttributeName": "sk", "KeyType": "RANGE"}],
     "GlobalSecondaryIndexes": [{"IndexName": "gsis", "Projection": _ALL, "KeySchema": [
         {"AttributeName": "gs", "KeyType": "HASH"}]}]},
    {"TableName": "n", "BillingMode": "PAY_PER_REQUEST",
     "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "N"}],
     "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]},
]

# Values that break byte handling: the extremes, prefixes of each other, long ones.
PARTITIONS = [b"\x00", b"\xff", b"\x00\xff", b"\xff" * 2048]  # the longest hash key
SORTS = [b"\x00", b"\x00\x00", b"\x01", b"\x7f", b"\x80", b"\xfe", b"\xff", b"\xff\x00",
         b"\xff\xff", b"a", b"ab", b"\x80" * 1024, b"\x00" * 300]
Key = tuple[bytes, ...]
Item = dict[str, Any]


@dataclass
class Outcome:
    status: int
    body: bytes
    wrong: list[str] = field(default_factory=list)


def outcome_of(call: Callable[[], Any]) -> tuple[Outcome, Any]:
    """Runs a boto3 call: its answer as the checker reads it, and the parsed answer."""
    try:
        answer = call()
    except ClientError as exc:
        error = exc.response.get("Error", {})
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 400)
        body = json.dumps({"__type": f"com.amazonaws.dynamodb.v20120810#{error.get('Code')}",
                           "message": error.get("Message", ""),
                           "reasons": exc.response.get("CancellationReasons")}).encode()
        return Outcome(status, body), exc.response
    return Outcome(200, b"{}"), answer


def code_of(answer: Any) -> str:
    return str(answer.get("Error", {}).get("Code", "")) if "Error" in answer else ""


class BinaryModel:
    def __init__(self, rng: random.Random, prefix: str) -> None:
        self.rng = rng
        self.prefix = prefix
        self.items: dict[str, dict[Key, Item]] = {BB: {}, HASH_ONLY: {}}
        self.counts: collections.Counter[str] = collections.Counter()

    def name(self, table: str) -> str:
        return f"{self.prefix}-{table}"

    # -- values ----------------------------------------------------------------------------

    def sort(self) -> bytes:
        if self.rng.random() < 0.2:
            return self.rng.randbytes(self.rng.randint(1, 4))
        return self.rng.choice(SORTS)

    def key(self, table: str) -> Key:
        if table == BB:
            return self.rng.choice(PARTITIONS[:3]), self.sort()
        return (self.rng.choice([*PARTITIONS, self.rng.randbytes(3)]),)

    def present_or_not(self, table: str) -> Key:
        known = list(self.items[table])
        if known and self.rng.random() < 0.6:
            return self.rng.choice(known)
        return self.key(table)

    @staticmethod
    def wire_key(table: str, key: Key) -> Item:
        return {n: {"B": v} for n, v in zip(
            ("pk", "sk") if table == BB else ("pk",), key, strict=True)}

    def new_item(self, table: str, key: Key) -> Item:
        item = {**self.wire_key(table, key), "v": {"B": self.rng.randbytes(
            self.rng.choice([1, 2, 8]))}, "n": {"N": str(self.rng.randint(0, 9))}}
        if table == BB:
            for attr in ("gpk", "gsk", "lsk"):
                if self.rng.random() < 0.7:
                    item[attr] = {"B": self.rng.choice(PARTITIONS[:2]) if attr == "gpk"
                                  else self.sort()}
        return item

    def condition(self, table: str, key: Key, body: dict[str, Any]) -> bool:
        """Adds a ConditionExpression on the key attributes; True if it holds."""
        present = key in self.items[table]
        choice = self.rng.randrange(6 if table == BB else 3)
        values: dict[str, Any] = {}
        if choice == 0:
            body["ConditionExpression"], holds = "attribute_exists(pk)", present
        elif choice == 1:
            body["ConditionExpression"], holds = "attribute_not_exists(pk)", not present
        elif choice == 2:
            body["ConditionExpression"], holds = "pk = :k", present
            values[":k"] = {"B": key[0]}
        elif choice == 3:
            prefix = key[1][:self.rng.randint(0, 2)] or b"\x00"
            body["ConditionExpression"] = "begins_with(sk, :p)"
            holds = present and key[1].startswith(prefix)
            values[":p"] = {"B": prefix}
        elif choice == 4:
            low, high = sorted((self.sort(), self.sort()))
            body["ConditionExpression"], holds = "sk BETWEEN :lo AND :hi", \
                present and low <= key[1] <= high
            values.update({":lo": {"B": low}, ":hi": {"B": high}})
        else:
            other = self.sort()
            body["ConditionExpression"] = "sk <> :o"
            holds = not present or key[1] != other  # a missing sk is unequal too
            values[":o"] = {"B": other}
        if values:
            body.setdefault("ExpressionAttributeValues", {}).update(values)
        return holds

    # -- expectations ----------------------------------------------------------------------

    @staticmethod
    def expect(outcome: Outcome, answer: Any, code: str | None,
               message: str | None = None) -> None:
        """The answer must be a success (`code` None) or the error `code` (and message)."""
        got = code_of(answer)
        if (got or None) != code:
            outcome.wrong.append(f"expected {code or 'success'}, got {got or 'success'}")
        elif message is not None and answer["Error"].get("Message") != message:
            outcome.wrong.append(f"expected message {message!r}")

    @staticmethod
    def same(outcome: Outcome, what: str, got: Any, expected: Any) -> None:
        if got != expected:
            outcome.wrong.append(f"{what}: got {_short(got)}, expected {_short(expected)}")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) < 400 else text[:400] + "..."


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()

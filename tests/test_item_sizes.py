"""DynamoDB's size rules, pinned to the byte (AWS developer guide, "Item sizes and formats"),
and the limits built on them as a running emulator applies them: the 400 KB item through
every write surface, the 2048/1024-byte keys. Every figure is computed by hand in a comment.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from botocore.exceptions import ClientError
from moto.dynamodb.models.dynamo_type import DynamoType

from ddbkit.emulator.capacity.sizes import (
    MAX_ITEM_BYTES,
    item_size,
    request_item_size,
    too_large,
    value_size,
)

PUT_WORDING = "Item size has exceeded the maximum allowed size"
UPDATE_WORDING = "Item size to update has exceeded the maximum allowed size"
_keys = itertools.count()


@pytest.mark.parametrize(("value", "size"), [
    ({"S": ""}, 0),
    ({"S": "hello"}, 5),
    ({"S": "héllo"}, 6),  # é is 2 bytes in UTF-8
    ({"S": "€"}, 3),  # U+20AC: 3 bytes
    ({"S": "😀"}, 4),  # outside the BMP: 4 bytes (one code point, not two UTF-16 units)
    ({"S": "\ud800"}, 3),  # a lone surrogate, as JSON may carry it: 3 bytes, no crash
])
def test_strings_are_utf8_bytes(value: dict[str, Any], size: int) -> None:
    assert value_size(value) == size


# 1 byte of exponent + 1 per base-100 digit (digit pairs aligned on the decimal point, after
# leading and trailing zeros are trimmed) + 1 when negative; zero is 1 byte. These agree with
# the 23 literals the v3 conformance suite measured against DynamoDB.
@pytest.mark.parametrize(("number", "size"), [
    ("0", 1),  # zero
    ("-0", 1),  # zero is never negative
    ("7", 2),  # 1 + one pair
    ("12", 2),  # 1 + one pair "12"
    ("123", 3),  # pairs 1|23
    ("-7", 3),  # 1 + 1 + sign
    ("-42", 3),  # 1 + 1 + sign
    ("12345", 4),  # pairs 1|23|45
    ("1000000", 2),  # trailing zeros trimmed: "1" in the 10^6 pair
    ("0042", 2),  # leading zeros trimmed: "42"
    ("007.500", 3),  # 7.5: pair 7 | pair 50 (the point splits them)
    ("1.5", 3),  # straddles the point: 1 | 5
    ("3.14159", 5),  # 3 | 14 | 15 | 9
    ("0.001", 2),  # one pair, 10^-3
    ("1E125", 2),  # the exponent is not counted
    ("1" * 38, 20),  # 38 digits, even alignment: 19 pairs
    ("-" + "9" * 38, 21),  # 19 pairs + sign
    ("9.9999999999999999999999999999999999999E+125", 20),  # 38 digits, 10^125..10^88: 19
])
def test_numbers_cost_their_significant_digit_pairs(number: str, size: int) -> None:
    assert value_size({"N": number}) == size


def test_binary_is_raw_bytes_in_either_form() -> None:
    assert value_size({"B": b"\x00\x01\x02"}) == 3  # moto's decoded form
    assert value_size({"B": "AAEC"}) == 3  # the wire's base64 of the same 3 bytes
    assert value_size({"B": "AA=="}) == 1  # padding is not data: 1 byte
    assert value_size({"BOOL": True}) == 1
    assert value_size({"NULL": True}) == 1


def test_sets_are_the_sum_of_their_elements() -> None:
    assert value_size({"SS": ["a", "é"]}) == 3  # 1 + 2
    assert value_size({"NS": ["1", "-1", "100"]}) == 7  # 2 + 3 + 2
    assert value_size({"BS": ["YWI=", "AA=="]}) == 3  # b"ab" + b"\x00": 2 + 1
    assert value_size({"BS": [b"ab", b"\x00"]}) == 3
    assert value_size({"SS": []}) == 0  # no overhead (DynamoDB refuses an empty set anyway)


def test_lists_and_maps_cost_3_plus_1_per_element() -> None:
    assert value_size({"L": []}) == 3
    assert value_size({"M": {}}) == 3
    # 3 + (1 + "ab" 2) + (1 + N "1" 2)
    assert value_size({"L": [{"S": "ab"}, {"N": "1"}]}) == 9
    # 3 + (1 + name "a" 1 + "xy" 2) + (1 + name "bb" 2 + BOOL 1)
    assert value_size({"M": {"a": {"S": "xy"}, "bb": {"BOOL": False}}}) == 11
    # inner L [] 3; M {"k": L} 3 + 1 + 1 + 3 = 8; outer L 3 + 1 + 8 = 12
    assert value_size({"L": [{"M": {"k": {"L": []}}}]}) == 12


def test_moto_values_size_as_the_wire_does() -> None:
    wire = {"L": [{"B": "YWI="}, {"M": {"k": {"S": "é"}}}, {"NS": ["10"]}]}
    decoded = DynamoType({"L": [{"B": b"ab"}, {"M": {"k": {"S": "é"}}}, {"NS": ["10"]}]})
    # 3 + (1 + 2) + (1 + (3 + 1 + 1 + 2)) + (1 + 2) = 17
    assert value_size(wire) == value_size(decoded) == 17


def test_item_size_counts_names_and_values() -> None:
    # "pk" 2 + "a" 1; "név" 4 + N "12" 2
    assert item_size({"pk": {"S": "a"}, "név": {"N": "12"}}) == 9
    assert not too_large({"p": {"S": "x" * (MAX_ITEM_BYTES - 1)}})  # 1 + 409,599
    assert too_large({"p": {"S": "x" * MAX_ITEM_BYTES}})  # 1 + 409,600
    assert value_size({"S": "é" * 1024}) == 2048
    assert value_size({"B": "AAEC"}) == 3


def test_a_request_item_not_validated_yet_counts_malformed_values_as_nothing() -> None:
    # "a" 1 + malformed 0; "b" 1 + "yz" 2; "c" 1 + unknown type 0
    assert request_item_size({"a": {"S": "x", "N": "1"}, "b": {"S": "yz"},
                              "c": {"X": "1"}}) == 5


# Through the emulator. Every item below is: pk "kNNNN..." (2 + len), n -12345 (1 + 5),
# b 1000 bytes (1 + 1000), m {"a": [1, true]} (1 + 13: L 3 + (1+2) + (1+1) = 8, M 3 + 1 +
# 1 + 8), and p padding (1 + its UTF-8 bytes, 2000 of them in é).
def _item(total: int, key_length: int = 0) -> dict[str, Any]:
    key = f"k{next(_keys)}".ljust(key_length, "k")
    fixed = (2 + len(key)) + (1 + 5) + (1 + 1000) + (1 + 13) + 1
    pad = "é" * 1000 + "x" * (total - fixed - 2000)
    item = {"pk": {"S": key}, "n": {"N": "-12345"}, "b": {"B": b"\x07" * 1000},
            "m": {"M": {"a": {"L": [{"N": "1"}, {"BOOL": True}]}}}, "p": {"S": pad}}
    assert item_size(item) == total
    return item


def _refused(call: Any, wording: str) -> None:
    with pytest.raises(ClientError) as caught:
        call()
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    assert wording in caught.value.response["Error"]["Message"]


def _stored(client: Any, table: str, item: dict[str, Any]) -> None:
    got = client.get_item(TableName=table, Key={"pk": item["pk"]}, ConsistentRead=True)
    assert got["Item"]["p"] == item["p"]


def test_put_item_accepts_400_kb_and_refuses_a_byte_more(client: Any, make_table: Any) -> None:
    table = make_table("sizes-put")
    at = _item(MAX_ITEM_BYTES)
    client.put_item(TableName=table, Item=at)
    _stored(client, table, at)
    _refused(lambda: client.put_item(TableName=table, Item=_item(MAX_ITEM_BYTES + 1)),
             PUT_WORDING)


def test_batch_write_accepts_400_kb_and_refuses_a_byte_more(client: Any,
                                                            make_table: Any) -> None:
    table = make_table("sizes-batch")
    at = _item(MAX_ITEM_BYTES)
    answer = client.batch_write_item(RequestItems={table: [{"PutRequest": {"Item": at}}]})
    assert answer["UnprocessedItems"] == {}
    _stored(client, table, at)
    over = _item(MAX_ITEM_BYTES + 1)
    _refused(lambda: client.batch_write_item(
        RequestItems={table: [{"PutRequest": {"Item": over}}]}), PUT_WORDING)


def test_transact_put_accepts_400_kb_and_refuses_a_byte_more(client: Any,
                                                             make_table: Any) -> None:
    table = make_table("sizes-transact")
    at = _item(MAX_ITEM_BYTES)
    client.transact_write_items(TransactItems=[{"Put": {"TableName": table, "Item": at}}])
    _stored(client, table, at)
    over = _item(MAX_ITEM_BYTES + 1)
    _refused(lambda: client.transact_write_items(
        TransactItems=[{"Put": {"TableName": table, "Item": over}}]), PUT_WORDING)


def _update(client: Any, table: str, item: dict[str, Any]) -> None:
    client.update_item(
        TableName=table, Key={"pk": item["pk"]},
        UpdateExpression="SET n = :n, b = :b, m = :m, p = :p",
        ExpressionAttributeValues={f":{name}": item[name] for name in ("n", "b", "m", "p")})


def test_update_item_accepts_400_kb_and_refuses_a_byte_more(client: Any,
                                                            make_table: Any) -> None:
    """The item the update leaves is held to 409,600 bytes. A 100-byte key is more than the
    statement's charge leaves out (3 + 4 SETs of 19 bytes; test_item_size_by_surface.py), so
    the finished item is what binds here."""
    table = make_table("sizes-update")
    at = _item(MAX_ITEM_BYTES, key_length=100)
    _update(client, table, at)
    _stored(client, table, at)
    over = _item(MAX_ITEM_BYTES + 1, key_length=100)
    _refused(lambda: _update(client, table, over), UPDATE_WORDING)
    # growing a stored item past the limit by one byte: a 1-byte name and a 0-byte string
    small = _item(MAX_ITEM_BYTES)
    client.put_item(TableName=table, Item=small)
    _refused(lambda: client.update_item(
        TableName=table, Key={"pk": small["pk"]}, UpdateExpression="SET z = :z",
        ExpressionAttributeValues={":z": {"S": ""}}), UPDATE_WORDING)


def test_keys_are_held_to_2048_and_1024_utf8_bytes(client: Any, make_table: Any) -> None:
    table = make_table("sizes-keys", sort="S")
    client.put_item(TableName=table, Item={"pk": {"S": "é" * 1024},  # 2048 bytes
                                           "sk": {"S": "€" * 341 + "a"}})  # 1023 + 1
    _refused(lambda: client.put_item(TableName=table, Item={
        "pk": {"S": "é" * 1024 + "a"}, "sk": {"S": "a"}}), "Size of hashkey has exceeded")
    _refused(lambda: client.put_item(TableName=table, Item={
        "pk": {"S": "a"}, "sk": {"S": "é" * 512 + "a"}}), "range keys has exceeded")
    _refused(lambda: client.get_item(TableName=table, Key={
        "pk": {"S": "a"}, "sk": {"S": "é" * 513}}), "range keys has exceeded")


def _set_item(index: int) -> dict[str, Any]:
    """pk "tNN" (2 + 3) + bs (2 + three 100,000-byte members) = 300,007 bytes; its base64 on
    the wire is 400,000 characters."""
    members = [bytes([index, n]) * 50_000 for n in range(3)]
    item = {"pk": {"S": f"t{index:02d}"}, "bs": {"BS": members}}
    assert item_size(item) == 300_007
    return item


def test_a_transaction_is_held_to_4_mb_of_decoded_bytes(client: Any, make_table: Any) -> None:
    """13 such items are 3,900,091 bytes (under 4 MB, 4,194,304, though their base64 is
    5.2 MB); 14 are 4,200,098, over."""
    table = make_table("sizes-4mb")
    client.transact_write_items(TransactItems=[
        {"Put": {"TableName": table, "Item": _set_item(i)}} for i in range(13)])
    _refused(lambda: client.transact_write_items(TransactItems=[
        {"Put": {"TableName": table, "Item": _set_item(i)}} for i in range(14)]),
        "total size exceeds 4 MB")


def test_a_transacted_update_over_400_kb_cancels_the_transaction(client: Any,
                                                                  make_table: Any) -> None:
    """An Update's size depends on the stored item, so DynamoDB finds it over the limit only
    once the transaction runs: a cancellation (ValidationError), not a refused request."""
    table = make_table("sizes-transact-update")
    item = _item(MAX_ITEM_BYTES)
    client.put_item(TableName=table, Item=item)
    grow = {"Update": {"TableName": table, "Key": {"pk": item["pk"]},
                       "UpdateExpression": "SET z = :z",  # 1-byte name, 0-byte value: +1
                       "ExpressionAttributeValues": {":z": {"S": ""}}}}
    with pytest.raises(ClientError) as caught:
        client.transact_write_items(TransactItems=[grow])
    error = caught.value.response
    assert error["Error"]["Code"] == "TransactionCanceledException"
    assert error["CancellationReasons"][0]["Code"] == "ValidationError"
    assert UPDATE_WORDING in error["CancellationReasons"][0]["Message"]
    got = client.get_item(TableName=table, Key={"pk": item["pk"]}, ConsistentRead=True)
    assert "z" not in got["Item"]  # rolled back

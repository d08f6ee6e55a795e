"""Binary key values through the batch, query and paging paths, and a legacy Query's
KeyConditions beside expressions: both answered as DynamoDB answers them (the two
regressions issue 25 names)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

PK = {"B": b"\x00\xff"}
# Unsigned byte order: 0x7f before 0x80, and a prefix before its extensions.
SORT_KEYS = [b"\x01", b"\x02", b"\x7f", b"\x80", b"\xff", b"\xff\x00", b"\xff\xff"]
_names = itertools.count(1)


@pytest.fixture
def binary_table(client: Any) -> Iterator[str]:
    name = f"binary-keys-{next(_names)}"
    client.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                   {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "B"},
                              {"AttributeName": "sk", "AttributeType": "B"}])
    yield name
    client.delete_table(TableName=name)


def _put_all(client: Any, table: str) -> None:
    answer = client.batch_write_item(RequestItems={table: [
        {"PutRequest": {"Item": {"pk": PK, "sk": {"B": sk}, "n": {"N": str(i)}}}}
        for i, sk in enumerate(reversed(SORT_KEYS))]})
    assert answer["UnprocessedItems"] == {}


def test_batch_write_with_binary_keys_is_stored(client: Any, binary_table: str) -> None:
    _put_all(client, binary_table)
    items = client.scan(TableName=binary_table)["Items"]
    assert sorted(item["sk"]["B"] for item in items) == SORT_KEYS


def test_batch_write_refuses_a_binary_key_twice(client: Any, binary_table: str) -> None:
    same = {"pk": PK, "sk": {"B": b"\xff"}}
    with pytest.raises(ClientError) as raised:
        client.batch_write_item(RequestItems={binary_table: [
            {"PutRequest": {"Item": {**same, "a": {"S": "1"}}}},
            {"DeleteRequest": {"Key": same}}]})
    assert raised.value.response["Error"] == {
        "Code": "ValidationException",
        "Message": "Provided list of item keys contains duplicates"}
    assert client.scan(TableName=binary_table)["Items"] == []  # a refused batch leaves nothing


def test_query_orders_binary_sort_keys_as_unsigned_bytes(client: Any,
                                                        binary_table: str) -> None:
    _put_all(client, binary_table)
    forward = client.query(TableName=binary_table, KeyConditionExpression="pk = :p",
                           ExpressionAttributeValues={":p": PK})["Items"]
    assert [item["sk"]["B"] for item in forward] == SORT_KEYS
    backward = client.query(TableName=binary_table, KeyConditionExpression="pk = :p",
                            ExpressionAttributeValues={":p": PK},
                            ScanIndexForward=False)["Items"]
    assert [item["sk"]["B"] for item in backward] == SORT_KEYS[::-1]


def test_begins_with_and_paging_over_binary_sort_keys(client: Any, binary_table: str) -> None:
    _put_all(client, binary_table)
    found = client.query(TableName=binary_table,
                         KeyConditionExpression="pk = :p AND begins_with(sk, :prefix)",
                         ExpressionAttributeValues={":p": PK, ":prefix": {"B": b"\xff"}})
    assert [item["sk"]["B"] for item in found["Items"]] == [b"\xff", b"\xff\x00", b"\xff\xff"]
    seen: list[bytes] = []
    start: dict[str, Any] | None = None
    for _ in range(len(SORT_KEYS) + 1):  # bounded: one page per item at most, plus the end
        page = client.query(TableName=binary_table, KeyConditionExpression="pk = :p",
                            ExpressionAttributeValues={":p": PK}, Limit=2,
                            **({"ExclusiveStartKey": start} if start else {}))
        seen += [item["sk"]["B"] for item in page["Items"]]
        start = page.get("LastEvaluatedKey")
        if start is None:
            break
    assert seen == SORT_KEYS


def test_legacy_key_conditions_go_with_projection_and_filter(client: Any,
                                                             binary_table: str) -> None:
    _put_all(client, binary_table)
    answer = client.query(
        TableName=binary_table,
        KeyConditions={"pk": {"AttributeValueList": [PK], "ComparisonOperator": "EQ"}},
        ProjectionExpression="sk", FilterExpression="n < :three",
        ExpressionAttributeValues={":three": {"N": "3"}})
    assert [item["sk"]["B"] for item in answer["Items"]] == [b"\xff", b"\xff\x00", b"\xff\xff"]
    assert all(set(item) == {"sk"} for item in answer["Items"])


def test_key_condition_expression_still_refuses_legacy_filters(client: Any,
                                                              binary_table: str) -> None:
    with pytest.raises(ClientError) as raised:
        client.query(TableName=binary_table, KeyConditionExpression="pk = :p",
                     ExpressionAttributeValues={":p": PK},
                     QueryFilter={"n": {"AttributeValueList": [{"N": "1"}],
                                        "ComparisonOperator": "EQ"}})
    assert raised.value.response["Error"]["Message"] == (
        "Can not use both expression and non-expression parameters in the same request: "
        "Non-expression parameters: {QueryFilter} Expression parameters: "
        "{KeyConditionExpression}")


def test_parallel_scan_splits_binary_keyed_items_among_segments(client: Any,
                                                               binary_table: str) -> None:
    """A segment of a parallel scan hashed the key's text, which a binary key lacks: a crash."""
    client.batch_write_item(RequestItems={binary_table: [
        {"PutRequest": {"Item": {"pk": {"B": bytes([n])}, "sk": {"B": b"\x00"}}}}
        for n in (0, 1, 0x7f, 0x80, 0xff)]})
    found: list[bytes] = []
    for segment in range(3):
        found += [item["pk"]["B"] for item in client.scan(
            TableName=binary_table, Segment=segment, TotalSegments=3)["Items"]]
    assert sorted(found) == [b"\x00", b"\x01", b"\x7f", b"\x80", b"\xff"]  # each once


def _empty_binary_refusal(call: Any) -> str:
    with pytest.raises(ClientError) as raised:
        call()
    assert raised.value.response["Error"]["Code"] == "ValidationException"
    return str(raised.value.response["Error"]["Message"])


EMPTY_KEY = ("One or more parameter values are not valid. The AttributeValue for a key "
             "attribute cannot contain an empty binary value. Key: {}")


def test_items_keyed_on_an_empty_binary_are_refused(client: Any, make_table: Any) -> None:
    """moto compared key values with "" and stored an item whose key was an empty binary."""
    table = make_table("empty-binary", sort="B", attributes=[
        {"AttributeName": "gk", "AttributeType": "B"}], GlobalSecondaryIndexes=[
        {"IndexName": "gk-index", "Projection": {"ProjectionType": "ALL"},
         "KeySchema": [{"AttributeName": "gk", "KeyType": "HASH"}]}])
    empty = {"pk": {"S": "a"}, "sk": {"B": b""}}
    assert _empty_binary_refusal(lambda: client.put_item(TableName=table, Item=empty)) == \
        EMPTY_KEY.format("sk")
    assert _empty_binary_refusal(lambda: client.batch_write_item(RequestItems={table: [
        {"PutRequest": {"Item": empty}}]})) == EMPTY_KEY.format("sk")
    assert _empty_binary_refusal(lambda: client.transact_write_items(TransactItems=[
        {"Put": {"TableName": table, "Item": empty}}])) == EMPTY_KEY.format("sk")
    assert _empty_binary_refusal(lambda: client.execute_statement(
        Statement=f"INSERT INTO \"{table}\" VALUE {{'pk': 'a', 'sk': ?}}",
        Parameters=[{"B": b""}])) == EMPTY_KEY.format("sk")
    in_index = {"pk": {"S": "a"}, "sk": {"B": b"\x01"}, "gk": {"B": b""}}
    assert _empty_binary_refusal(lambda: client.put_item(TableName=table, Item=in_index)) == (
        "One or more parameter values are not valid. A value specified for a secondary index "
        "key is not supported. The AttributeValue for a key attribute cannot contain an empty "
        "binary value. IndexName: gk-index, IndexKey: gk")
    assert client.scan(TableName=table)["Items"] == []


def test_key_conditions_on_an_empty_binary_are_refused(client: Any, binary_table: str) -> None:
    for expression in ("pk = :e", "pk = :p AND sk = :e", "pk = :p AND begins_with(sk, :e)",
                       "pk = :p AND sk < :e"):
        values = {k: v for k, v in {":p": PK, ":e": {"B": b""}}.items() if k in expression}
        name = "pk" if expression == "pk = :e" else "sk"
        assert _empty_binary_refusal(lambda: client.query(
            TableName=binary_table, KeyConditionExpression=expression,
            ExpressionAttributeValues=values)) == EMPTY_KEY.format(name)
    assert _empty_binary_refusal(lambda: client.query(TableName=binary_table, KeyConditions={
        "pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"B": b""}]}})) == \
        EMPTY_KEY.format("pk")


def test_batch_write_with_a_map_where_a_key_goes_is_a_schema_mismatch(client: Any,
                                                                      binary_table: str) -> None:
    """The duplicate-key check hashed each key value: a map there crashed it. A batch Put's
    keys get a Key's answer (the parity suite, recorded against DynamoDB)."""
    with pytest.raises(ClientError) as raised:
        client.batch_write_item(RequestItems={binary_table: [{"PutRequest": {"Item": {
            "pk": {"M": {"a": {"L": [{"S": "x"}]}}}, "sk": {"B": b"\x01"}}}}]})
    assert raised.value.response["Error"] == {
        "Code": "ValidationException",
        "Message": "The provided key element does not match the schema"}


@pytest.mark.parametrize("value", [{"B": b"\x00"}, {"N": "1"}, {"L": [{"S": "x"}]},
                                   {"SS": ["a"]}], ids=["B", "N", "L", "SS"])
def test_partiql_writes_refuse_a_key_of_another_type(client: Any, make_table: Any,
                                                     value: Any) -> None:
    """UPDATE and DELETE looked the item up by a key of any type: a list or set crashed the
    lookup, a binary for a string key deleted nothing and said so with a success."""
    table = make_table("partiql-key-types")
    client.put_item(TableName=table, Item={"pk": {"S": "AA=="}})
    for statement in (f'DELETE FROM "{table}" WHERE pk = ?',
                      f'UPDATE "{table}" SET v = 1 WHERE pk = ?'):
        with pytest.raises(ClientError) as raised:
            client.execute_statement(Statement=statement, Parameters=[value])
        assert raised.value.response["Error"] == {
            "Code": "ValidationException",
            "Message": "The provided key element does not match the schema"}
    assert client.scan(TableName=table)["Items"] == [{"pk": {"S": "AA=="}}]


UPDATED_EMPTY = ("One or more parameter values are not valid. The update expression attempted "
                 "to update a secondary index key to a value that is not supported. The "
                 "AttributeValue for a key attribute cannot contain an empty binary value.")


def test_updates_refuse_an_empty_binary_index_key(client: Any, make_table: Any) -> None:
    """AttributeUpdates and PartiQL's UPDATE stored it (moto compared it with ""), SET
    refused it in the words for an empty string."""
    table = make_table("empty-index-key", sort="B", attributes=[
        {"AttributeName": "gk", "AttributeType": "B"}], GlobalSecondaryIndexes=[
        {"IndexName": "gk-index", "Projection": {"ProjectionType": "ALL"},
         "KeySchema": [{"AttributeName": "gk", "KeyType": "HASH"}]}])
    key = {"pk": {"S": "a"}, "sk": {"B": b"\x01"}}
    client.put_item(TableName=table, Item={**key, "gk": {"B": b"\x02"}})
    empty = {"B": b""}
    assert _empty_binary_refusal(lambda: client.update_item(
        TableName=table, Key=key, AttributeUpdates={"gk": {"Action": "PUT", "Value": empty}},
    )) == UPDATED_EMPTY
    assert _empty_binary_refusal(lambda: client.update_item(
        TableName=table, Key=key, UpdateExpression="SET gk = :e",
        ExpressionAttributeValues={":e": empty})) == UPDATED_EMPTY
    assert _empty_binary_refusal(lambda: client.execute_statement(
        Statement=f"UPDATE \"{table}\" SET gk = ? WHERE pk = 'a' AND sk = ?",
        Parameters=[empty, key["sk"]])) == UPDATED_EMPTY
    assert client.scan(TableName=table)["Items"] == [{**key, "gk": {"B": b"\x02"}}]
    assert client.scan(TableName=table, IndexName="gk-index")["Count"] == 1


def test_partiql_select_of_an_index_partition_is_in_index_order(client: Any,
                                                                make_table: Any) -> None:
    """A SELECT of a GSI's partition answered in table order, not its sort key's (bytes)."""
    table = make_table("partiql-index-order", attributes=[
        {"AttributeName": "gk", "AttributeType": "B"},
        {"AttributeName": "gs", "AttributeType": "B"}], GlobalSecondaryIndexes=[
        {"IndexName": "by-gs", "Projection": {"ProjectionType": "ALL"},
         "KeySchema": [{"AttributeName": "gk", "KeyType": "HASH"},
                       {"AttributeName": "gs", "KeyType": "RANGE"}]}])
    # Written in the reverse of the index order: a/ffff, b/ff, c/7f, d/01.
    for pk, gs in zip("abcd", SORT_KEYS[::-2], strict=True):
        client.put_item(TableName=table, Item={"pk": {"S": pk}, "gk": PK, "gs": {"B": gs}})
    client.put_item(TableName=table, Item={"pk": {"S": "e"}, "gk": {"B": b"\x01"},
                                           "gs": {"B": b"\x00"}})
    found = client.execute_statement(Statement=f'SELECT pk FROM "{table}"."by-gs" WHERE gk = ?',
                                     Parameters=[PK])["Items"]
    assert [item["pk"]["S"] for item in found] == ["d", "c", "b", "a"]


def test_index_keys_over_the_size_limits_are_refused(client: Any, make_table: Any) -> None:
    """An LSI sort key was never size-checked, nor any index key an update set."""
    table = make_table("index-key-sizes", sort="B", attributes=[
        {"AttributeName": "ls", "AttributeType": "B"},
        {"AttributeName": "gs", "AttributeType": "B"}],
        LocalSecondaryIndexes=[{"IndexName": "by-ls", "Projection": {"ProjectionType": "ALL"},
                                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                              {"AttributeName": "ls", "KeyType": "RANGE"}]}],
        GlobalSecondaryIndexes=[{"IndexName": "by-gs", "Projection": {"ProjectionType": "ALL"},
                                 "KeySchema": [{"AttributeName": "gs", "KeyType": "HASH"}]}])
    key = {"pk": {"S": "a"}, "sk": {"B": b"\x01"}}
    too_long_sort = ("One or more parameter values were invalid: Aggregated size of all range "
                     "keys has exceeded the size limit of 1024 bytes")
    client.put_item(TableName=table, Item={**key, "ls": {"B": b"\xff" * 1024},
                                           "gs": {"B": b"\xff" * 2048}})  # at the limits
    for call in (
            lambda: client.put_item(TableName=table, Item={**key, "ls": {"B": b"\xff" * 1025}}),
            lambda: client.batch_write_item(RequestItems={table: [
                {"PutRequest": {"Item": {"pk": {"S": "b"}, "sk": {"B": b"\x01"}}}},
                {"PutRequest": {"Item": {**key, "ls": {"B": b"\xff" * 1025}}}}]}),
            lambda: client.update_item(TableName=table, Key=key, UpdateExpression="SET ls = :l",
                                       ExpressionAttributeValues={":l": {"B": b"\xff" * 1025}})):
        with pytest.raises(ClientError) as raised:
            call()
        assert raised.value.response["Error"]["Message"] == too_long_sort
    with pytest.raises(ClientError) as raised:
        client.update_item(TableName=table, Key=key, UpdateExpression="SET gs = :g",
                           ExpressionAttributeValues={":g": {"B": b"\xff" * 2049}})
    assert raised.value.response["Error"]["Message"] == (
        "One or more parameter values were invalid: Size of hashkey has exceeded the maximum "
        "size limit of2048 bytes")  # sic: DynamoDB's words, as moto has them
    assert [len(i["ls"]["B"]) for i in client.scan(TableName=table)["Items"]] == [1024]


def test_partiql_insert_validates_the_item_before_looking_for_its_key(client: Any,
                                                                      make_table: Any) -> None:
    """An oversized index key in an INSERT of an existing key was answered as a duplicate."""
    table = make_table("insert-order", sort="B", attributes=[
        {"AttributeName": "gs", "AttributeType": "B"}], GlobalSecondaryIndexes=[
        {"IndexName": "by-gs", "Projection": {"ProjectionType": "ALL"},
         "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                       {"AttributeName": "gs", "KeyType": "RANGE"}]}])
    client.put_item(TableName=table, Item={"pk": {"S": "a"}, "sk": {"B": b"\x01"}})
    with pytest.raises(ClientError) as raised:
        client.execute_statement(
            Statement=f"INSERT INTO \"{table}\" VALUE {{'pk': 'a', 'sk': ?, 'gs': ?}}",
            Parameters=[{"B": b"\x01"}, {"B": b"\xff" * 1025}])
    assert raised.value.response["Error"]["Message"] == (
        "One or more parameter values were invalid: Aggregated size of all range keys has "
        "exceeded the size limit of 1024 bytes")


def test_binary_index_keys_order_and_page_as_unsigned_bytes(client: Any,
                                                           make_table: Any) -> None:
    """A GSI and an LSI keyed on binaries: Query in unsigned byte order, a begins_with on
    0xFF, a page's LastEvaluatedKey continuing it; the writes through a transaction and
    read back through BatchGetItem and TransactGetItems."""
    binary = [{"AttributeName": "g", "AttributeType": "B"},
              {"AttributeName": "l", "AttributeType": "B"}]
    table = make_table("binary-indexes", sort="B", attributes=binary,
                       GlobalSecondaryIndexes=[{
                           "IndexName": "by-g", "Projection": {"ProjectionType": "ALL"},
                           "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"},
                                         {"AttributeName": "sk", "KeyType": "RANGE"}]}],
                       LocalSecondaryIndexes=[{
                           "IndexName": "by-l", "Projection": {"ProjectionType": "ALL"},
                           "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                         {"AttributeName": "l", "KeyType": "RANGE"}]}])
    keys = [{"pk": {"S": "p"}, "sk": {"B": sk}} for sk in SORT_KEYS]
    client.transact_write_items(TransactItems=[{"Put": {"TableName": table, "Item": {
        **key, "g": {"B": b"\xff"}, "l": key["sk"]}}} for key in reversed(keys)])
    for index, name, condition in (("by-g", "g", "g = :v"), ("by-l", "pk", "pk = :v")):
        value = {"B": b"\xff"} if name == "g" else {"S": "p"}
        seen: list[bytes] = []
        start = None
        while True:
            page = client.query(TableName=table, IndexName=index, Limit=3,
                                KeyConditionExpression=condition,
                                ExpressionAttributeValues={":v": value},
                                **({"ExclusiveStartKey": start} if start else {}))
            seen += [item["sk"]["B"] for item in page["Items"]]
            start = page.get("LastEvaluatedKey")
            if start is None:
                break
        assert seen == SORT_KEYS
    prefixed = client.query(TableName=table, IndexName="by-l",
                            KeyConditionExpression="pk = :p AND begins_with(l, :ff)",
                            ExpressionAttributeValues={":p": {"S": "p"}, ":ff": {"B": b"\xff"}})
    assert [item["l"]["B"] for item in prefixed["Items"]] == [b"\xff", b"\xff\x00",
                                                              b"\xff\xff"]
    batch = client.batch_get_item(RequestItems={table: {"Keys": keys}})
    assert sorted(item["sk"]["B"] for item in batch["Responses"][table]) == SORT_KEYS
    got = client.transact_get_items(TransactItems=[{"Get": {"TableName": table, "Key": key}}
                                                   for key in keys[:2]])
    assert [r["Item"]["sk"]["B"] for r in got["Responses"]] == SORT_KEYS[:2]


def test_legacy_key_conditions_go_with_select_count(client: Any, binary_table: str) -> None:
    _put_all(client, binary_table)
    answer = client.query(
        TableName=binary_table, Select="COUNT", FilterExpression="n < :three",
        ExpressionAttributeValues={":three": {"N": "3"}},
        KeyConditions={"pk": {"AttributeValueList": [PK], "ComparisonOperator": "EQ"},
                       "sk": {"AttributeValueList": [{"B": b"\x7f"}],
                              "ComparisonOperator": "GT"}})
    assert (answer["Count"], answer["ScannedCount"]) == (3, 4)

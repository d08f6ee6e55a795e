"""Item semantics as DynamoDB has them, where moto differs (issue 14, wrong results):
numbers read back in DynamoDB's form, legacy conditions (Expected, QueryFilter, ScanFilter,
ConditionalOperator), binary comparisons, AttributesToGet, `#l[0]` projections, UPDATED_*
return values, and the 400 KB item limit by DynamoDB's size rules.

Expected answers are DynamoDB's documented behaviour (API reference, developer guide)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest

from ddbkit.emulator.runtime import Emulator

_names = itertools.count()


def _table(client: Any, *, sort: str | None = None, lsi: bool = False,
           stream: bool = False) -> str:
    name = f"sem-items-{next(_names)}"
    keys = [{"AttributeName": "pk", "KeyType": "HASH"}]
    attributes = [{"AttributeName": "pk", "AttributeType": "S"}]
    if sort:
        keys.append({"AttributeName": "sk", "KeyType": "RANGE"})
        attributes.append({"AttributeName": "sk", "AttributeType": sort})
    request: dict[str, Any] = {"TableName": name, "KeySchema": keys,
                               "AttributeDefinitions": attributes,
                               "BillingMode": "PAY_PER_REQUEST"}
    if lsi:
        attributes.append({"AttributeName": "alt", "AttributeType": "S"})
        request["LocalSecondaryIndexes"] = [{
            "IndexName": "alt-index", "Projection": {"ProjectionType": "ALL"},
            "KeySchema": [keys[0], {"AttributeName": "alt", "KeyType": "RANGE"}]}]
    if stream:
        request["StreamSpecification"] = {"StreamEnabled": True,
                                          "StreamViewType": "NEW_AND_OLD_IMAGES"}
    client.create_table(**request)
    return name


@pytest.fixture
def table(client: Any) -> Iterator[str]:
    name = _table(client)
    yield name
    client.delete_table(TableName=name)


SENT_AND_STORED = [("00042", "42"), ("-0", "0"), ("1.0", "1"), ("1.5E2", "150"),
                   ("3.1400", "3.14"), ("-0.50", "-0.5"), ("1E+3", "1000"), ("0.000", "0")]


def test_numbers_read_back_in_dynamodb_form_on_every_read_path(emulator: Emulator,
                                                                client: Any) -> None:
    name = _table(client, sort="N", stream=True)
    try:
        for i, (sent, _) in enumerate(SENT_AND_STORED):
            client.put_item(TableName=name, Item={"pk": {"S": "n"}, "sk": {"N": str(i)},
                                                  "v": {"N": sent}, "s": {"NS": [sent, "7"]}})
        stored = {str(i): want for i, (_, want) in enumerate(SENT_AND_STORED)}
        items = client.query(TableName=name, KeyConditionExpression="pk = :p",
                             ExpressionAttributeValues={":p": {"S": "n"}})["Items"]
        assert {i["sk"]["N"]: i["v"]["N"] for i in items} == stored
        assert {i["sk"]["N"]: sorted(i["s"]["NS"]) for i in items} == {
            k: sorted([v, "7"]) for k, v in stored.items()}
        scanned = client.scan(TableName=name)["Items"]
        assert {i["sk"]["N"]: i["v"]["N"] for i in scanned} == stored
        key = {"pk": {"S": "n"}, "sk": {"N": "3"}}
        assert client.get_item(TableName=name, Key=key)["Item"]["v"] == {"N": "150"}
        got = client.batch_get_item(RequestItems={name: {"Keys": [key]}})
        assert got["Responses"][name][0]["v"] == {"N": "150"}
        got = client.transact_get_items(TransactItems=[{"Get": {"TableName": name, "Key": key}}])
        assert got["Responses"][0]["Item"]["v"] == {"N": "150"}
        selected = client.execute_statement(
            Statement=f'SELECT v FROM "{name}" WHERE pk = \'n\' AND sk = 3')["Items"]
        assert selected == [{"v": {"N": "150"}}]
        updated = client.update_item(TableName=name, Key=key, UpdateExpression="SET v = :v",
                                     ExpressionAttributeValues={":v": {"N": "2.500"}},
                                     ReturnValues="ALL_NEW")["Attributes"]
        assert updated["v"] == {"N": "2.5"}
        added = client.update_item(TableName=name, Key=key, UpdateExpression="ADD v :v",
                                   ExpressionAttributeValues={":v": {"N": "0.50"}},
                                   ReturnValues="UPDATED_NEW")["Attributes"]
        assert added == {"v": {"N": "3"}}
        streams = emulator.client("dynamodbstreams")
        arn = client.describe_table(TableName=name)["Table"]["LatestStreamArn"]
        shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]
        iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        records = streams.get_records(ShardIterator=iterator)["Records"]
        assert records[3]["dynamodb"]["NewImage"]["v"] == {"N": "150"}
    finally:
        client.delete_table(TableName=name)


def test_numerically_equal_keys_name_one_item(client: Any) -> None:
    name = _table(client, sort="N")
    try:
        client.put_item(TableName=name, Item={"pk": {"S": "k"}, "sk": {"N": "042"}})
        client.put_item(TableName=name, Item={"pk": {"S": "k"}, "sk": {"N": "42.0"},
                                              "second": {"BOOL": True}})
        items = client.scan(TableName=name)["Items"]
        assert items == [{"pk": {"S": "k"}, "sk": {"N": "42"}, "second": {"BOOL": True}}]
    finally:
        client.delete_table(TableName=name)


def test_legacy_expected_with_conditional_operator(client: Any, table: str) -> None:
    key = {"pk": {"S": "e"}}
    client.put_item(TableName=table, Item={**key, "status": {"S": "active"},
                                           "role": {"S": "user"}})
    either = {"status": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "gone"}]},
              "role": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "user"}]}}
    client.put_item(TableName=table, Item={**key, "status": {"S": "next"}},
                    Expected=either, ConditionalOperator="OR")
    with pytest.raises(client.exceptions.ConditionalCheckFailedException):
        client.put_item(TableName=table, Item=key, Expected=either, ConditionalOperator="AND")
    with pytest.raises(client.exceptions.ConditionalCheckFailedException):
        client.delete_item(TableName=table, Key=key, Expected={"status": {"Exists": False}})
    client.delete_item(TableName=table, Key=key, Expected={
        "status": {"Value": {"S": "next"}}, "role": {"Exists": False}})
    assert "Item" not in client.get_item(TableName=table, Key=key)


def test_legacy_scan_and_query_filters(client: Any) -> None:
    name = _table(client, sort="S")
    try:
        for sk, n in (("a", 1), ("b", 5), ("c", 9)):
            client.put_item(TableName=name, Item={"pk": {"S": "q"}, "sk": {"S": sk},
                                                  "n": {"N": str(n)}, "t": {"S": f"x{sk}"}})
        scanned = client.scan(TableName=name, ConditionalOperator="OR", ScanFilter={
            "n": {"ComparisonOperator": "LT", "AttributeValueList": [{"N": "2"}]},
            "t": {"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [{"S": "xc"}]}})
        assert sorted(i["sk"]["S"] for i in scanned["Items"]) == ["a", "c"]
        queried = client.query(
            TableName=name,
            KeyConditions={"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "q"}]},
                           "sk": {"ComparisonOperator": "GT", "AttributeValueList": [{"S": "a"}]}},
            QueryFilter={"n": {"ComparisonOperator": "BETWEEN",
                               "AttributeValueList": [{"N": "4"}, {"N": "6"}]}})
        assert [i["sk"]["S"] for i in queried["Items"]] == ["b"]
        assert queried["ScannedCount"] == 2
        missing = client.scan(TableName=name, ScanFilter={
            "gone": {"ComparisonOperator": "NULL"},
            "n": {"ComparisonOperator": "IN", "AttributeValueList": [{"N": "5"}, {"N": "9"}]}})
        assert sorted(i["sk"]["S"] for i in missing["Items"]) == ["b", "c"]
    finally:
        client.delete_table(TableName=name)


def test_binary_values_compare_as_bytes(client: Any) -> None:
    name = _table(client, sort="B")
    try:
        # In base64 text "/w==" (0xff) sorts before "AQ==" (0x01); as bytes it is last.
        for raw in (b"\x01", b"\x7f", b"\xff", b"\x03abc"):
            client.put_item(TableName=name, Item={"pk": {"S": "b"}, "sk": {"B": raw},
                                                  "v": {"B": raw}})
        ordered = client.query(TableName=name, KeyConditionExpression="pk = :p",
                               ExpressionAttributeValues={":p": {"S": "b"}})["Items"]
        assert [i["sk"]["B"] for i in ordered] == [b"\x01", b"\x03abc", b"\x7f", b"\xff"]
        above = client.scan(TableName=name, FilterExpression="v > :b",
                            ExpressionAttributeValues={":b": {"B": b"\x7f"}})["Items"]
        assert [i["v"]["B"] for i in above] == [b"\xff"]
        prefixed = client.scan(TableName=name, FilterExpression="begins_with(v, :b)",
                               ExpressionAttributeValues={":b": {"B": b"\x03"}})["Items"]
        assert [i["v"]["B"] for i in prefixed] == [b"\x03abc"]
        inside = client.scan(TableName=name, FilterExpression="contains(v, :b)",
                             ExpressionAttributeValues={":b": {"B": b"bc"}})["Items"]
        assert [i["v"]["B"] for i in inside] == [b"\x03abc"]
    finally:
        client.delete_table(TableName=name)


def test_attributes_to_get_returns_only_the_named_attributes(client: Any, table: str) -> None:
    key = {"pk": {"S": "g"}}
    client.put_item(TableName=table, Item={**key, "a": {"S": "1"}, "b": {"S": "2"}})
    assert client.get_item(TableName=table, Key=key, AttributesToGet=["b"])["Item"] == {
        "b": {"S": "2"}}
    assert client.scan(TableName=table, AttributesToGet=["a", "pk"])["Items"] == [
        {"a": {"S": "1"}, "pk": {"S": "g"}}]
    queried = client.query(TableName=table, AttributesToGet=["a"], Select="SPECIFIC_ATTRIBUTES",
                           KeyConditions={"pk": {"ComparisonOperator": "EQ",
                                                 "AttributeValueList": [{"S": "g"}]}})
    assert queried["Items"] == [{"a": {"S": "1"}}]
    batch = client.batch_get_item(RequestItems={table: {"Keys": [key], "AttributesToGet": ["a"]}})
    assert batch["Responses"][table] == [{"a": {"S": "1"}}]


def test_projection_with_list_index_on_a_placeholder(client: Any, table: str) -> None:
    key = {"pk": {"S": "l"}}
    client.put_item(TableName=table, Item={**key, "l": {"L": [{"S": "x"}, {"S": "y"}]},
                                           "m": {"M": {"l": {"L": [{"N": "1"}, {"N": "2"}]}}}})
    got = client.get_item(TableName=table, Key=key, ProjectionExpression="#l[1], #m.#l[0]",
                          ExpressionAttributeNames={"#l": "l", "#m": "m"})["Item"]
    assert got == {"l": {"L": [{"S": "y"}]}, "m": {"M": {"l": {"L": [{"N": "1"}]}}}}


def test_updated_old_and_new_return_the_paths_the_update_names(client: Any,
                                                              table: str) -> None:
    key = {"pk": {"S": "u"}}
    client.put_item(TableName=table, Item={**key, "same": {"S": "s"}, "gone": {"N": "1"},
                                           "m": {"M": {"a": {"N": "1"}, "b": {"N": "2"}}}})
    update = {"TableName": table, "Key": key,
              "UpdateExpression": "SET same = :s, m.a = :n, fresh = :n REMOVE gone",
              "ExpressionAttributeValues": {":s": {"S": "s"}, ":n": {"N": "5"}}}
    old = client.update_item(**update, ReturnValues="UPDATED_OLD")["Attributes"]
    assert old == {"same": {"S": "s"}, "m": {"M": {"a": {"N": "1"}}}, "gone": {"N": "1"}}
    new = client.update_item(**update, ReturnValues="UPDATED_NEW")["Attributes"]
    assert new == {"same": {"S": "s"}, "m": {"M": {"a": {"N": "5"}}}, "fresh": {"N": "5"}}


def test_update_with_no_actions_creates_the_key_only_item(client: Any, table: str) -> None:
    key = {"pk": {"S": "bare"}}
    answer = client.update_item(TableName=table, Key=key, ReturnValues="ALL_NEW")
    assert answer["Attributes"] == key
    assert client.get_item(TableName=table, Key=key)["Item"] == key


def test_items_up_to_400_kb_by_dynamodb_size_rules(client: Any, table: str) -> None:
    # pk "big" (2 + 3 bytes) + name "pad" (3 bytes) + the padding: 409,600 bytes exactly.
    padding = 400 * 1024 - 2 - 3 - 3
    client.put_item(TableName=table, Item={"pk": {"S": "big"}, "pad": {"S": "x" * padding}})
    with pytest.raises(client.exceptions.ClientError, match="Item size has exceeded"):
        client.put_item(TableName=table, Item={"pk": {"S": "big"},
                                               "pad": {"S": "x" * (padding + 1)}})
    # A binary counts its bytes, not its base64 text.
    client.put_item(TableName=table, Item={"pk": {"S": "big"}, "pad": {"B": b"x" * padding}})
    with pytest.raises(client.exceptions.ClientError, match="Item size"):
        client.update_item(TableName=table, Key={"pk": {"S": "big"}},
                           UpdateExpression="SET more = :v",
                           ExpressionAttributeValues={":v": {"S": "xx"}})


def test_item_collection_metrics_on_tables_with_an_lsi(client: Any) -> None:
    name = _table(client, sort="S", lsi=True)
    plain = _table(client, sort="S")
    try:
        item = {"pk": {"S": "c"}, "sk": {"S": "1"}, "alt": {"S": "x"}}
        for write in (
                lambda t: client.put_item(TableName=t, Item=item,
                                          ReturnItemCollectionMetrics="SIZE"),
                lambda t: client.update_item(TableName=t, Key={"pk": item["pk"], "sk": item["sk"]},
                                             UpdateExpression="SET n = :n",
                                             ExpressionAttributeValues={":n": {"N": "1"}},
                                             ReturnItemCollectionMetrics="SIZE"),
                lambda t: client.delete_item(TableName=t, Key={"pk": item["pk"], "sk": item["sk"]},
                                             ReturnItemCollectionMetrics="SIZE")):
            metrics = write(name)["ItemCollectionMetrics"]
            assert metrics["ItemCollectionKey"] == {"pk": {"S": "c"}}
            assert metrics["SizeEstimateRangeGB"] == [0.0, 1.0]
            assert "ItemCollectionMetrics" not in write(plain)
        batch = client.batch_write_item(RequestItems={
            t: [{"PutRequest": {"Item": item}}] for t in (name, plain)},
            ReturnItemCollectionMetrics="SIZE")["ItemCollectionMetrics"]
        assert list(batch) == [name] and batch[name][0]["ItemCollectionKey"] == {"pk": {"S": "c"}}
        transact = client.transact_write_items(TransactItems=[
            {"Delete": {"TableName": t, "Key": {"pk": item["pk"], "sk": item["sk"]}}}
            for t in (name, plain)], ReturnItemCollectionMetrics="SIZE")["ItemCollectionMetrics"]
        assert list(transact) == [name]
    finally:
        client.delete_table(TableName=name)
        client.delete_table(TableName=plain)

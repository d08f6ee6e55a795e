"""PartiQL's index-qualified reads and the SELECTs batches and transactions take, as DynamoDB
answers them: `"table"."index"` checked (exists, a GSI read eventually and only for what it
projects, an LSI reaching the base item), a batch's or a transaction's SELECT by its whole key
only, EXISTS as a transaction's condition check; the new write forms (set_add, FROM-first
UPDATE) take the item operations' stream and capacity paths."""

from __future__ import annotations

from typing import Any

import pytest

from ddbkit.emulator.runtime import Emulator

BATCH_KEY = ("Select statements within BatchExecuteStatement must specify the primary key in "
             "the where clause.")


@pytest.fixture
def table(client: Any, make_table: Any) -> str:
    """pk (S) and sk (S); gsi on g projecting `kept` only, lsi on l projecting keys only."""
    keys = [{"AttributeName": "g", "KeyType": "HASH"}]
    name: str = make_table(
        "pq-reads", sort="S", attributes=[{"AttributeName": "g", "AttributeType": "S"},
                                          {"AttributeName": "l", "AttributeType": "S"}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        GlobalSecondaryIndexes=[{"IndexName": "gsi", "KeySchema": keys, "Projection": {
            "ProjectionType": "INCLUDE", "NonKeyAttributes": ["kept"]}}],
        LocalSecondaryIndexes=[{"IndexName": "lsi", "Projection": {"ProjectionType": "KEYS_ONLY"},
                                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                              {"AttributeName": "l", "KeyType": "RANGE"}]}])
    client.put_item(TableName=name, Item={
        "pk": {"S": "p"}, "sk": {"S": "s"}, "g": {"S": "gv"}, "l": {"S": "lv"},
        "kept": {"S": "k"}, "data": {"S": "d"}, "tags": {"SS": ["a"]}})
    return name


def refused(client: Any, statement: str, **extra: Any) -> str:
    with pytest.raises(client.exceptions.ClientError) as caught:
        client.execute_statement(Statement=statement, **extra)
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    return str(caught.value.response["Error"]["Message"])


def test_index_qualified_reads(client: Any, table: str) -> None:
    run = client.execute_statement
    assert run(Statement=f"SELECT pk, kept FROM \"{table}\".\"gsi\" WHERE g = 'gv'")["Items"] == \
        [{"pk": {"S": "p"}, "kept": {"S": "k"}}]
    assert len(run(Statement=f"SELECT * FROM \"{table}\".\"gsi\" WHERE pk = 'p'")["Items"]) == 1
    assert run(Statement=f"SELECT data FROM \"{table}\".\"lsi\" WHERE pk = 'p' AND l = 'lv'",
               ConsistentRead=True)["Items"] == [{"data": {"S": "d"}}]
    assert refused(client, f"SELECT data, tags, kept FROM \"{table}\".\"gsi\"") == (
        "One or more parameter values were invalid: Global secondary index gsi does not "
        "project [data, tags]")
    assert refused(client, f'SELECT * FROM "{table}"."gsi"', ConsistentRead=True) == \
        "Strongly consistent read is not supported on Global Secondary Indexes"
    assert refused(client, f'SELECT * FROM "{table}"."nope"', ConsistentRead=True) == \
        "The table does not have the specified index"


def test_batch_selects_name_the_whole_key_and_nothing_else(client: Any, table: str) -> None:
    answer = client.batch_execute_statement(Statements=[
        {"Statement": f"SELECT * FROM \"{table}\" WHERE pk = 'p' AND sk = 's'"},
        {"Statement": f"SELECT * FROM \"{table}\" WHERE pk = 'p'"},
        {"Statement": f"SELECT * FROM \"{table}\".\"gsi\" WHERE g = 'gv'"},
        {"Statement": f"SELECT * FROM \"{table}\" WHERE pk = 'p' AND sk = 's' "
                      "AND attribute_exists(data)"}])
    responses = answer["Responses"]
    assert responses[0]["Item"]["data"] == {"S": "d"}
    assert [r.get("Error") for r in responses[1:]] == \
        [{"Code": "ValidationError", "Message": BATCH_KEY}] * 3


def test_transaction_selects_and_exists(client: Any, table: str) -> None:
    key = f"FROM \"{table}\" WHERE pk = 'p' AND sk = 's'"
    with pytest.raises(client.exceptions.ClientError) as caught:
        client.execute_transaction(TransactStatements=[
            {"Statement": f"SELECT * {key} AND attribute_exists(data)"}])
    assert caught.value.response["Error"]["Message"] == (
        "Validation failed in TransactStatements[0]: Select statements within "
        "ExecuteTransaction must specify the primary key in the where clause.")
    with pytest.raises(client.exceptions.ClientError) as caught:
        client.execute_transaction(TransactStatements=[
            {"Statement": f"EXISTS(SELECT * {key})"},
            {"Statement": f"UPDATE \"{table}\" SET z = 1 WHERE pk = 'p' AND sk = 's'"}])
    assert caught.value.response["Error"]["Message"] == (
        "Validation failed in TransactStatements[0]: EXISTS() must contain a single item read "
        "with additional condition")
    with pytest.raises(client.exceptions.TransactionCanceledException) as cancelled:
        client.execute_transaction(TransactStatements=[
            {"Statement": f"EXISTS(SELECT * {key} AND data = 'other')"},
            {"Statement": f"UPDATE \"{table}\" SET z = 1 WHERE pk = 'p' AND sk = 's'"}])
    assert [r["Code"] for r in cancelled.value.response["CancellationReasons"]] == [
        "ConditionalCheckFailed", "None"]
    answer = client.execute_transaction(TransactStatements=[
        {"Statement": f"EXISTS(SELECT * {key} AND data = 'd')"},
        {"Statement": f"UPDATE \"{table}\" SET z = 2 WHERE pk = 'p' AND sk = 's'"}],
        ReturnConsumedCapacity="TOTAL")
    assert answer["Responses"] == []
    assert answer["ConsumedCapacity"][0]["CapacityUnits"] > 0
    item = client.get_item(TableName=table, Key={"pk": {"S": "p"}, "sk": {"S": "s"}})["Item"]
    assert item["z"] == {"N": "2"}


def test_new_write_forms_take_the_stream_and_capacity_paths(client: Any, emulator: Emulator,
                                                            table: str) -> None:
    streams = emulator.client("dynamodbstreams")
    arn = client.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    written = client.execute_statement(
        Statement=f"UPDATE \"{table}\" SET tags = set_add(tags, <<'b'>>) "
                  "WHERE pk = 'p' AND sk = 's'", ReturnConsumedCapacity="TOTAL")
    assert written["ConsumedCapacity"]["CapacityUnits"] > 0
    batch = client.batch_execute_statement(Statements=[
        {"Statement": f"FROM \"{table}\" WHERE pk = 'p' AND sk = 's' REMOVE data"}],
        ReturnConsumedCapacity="TOTAL")
    assert batch["ConsumedCapacity"][0]["CapacityUnits"] > 0
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    records = streams.get_records(ShardIterator=iterator)["Records"]
    images = [r["dynamodb"]["NewImage"] for r in records[1:]]
    assert sorted(images[0]["tags"]["SS"]) == ["a", "b"] and "data" not in images[1]

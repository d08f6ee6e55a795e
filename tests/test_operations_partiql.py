"""ExecuteStatement, BatchExecuteStatement and ExecuteTransaction as ddbkit's own operations
(issue 25): each statement runs through the stages of the item operation it stands for, so
its indexes, stream records, capacity and journal are that operation's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ddbkit.emulator.connect.clients import make_client
from ddbkit.emulator.runtime import Emulator


@pytest.fixture
def table(client: Any, make_table: Any) -> str:
    name: str = make_table(
        "op-partiql", sort="N", attributes=[{"AttributeName": "g", "AttributeType": "S"}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        GlobalSecondaryIndexes=[{"IndexName": "g-index",
                                 "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                 "Projection": {"ProjectionType": "ALL"}}])
    for sk in range(1, 5):
        client.put_item(TableName=name, Item={
            "pk": {"S": "p"}, "sk": {"N": str(sk)}, "age": {"N": str(sk * 10)},
            "g": {"S": "even" if sk % 2 == 0 else "odd"}})
    return name


def _sks(items: list[Any]) -> list[int]:
    return [int(item["sk"]["N"]) for item in items]


def test_select_by_key_partition_filter_and_index(client: Any, table: str) -> None:
    run = client.execute_statement
    assert run(Statement=f'SELECT * FROM "{table}" WHERE pk = \'p\' AND sk = 2')["Items"][0][
        "age"] == {"N": "20"}
    assert _sks(run(Statement=f'SELECT * FROM "{table}" WHERE pk = \'p\'')["Items"]) == [
        1, 2, 3, 4]
    assert _sks(run(Statement=f'SELECT * FROM "{table}" WHERE age >= ? AND age < ?',
                    Parameters=[{"N": "20"}, {"N": "40"}])["Items"]) == [2, 3]
    odd = run(Statement=f'SELECT sk FROM "{table}"."g-index" WHERE g = \'odd\'')["Items"]
    assert sorted(_sks(odd)) == [1, 3]
    assert run(Statement=f'SELECT * FROM "{table}" WHERE pk = \'nobody\'')["Items"] == []
    with pytest.raises(client.exceptions.ClientError, match="specified index"):
        run(Statement=f'SELECT * FROM "{table}"."none" WHERE g = \'odd\'')


def test_select_pages_and_orders(client: Any, table: str) -> None:
    statement = f'SELECT sk FROM "{table}" WHERE pk = \'p\' ORDER BY sk DESC'
    seen: list[int] = []
    page = client.execute_statement(Statement=statement, Limit=3)
    seen += _sks(page["Items"])
    assert "NextToken" in page
    page = client.execute_statement(Statement=statement, Limit=3, NextToken=page["NextToken"])
    seen += _sks(page["Items"])
    assert seen == [4, 3, 2, 1] and "NextToken" not in page
    with pytest.raises(client.exceptions.ClientError, match="NextToken"):
        client.execute_statement(Statement=statement, NextToken="bm90IGEgdG9rZW4=")


def test_insert_update_delete(client: Any, table: str) -> None:
    run = client.execute_statement
    run(Statement=f"INSERT INTO \"{table}\" VALUE {{'pk': 'q', 'sk': 1, 'n': 5, 'tag': 'x'}}")
    with pytest.raises(client.exceptions.DuplicateItemException):
        run(Statement=f"INSERT INTO \"{table}\" VALUE {{'pk': 'q', 'sk': 1}}")
    run(Statement=f"UPDATE \"{table}\" SET n = n + 1 REMOVE tag WHERE pk = 'q' AND sk = 1 "
                  "AND n = 5")
    item = client.get_item(TableName=table, Key={"pk": {"S": "q"}, "sk": {"N": "1"}})["Item"]
    assert item["n"] == {"N": "6"} and "tag" not in item
    with pytest.raises(client.exceptions.ConditionalCheckFailedException):
        run(Statement=f"UPDATE \"{table}\" SET n = 0 WHERE pk = 'q' AND sk = 1 AND n = 5")
    with pytest.raises(client.exceptions.ConditionalCheckFailedException):
        run(Statement=f"UPDATE \"{table}\" SET n = 0 WHERE pk = 'q' AND sk = 9")
    run(Statement=f"DELETE FROM \"{table}\" WHERE pk = 'q' AND sk = 1")
    assert "Item" not in client.get_item(TableName=table,
                                         Key={"pk": {"S": "q"}, "sk": {"N": "1"}})


def test_binary_parameters(client: Any, make_table: Any) -> None:
    name = make_table("op-partiql-bin", sort="B")
    blob = b"\x00\xffbytes"
    client.execute_statement(Statement=f'INSERT INTO "{name}" VALUE {{\'pk\': ?, \'sk\': ?, '
                                       "'v': ?}", Parameters=[{"S": "b"}, {"B": blob}, {"B": b"v"}])
    found = client.execute_statement(Statement=f'SELECT * FROM "{name}" WHERE pk = ? AND sk = ?',
                                     Parameters=[{"S": "b"}, {"B": blob}])["Items"]
    assert found == [{"pk": {"S": "b"}, "sk": {"B": blob}, "v": {"B": b"v"}}]
    item = client.get_item(TableName=name, Key={"pk": {"S": "b"}, "sk": {"B": blob}})["Item"]
    assert item["v"] == {"B": b"v"}


def test_batch_answers_each_statement_with_its_code(client: Any, table: str) -> None:
    responses = client.batch_execute_statement(Statements=[
        {"Statement": f'SELECT age FROM "{table}" WHERE pk = \'p\' AND sk = 1'},
        {"Statement": f"INSERT INTO \"{table}\" VALUE {{'pk': 'p', 'sk': 1}}"},
        {"Statement": f"UPDATE \"{table}\" SET age = 0 WHERE pk = 'p' AND sk = 99"},
        {"Statement": 'SELECT * FROM "op-partiql-none" WHERE pk = \'p\' AND sk = 1'},
        {"Statement": f"INSERT INTO \"{table}\" VALUE {{'pk': 'r', 'sk': 1}}"}],
        ReturnConsumedCapacity="TOTAL")
    assert responses["Responses"][0]["Item"] == {"age": {"N": "10"}}
    assert [r.get("Error", {}).get("Code") for r in responses["Responses"]] == [
        None, "DuplicateItem", "ConditionalCheckFailed", "ResourceNotFound", None]
    assert responses["ConsumedCapacity"][0]["TableName"] == table
    assert responses["ConsumedCapacity"][0]["CapacityUnits"] > 0
    assert "Item" in client.get_item(TableName=table, Key={"pk": {"S": "r"}, "sk": {"N": "1"}})


def test_transaction_commits_or_leaves_no_trace(client: Any, emulator: Emulator,
                                                table: str) -> None:
    streams = emulator.client("dynamodbstreams")
    arn = client.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    before = _records(streams, arn)
    with pytest.raises(client.exceptions.TransactionCanceledException) as caught:
        client.execute_transaction(TransactStatements=[
            {"Statement": f"INSERT INTO \"{table}\" VALUE {{'pk': 't', 'sk': 1, 'g': 'odd'}}"},
            {"Statement": f"UPDATE \"{table}\" SET age = 0 WHERE pk = 'p' AND sk = 1"},
            {"Statement": f"DELETE FROM \"{table}\" WHERE pk = 'p' AND sk = 2 AND age = 1"}])
    assert [r["Code"] for r in caught.value.response["CancellationReasons"]] == [
        "None", "None", "ConditionalCheckFailed"]
    assert _records(streams, arn) == before
    assert client.execute_statement(Statement=f'SELECT * FROM "{table}" WHERE pk = \'t\'')[
        "Items"] == []
    assert _sks(client.query(TableName=table, IndexName="g-index", KeyConditionExpression="g = :g",
                             ExpressionAttributeValues={":g": {"S": "odd"}})["Items"]) == [1, 3]
    answer = client.execute_transaction(TransactStatements=[
        {"Statement": f"INSERT INTO \"{table}\" VALUE {{'pk': 't', 'sk': 1, 'g': 'odd'}}"},
        {"Statement": f"UPDATE \"{table}\" SET age = 0 WHERE pk = 'p' AND sk = 1"}],
        ReturnConsumedCapacity="TOTAL")
    # two writes, each 1 WCU on the table and 1 on the GSI (ALL), twice that in a transaction
    assert answer["ConsumedCapacity"] == [{"TableName": table, "CapacityUnits": 8.0,
                                           "WriteCapacityUnits": 8.0}]
    odd = client.query(TableName=table, IndexName="g-index", KeyConditionExpression="g = :g",
                       ExpressionAttributeValues={":g": {"S": "odd"}})["Items"]
    assert sorted(item["pk"]["S"] for item in odd) == ["p", "p", "t"]
    events = [r["eventName"] for r in _records(streams, arn)[len(before):]]
    assert events == ["INSERT", "MODIFY"]


def _records(streams: Any, arn: str) -> list[Any]:
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    records: list[Any] = streams.get_records(ShardIterator=iterator)["Records"]
    return records


def test_consumed_capacity_of_statements(client: Any, table: str) -> None:
    read = client.execute_statement(Statement=f'SELECT * FROM "{table}" WHERE pk = \'p\' '
                                              "AND sk = 1", ReturnConsumedCapacity="TOTAL")
    assert read["ConsumedCapacity"] == {"TableName": table, "CapacityUnits": 0.5}
    write = client.execute_statement(
        Statement=f"UPDATE \"{table}\" SET age = 1 WHERE pk = 'p' AND sk = 1",
        ReturnConsumedCapacity="INDEXES")
    assert write["ConsumedCapacity"]["TableName"] == table
    assert write["ConsumedCapacity"]["Table"]["CapacityUnits"] == 1.0
    assert "ConsumedCapacity" not in client.execute_statement(
        Statement=f'SELECT * FROM "{table}" WHERE pk = \'p\'')


def test_a_restart_keeps_every_partiql_write(tmp_path: Path, durable_up: Any) -> None:
    args = ("--stage", "pqt", "--no-seed", "--ttl-interval", "0")
    proc = durable_up(tmp_path / "data", *args).start()
    client = make_client(endpoint_url=proc.endpoint_url)
    client.create_table(TableName="pqt", BillingMode="PAY_PER_REQUEST",
                        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    client.execute_statement(Statement="INSERT INTO \"pqt\" VALUE {'pk': 'a', 'n': 1}")
    client.execute_statement(Statement="INSERT INTO \"pqt\" VALUE {'pk': 'b', 'n': 1}")
    client.execute_statement(Statement="UPDATE \"pqt\" SET n = 2 WHERE pk = 'a'")
    client.batch_execute_statement(Statements=[
        {"Statement": "INSERT INTO \"pqt\" VALUE {'pk': 'c', 'n': 3}"}])
    client.execute_transaction(TransactStatements=[
        {"Statement": "DELETE FROM \"pqt\" WHERE pk = 'b'"},
        {"Statement": "INSERT INTO \"pqt\" VALUE {'pk': 'd', 'n': 4}"}])
    before = sorted(client.scan(TableName="pqt")["Items"], key=lambda i: i["pk"]["S"])
    proc.kill()  # no clean stop: the journal alone carries it
    proc = durable_up(tmp_path / "data", *args).start()
    client = make_client(endpoint_url=proc.endpoint_url)
    after = sorted(client.scan(TableName="pqt")["Items"], key=lambda i: i["pk"]["S"])
    assert after == before and [i["pk"]["S"] for i in after] == ["a", "c", "d"]

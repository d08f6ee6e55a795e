"""PartiQL as DynamoDB runs it (issue 14): WHERE clauses with AND/OR, comparisons,
begins_with, nested paths and `?` parameters; INSERT is no upsert; UPDATE and DELETE name one
item by its whole key; ExecuteTransaction is all or nothing; BatchExecuteStatement answers each
statement, its SELECTs with their item."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def table(client: Any, make_table: Any) -> str:
    name: str = make_table("sem-partiql", sort="N")
    for sk, age, name_ in ((1, 30, "bob"), (2, 10, "bea"), (3, 25, "al")):
        client.put_item(TableName=name, Item={
            "pk": {"S": "p"}, "sk": {"N": str(sk)}, "age": {"N": str(age)},
            "name": {"S": name_}, "m": {"M": {"deep": {"S": f"d{sk}"}}},
            "l": {"L": [{"N": str(sk)}, {"N": str(sk * 10)}]}})
    return name


def _select(client: Any, statement: str, parameters: list[Any] | None = None) -> list[Any]:
    extra = {"Parameters": parameters} if parameters else {}
    return client.execute_statement(Statement=statement, **extra)["Items"]  # type: ignore[no-any-return]


def test_select_where_clauses(client: Any, table: str) -> None:
    sks = lambda items: sorted(int(i["sk"]["N"]) for i in items)  # noqa: E731
    assert sks(_select(client, f'SELECT * FROM "{table}" WHERE pk = \'p\' AND age > 20')) == [1, 3]
    assert sks(_select(client, f'SELECT * FROM "{table}" WHERE begins_with(name, \'b\')')) == [1, 2]
    assert sks(_select(client, f'SELECT * FROM "{table}" WHERE age < 15 OR name = \'al\'')) == [2, 3]
    assert sks(_select(client, f'SELECT * FROM "{table}" WHERE pk = ? AND sk IN [1, 3]',
                       [{"S": "p"}])) == [1, 3]
    assert sks(_select(client, f'SELECT * FROM "{table}" WHERE m.deep = \'d2\'')) == [2]
    assert sks(_select(client, f'SELECT * FROM "{table}" WHERE sk BETWEEN 2 AND 3 '
                               "AND NOT contains(name, 'e')")) == [3]
    assert sks(_select(client, f'SELECT * FROM "{table}" WHERE gone IS MISSING AND l[1] = 20')) \
        == [2]


def test_select_order_by_sort_key(client: Any, table: str) -> None:
    items = _select(client, f'SELECT sk FROM "{table}" WHERE pk = \'p\' ORDER BY sk DESC')
    assert [i["sk"]["N"] for i in items] == ["3", "2", "1"]


def test_select_pages_by_limit_and_next_token(client: Any, table: str) -> None:
    statement = f'SELECT sk FROM "{table}" WHERE pk = \'p\' AND age > 15'
    first = client.execute_statement(Statement=statement, Limit=2)
    assert [i["sk"]["N"] for i in first["Items"]] == ["1"]  # 2 evaluated, 1 matched
    rest = client.execute_statement(Statement=statement, Limit=2, NextToken=first["NextToken"])
    assert [i["sk"]["N"] for i in rest["Items"]] == ["3"] and "NextToken" not in rest
    with pytest.raises(client.exceptions.ClientError, match="NextToken"):
        client.execute_statement(Statement=f'SELECT * FROM "{table}"',
                                 NextToken=first["NextToken"])


def test_select_paths_answer_under_their_last_name(client: Any, table: str) -> None:
    items = _select(client, f'SELECT m.deep, l[1], age FROM "{table}" WHERE pk = \'p\' AND sk = 1')
    assert items == [{"deep": {"S": "d1"}, "l": {"N": "10"}, "age": {"N": "30"}}]


def test_insert_is_no_upsert(client: Any, table: str) -> None:
    with pytest.raises(client.exceptions.DuplicateItemException):
        client.execute_statement(Statement=f"INSERT INTO \"{table}\" VALUE {{'pk': 'p', 'sk': 1}}")
    client.execute_statement(Statement=f'INSERT INTO "{table}" VALUE {{\'pk\': ?, \'sk\': ?}}',
                             Parameters=[{"S": "p"}, {"N": "4"}])
    assert len(_select(client, f'SELECT * FROM "{table}" WHERE pk = \'p\'')) == 4


def test_update_and_delete_name_one_item(client: Any, table: str) -> None:
    client.execute_statement(
        Statement=f"UPDATE \"{table}\" SET age = age + 1 SET note = 'x' REMOVE name "
                  "WHERE pk = 'p' AND sk = 2")
    item = client.get_item(TableName=table, Key={"pk": {"S": "p"}, "sk": {"N": "2"}})["Item"]
    assert item["age"] == {"N": "11"} and item["note"] == {"S": "x"} and "name" not in item
    with pytest.raises(client.exceptions.ConditionalCheckFailedException):
        client.execute_statement(Statement=f"UPDATE \"{table}\" SET age = 1 "
                                           "WHERE pk = 'p' AND sk = 99")
    with pytest.raises(client.exceptions.ConditionalCheckFailedException):
        client.execute_statement(Statement=f"DELETE FROM \"{table}\" "
                                           "WHERE pk = 'p' AND sk = 1 AND age = 99")
    with pytest.raises(client.exceptions.ClientError, match="mandatory equality"):
        client.execute_statement(Statement=f"DELETE FROM \"{table}\" WHERE pk = 'p'")
    client.execute_statement(Statement=f"DELETE FROM \"{table}\" WHERE pk = 'p' AND sk = 1")
    assert "Item" not in client.get_item(TableName=table, Key={"pk": {"S": "p"}, "sk": {"N": "1"}})


def test_malformed_statements_and_parameter_counts(client: Any, table: str) -> None:
    with pytest.raises(client.exceptions.ClientError, match="wasn't well formed"):
        client.execute_statement(Statement=f'SELEC * FROM "{table}"')
    with pytest.raises(client.exceptions.ClientError, match="Number of parameters"):
        client.execute_statement(Statement=f'SELECT * FROM "{table}" WHERE pk = ?')


def test_transaction_rolls_back_every_statement(client: Any, table: str) -> None:
    with pytest.raises(client.exceptions.TransactionCanceledException) as caught:
        client.execute_transaction(TransactStatements=[
            {"Statement": f"INSERT INTO \"{table}\" VALUE {{'pk': 'new', 'sk': 1}}"},
            {"Statement": f"UPDATE \"{table}\" SET age = 0 WHERE pk = 'p' AND sk = 3"},
            {"Statement": f"INSERT INTO \"{table}\" VALUE {{'pk': 'p', 'sk': 1}}"}])
    reasons = caught.value.response["CancellationReasons"]
    assert [r["Code"] for r in reasons] == ["None", "None", "DuplicateItem"]
    assert _select(client, f'SELECT * FROM "{table}" WHERE pk = \'new\'') == []
    assert _select(client, f'SELECT age FROM "{table}" WHERE pk = \'p\' AND sk = 3') == [
        {"age": {"N": "25"}}]


def test_batch_answers_each_statement(client: Any, table: str) -> None:
    responses = client.batch_execute_statement(Statements=[
        {"Statement": f'SELECT name FROM "{table}" WHERE pk = \'p\' AND sk = 1'},
        {"Statement": 'SELECT * FROM "sem-partiql-none" WHERE pk = \'p\' AND sk = 1'},
        {"Statement": f'SELECT * FROM "{table}" WHERE pk = \'p\''},
        {"Statement": f"INSERT INTO \"{table}\" VALUE {{'pk': 'p', 'sk': 1}}"},
        {"Statement": f"INSERT INTO \"{table}\" VALUE {{'pk': 'b', 'sk': 1}}"}])["Responses"]
    assert responses[0]["Item"] == {"name": {"S": "bob"}}
    assert [r.get("Error", {}).get("Code") for r in responses] == [
        None, "ResourceNotFound", "ValidationError", "DuplicateItem", None]
    assert _select(client, f'SELECT pk FROM "{table}" WHERE pk = \'b\'') == [{"pk": {"S": "b"}}]

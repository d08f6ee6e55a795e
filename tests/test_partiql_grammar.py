"""How ddbkit reads PartiQL's text as DynamoDB does: comments, number literals, the tokens a
statement may not leave over, aliases, ORDER BY only after a SELECT's WHERE; each refusal in
DynamoDB's wording, and a refused write leaves no trace."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

NOT_WELL_FORMED = "Statement wasn't well formed, can't be processed: "
LEFTOVER = NOT_WELL_FORMED + "Unexpected token after expression"
OVERFLOW = ("Number overflow. Attempting to store a number with magnitude larger than "
            "supported range")


@pytest.fixture
def numbers(client: Any) -> Iterator[str]:
    """A table keyed by a number pk, holding 7310000, 7.3 and -7.3."""
    name = f"pq-grammar-{uuid.uuid4().hex[:8]}"
    client.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "N"}])
    for pk in ("7310000", "7.3", "-7.3"):
        client.put_item(TableName=name, Item={"pk": {"N": pk}})
    yield name
    client.delete_table(TableName=name)


@pytest.fixture
def ordered(client: Any, make_table: Any) -> str:
    name: str = make_table("pq-order", sort="N")
    for sk in (1, 2, 3):
        client.put_item(TableName=name, Item={"pk": {"S": "p"}, "sk": {"N": str(sk)}})
    return name


def refused(client: Any, statement: str) -> str:
    with pytest.raises(client.exceptions.ClientError) as caught:
        client.execute_statement(Statement=statement)
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    return str(caught.value.response["Error"]["Message"])


def keys(client: Any, statement: str) -> list[str]:
    items = client.execute_statement(Statement=statement, ConsistentRead=True)["Items"]
    return sorted(next(iter(i["pk"].values())) for i in items)


def test_number_literals_with_exponents_and_no_leading_digit(client: Any, numbers: str) -> None:
    for literal in ("7.31e6", "7.31E6", "7.31e+6", "731e4", "73100000e-1"):
        assert keys(client, f'SELECT * FROM "{numbers}" WHERE pk = {literal}') == ["7310000"]
    assert keys(client, f'SELECT * FROM "{numbers}" WHERE pk = .73e1') == ["7.3"]
    assert keys(client, f'SELECT * FROM "{numbers}" WHERE pk = -.73e1') == ["-7.3"]
    client.execute_statement(Statement=f"INSERT INTO \"{numbers}\" VALUE {{'pk': .7325e1}}")
    assert "Item" in client.get_item(TableName=numbers, Key={"pk": {"N": "7.325"}})


def test_number_literals_past_what_dynamodb_reads(client: Any, numbers: str) -> None:
    for literal in ("1e2147483648", "1e99999999999", "1.5e-2147483647"):
        assert refused(client, f'SELECT * FROM "{numbers}" WHERE pk = {literal}') == \
            NOT_WELL_FORMED
    assert refused(client, f'SELECT * FROM "{numbers}" WHERE pk = 1e126') == \
        OVERFLOW + " under root"
    assert refused(client, f"INSERT INTO \"{numbers}\" VALUE {{'pk': 1, 'm': {{'x': 1e126}}}}") \
        == OVERFLOW + " under root.x"
    assert refused(client, f"INSERT INTO \"{numbers}\" VALUE {{'pk': 2, 'l': [1, 1e126]}}") \
        == OVERFLOW + " under root[1]"
    assert refused(client, f'SELECT * FROM "{numbers}" WHERE pk = 1 e5') == LEFTOVER


def test_comments_are_whitespace(client: Any, numbers: str) -> None:
    table = f'"{numbers}"'
    for statement in (f"SELECT * FROM {table} WHERE pk = 7.3 -- a note",
                      f"-- a note\nSELECT * FROM {table} WHERE pk = 7.3",
                      f"SELECT * FROM {table} -- a note\nWHERE pk = 7.3",
                      f"SELECT * FROM {table} /* a\nnote */ WHERE pk = 7.3 /* end */"):
        assert keys(client, statement) == ["7.3"], statement
    assert refused(client, f"SELECT * FROM {table} WHERE pk = 1 # note") == NOT_WELL_FORMED
    assert refused(client, f"SELECT * FROM {table} WHERE pk = 1 /* note") == NOT_WELL_FORMED


def test_a_token_left_over_is_refused_and_writes_nothing(client: Any, numbers: str) -> None:
    table = f'"{numbers}"'
    for statement in (f"SELECT * FROM {table} WHERE pk = 1 foo",
                      f"SELECT * FROM {table} WHERE pk = 1)",
                      f"INSERT INTO {table} VALUE {{'pk': 970001}} foo",
                      f"UPDATE {table} SET a = 9 WHERE pk = 7.3 foo",
                      f"DELETE FROM {table} WHERE pk = 7.3 foo",
                      f"DELETE FROM {table} WHERE pk = 7.3 ORDER BY pk",
                      f"SELECT * FROM {table} ORDER BY pk WHERE pk = 1",
                      f"INSERT INTO {table} t VALUE {{'pk': 970002}}"):
        assert refused(client, statement) == LEFTOVER, statement
    assert "Item" not in client.get_item(TableName=numbers, Key={"pk": {"N": "970001"}})
    item = client.get_item(TableName=numbers, Key={"pk": {"N": "7.3"}})["Item"]
    assert item == {"pk": {"N": "7.3"}}  # neither updated nor deleted


def test_table_aliases_are_refused(client: Any, numbers: str) -> None:
    table = f'"{numbers}"'
    for statement in (f"SELECT * FROM {table} t WHERE pk = 7.3",
                      f"SELECT * FROM {table} AS t WHERE pk = 7.3",
                      f"UPDATE {table} t SET a = 3 WHERE pk = 7.3",
                      f"DELETE FROM {table} t WHERE pk = 7.3"):
        assert refused(client, statement) == "Aliasing is not supported", statement
    assert keys(client, f"SELECT * FROM {table} WHERE pk = 7.3") == ["7.3"]


def test_order_by_the_sort_key_on_a_select(client: Any, ordered: str) -> None:
    def sks(direction: str) -> list[str]:
        items = client.execute_statement(
            Statement=f"SELECT * FROM \"{ordered}\" WHERE pk = 'p' ORDER BY sk {direction}")
        return [i["sk"]["N"] for i in items["Items"]]
    assert sks("DESC") == ["3", "2", "1"]
    assert sks("ASC") == ["1", "2", "3"]


def test_a_keyword_after_a_dot_in_a_path(client: Any, numbers: str) -> None:
    assert refused(client, f'SELECT * FROM "{numbers}" WHERE pk = 1 AND m.inner = 1') == \
        NOT_WELL_FORMED + "Invalid path dot component"
    assert keys(client, f'SELECT * FROM "{numbers}" WHERE pk = 7.3 AND m."inner" IS MISSING') \
        == ["7.3"]


def test_deep_nesting_is_refused_not_recursed(client: Any, numbers: str) -> None:
    deep = "(" * 500 + "pk = 1" + ")" * 500
    assert refused(client, f'SELECT * FROM "{numbers}" WHERE {deep}').startswith(
        NOT_WELL_FORMED + "Unexpected token (")
    value = "[" * 40 + "1" + "]" * 40
    assert refused(client, f'SELECT * FROM "{numbers}" WHERE pk = 1 AND a = {value}') == (
        "Nesting Levels have exceeded supported limits: Attributes in the item have nested "
        "levels beyond supported limit")
    assert refused(client, f'SELECT * FROM "{numbers}" WHERE pk IN ()').startswith(
        NOT_WELL_FORMED)
    assert refused(client, "-- nothing but a comment").startswith(NOT_WELL_FORMED)


def test_exists_only_in_a_transaction(client: Any, numbers: str) -> None:
    statement = f'EXISTS(SELECT * FROM "{numbers}" WHERE pk = 7.3 AND a = 1)'
    assert refused(client, statement) == "EXISTS is only supported within ExecuteTransaction"
    answer = client.batch_execute_statement(Statements=[{"Statement": statement}])
    assert answer["Responses"][0]["Error"]["Code"] == "ValidationError"

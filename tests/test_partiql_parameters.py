"""PartiQL's `?` parameters converted as DynamoDB converts them: numbers read as Java's
BigDecimal reads them (a 32-bit exponent and scale, the range checked in wrapping 32-bit
arithmetic), problems reported in document order, in every place a parameter can stand; in a
batch, in the statement's own slot."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

UNCONVERTIBLE = "The parameter cannot be converted to a numeric value"
UNDERFLOW = ("Number underflow. Attempting to store a number with magnitude smaller than "
             "supported range")
OVERFLOW = ("Number overflow. Attempting to store a number with magnitude larger than "
            "supported range")
NEST = ("Nesting Levels have exceeded supported limits: Attributes in the item have nested "
        "levels beyond supported limit")


@pytest.fixture
def table(client: Any, make_table: Any) -> str:
    name: str = make_table("pq-params", sort="S")
    return name


def places(table: str) -> list[str]:
    return [f"SELECT * FROM \"{table}\" WHERE pk = 'p' AND n = ?",
            f"INSERT INTO \"{table}\" VALUE {{'pk': 'p', 'sk': 's', 'n': ?}}",
            f"UPDATE \"{table}\" SET n = ? WHERE pk = 'p' AND sk = 's'",
            f"SELECT * FROM \"{table}\" WHERE pk = ?"]


def refused(client: Any, statement: str, parameters: list[Any]) -> str:
    with pytest.raises(client.exceptions.ClientError) as caught:
        client.execute_statement(Statement=statement, Parameters=parameters)
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    return str(caught.value.response["Error"]["Message"])


def deep(depth: int, leaf: Any) -> Any:
    for _ in range(depth):
        leaf = {"M": {"n": leaf}}
    return leaf


@pytest.mark.parametrize("number, message", [
    ("1e99999999999", f"{UNCONVERTIBLE}: 1e99999999999"),
    ("-1e99999999999", f"{UNCONVERTIBLE}: -1e99999999999"),
    ("1e-2147483648", f"{UNCONVERTIBLE}: 1e-2147483648"),
    ("1e2147483647", UNDERFLOW),  # precision less scale wraps past 32 bits
    ("1e126", OVERFLOW),
    ("abc", f"{UNCONVERTIBLE}: abc"),
    ("", UNCONVERTIBLE)])
def test_a_number_parameter_in_every_place(client: Any, table: str, number: str,
                                           message: str) -> None:
    for statement in places(table):
        assert refused(client, statement, [{"N": number}]) == message, statement
    assert client.scan(TableName=table)["Count"] == 0


def test_numbers_inside_lists_maps_and_sets(client: Any, table: str) -> None:
    statement = places(table)[0]
    for value in ({"L": [{"N": "1"}, {"N": "1e99999999999"}]},
                  {"M": {"x": {"N": "1e99999999999"}}}, {"NS": ["1", "1e99999999999"]}):
        assert refused(client, statement, [value]) == f"{UNCONVERTIBLE}: 1e99999999999"
    client.execute_statement(Statement=places(table)[1], Parameters=[{"N": "1e125"}])
    item = client.get_item(TableName=table, Key={"pk": {"S": "p"}, "sk": {"S": "s"}})["Item"]
    assert Decimal(item["n"]["N"]) == Decimal("1e125")  # the largest magnitude is taken


def test_the_first_problem_in_document_order(client: Any, table: str) -> None:
    pair = f"SELECT * FROM \"{table}\" WHERE pk = 'p' AND x = ? AND y = ?"
    single = f"SELECT * FROM \"{table}\" WHERE pk = 'p' AND x = ?"
    bad = {"N": "abc"}
    assert refused(client, pair, [deep(40, {"S": "x"}), bad]) == NEST
    assert refused(client, pair, [bad, deep(40, {"S": "x"})]) == f"{UNCONVERTIBLE}: abc"
    assert refused(client, single, [{"M": {"d": deep(40, {"S": "x"}), "bad": bad}}]) == NEST
    assert refused(client, single, [{"M": {"bad": bad, "d": deep(40, {"S": "x"})}}]) == \
        f"{UNCONVERTIBLE}: abc"
    assert refused(client, single, [deep(40, bad)]) == NEST


def test_batch_and_transaction_answer_the_parameter_problem(client: Any, table: str) -> None:
    answer = client.batch_execute_statement(Statements=[
        {"Statement": f"SELECT * FROM \"{table}\" WHERE pk = 'p' AND sk = 's' AND n = ?",
         "Parameters": [{"N": "1e99999999999"}]},
        {"Statement": f"INSERT INTO \"{table}\" VALUE {{'pk': 'p', 'sk': 'ok'}}"}])
    assert answer["Responses"][0]["Error"] == {"Code": "ValidationError",
                                               "Message": f"{UNCONVERTIBLE}: 1e99999999999"}
    assert "Error" not in answer["Responses"][1]  # the batch's other statements still run
    with pytest.raises(client.exceptions.ClientError) as caught:
        client.execute_transaction(TransactStatements=[
            {"Statement": places(table)[2], "Parameters": [{"N": "1e99999999999"}]}])
    assert caught.value.response["Error"]["Message"] == f"{UNCONVERTIBLE}: 1e99999999999"


def test_the_rules_of_other_values_still_apply(client: Any, table: str) -> None:
    statement = places(table)[0]
    assert refused(client, statement, [{}]) == ("Supplied AttributeValue is empty, must "
                                                "contain exactly one of the supported datatypes")
    assert refused(client, statement, [{"SS": []}]) == \
        "One or more parameter values were invalid: An string set  may not be empty"
    assert refused(client, statement, [{"S": "a", "N": "1"}]).startswith(
        "Supplied AttributeValue has more than one datatypes set")

"""PartiQL's functions and operators as DynamoDB runs and refuses them: attribute_exists and
the rest in a WHERE clause, IS <type>, ordering operators only on values with an order,
set_add / set_delete as an UPDATE's SET, each refusal in DynamoDB's wording (with the token's
`line:column:length` where DynamoDB gives one)."""

from __future__ import annotations

from typing import Any

import pytest

ITEM = {"pk": {"S": "fn"}, "ss": {"SS": ["a", "b", "c"]}, "ns": {"NS": ["1", "2", "3"]},
        "s": {"S": "str"}, "flag": {"BOOL": True}, "nul": {"NULL": True},
        "m": {"M": {"sub": {"S": "x"}}}}


@pytest.fixture
def table(client: Any, make_table: Any) -> str:
    name: str = make_table("pq-functions")
    client.put_item(TableName=name, Item=ITEM)
    return name


def run(client: Any, statement: str, parameters: list[Any] | None = None) -> Any:
    return client.execute_statement(Statement=statement,
                                    **({"Parameters": parameters} if parameters else {}))


def refused(client: Any, statement: str, parameters: list[Any] | None = None) -> str:
    with pytest.raises(client.exceptions.ClientError) as caught:
        run(client, statement, parameters)
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    return str(caught.value.response["Error"]["Message"])


def at(statement: str, token: str, length: int | None = None, start: int = 0) -> str:
    return f"1:{statement.index(token, start) + 1}:{len(token) if length is None else length}"


def holds(client: Any, table: str, condition: str) -> bool:
    items = run(client, f"SELECT * FROM \"{table}\" WHERE pk = 'fn' AND {condition}")["Items"]
    return bool(items)


def test_where_functions_and_is(client: Any, table: str) -> None:
    for condition, expected in (("attribute_exists(ss)", True), ("attribute_exists(nope)", False),
                                ("attribute_not_exists(nope)", True),
                                ("NOT ATTRIBUTE_EXISTS(ss)", False),
                                ('attribute_exists("ss")', True), ("attribute_exists(m.sub)", True),
                                ("attribute_exists(ss) = true", True),
                                ("attribute_exists(ss) = false", False),
                                ("attribute_exists(nope) <> true", True),
                                ("size(s) = 3", True), ("attribute_type(ss, 'SS')", True),
                                ("nul IS NULL", True), ("s IS NOT NULL", True),
                                ("flag IS BOOL", True), ("s IS STRING", True),
                                ("s IS BOOL", False), ("ns IS NOT MISSING", True),
                                ("begins_with(s, 'st')", True), ("contains(ss, 'b')", True)):
        assert holds(client, table, condition) is expected, condition


def test_function_refusals(client: Any, table: str) -> None:
    where = f"SELECT * FROM \"{table}\" WHERE pk = 'fn' AND "
    assert refused(client, where + "attribute_exists('ss')") == (
        "Operator or function requires a document path; operator or function: attribute_exists")
    assert refused(client, where + "attribute_exists(?)", [{"S": "ss"}]).startswith(
        "Operator or function requires a document path")
    assert refused(client, where + "attribute_exists(ss, ns)") == (
        "Incorrect number of operands for operator or function; operator or function: "
        "attribute_exists, number of operands: 2")
    statement = where + "EXISTS(ss)"
    assert refused(client, statement) == f"Unrecognized function: exists at {at(statement, 'EXISTS')}"
    statement = where + "set_add(ss, <<'x'>>) = ss"
    assert refused(client, statement) == \
        f"Unrecognized function: set_add at {at(statement, 'set_add')}"
    statement = f"SELECT attribute_exists(ss) FROM \"{table}\" WHERE pk = 'fn'"
    assert refused(client, statement) == \
        f"Unexpected path component at {at(statement, 'attribute_exists')}"


@pytest.mark.parametrize("value", [{"BOOL": True}, {"NULL": True}, {"L": [{"S": "a"}]},
                                   {"M": {"a": {"S": "b"}}}, {"SS": ["a"]}, {"NS": ["1"]},
                                   {"BS": [b"\x01"]}])
def test_ordering_operators_refuse_values_with_no_order(client: Any, table: str,
                                                        value: Any) -> None:
    where = f"SELECT * FROM \"{table}\" WHERE pk = 'fn' AND "
    kind = next(iter(value))
    for operator in ("<", "<=", ">", ">="):
        assert refused(client, where + f"s {operator} ?", [value]) == (
            "Incorrect operand type for operator or function; operator or function: "
            f"{operator}, operand type: {kind}")
    assert "operator or function: BETWEEN" in refused(client, where + "s BETWEEN ? AND ?",
                                                      [value, value])
    assert run(client, where + "s = ?", [value])["Items"] == []  # equality takes every type
    assert len(run(client, where + "s <> ?", [value])["Items"]) == 1


def test_set_add_and_set_delete(client: Any, table: str) -> None:
    update = f"UPDATE \"{table}\" SET {{}} WHERE pk = 'fn'"
    run(client, update.format("ss = set_add(ss, <<'0', 'z'>>)"))
    run(client, update.format("ns = SET_ADD(ns, <<4, 1>>)") + " RETURNING ALL NEW *")
    run(client, update.format("ss = set_delete(ss, <<'a'>>)"))
    run(client, update.format("nss = set_add(nss, ?)"), [{"SS": ["x"]}])
    run(client, update.format("gone = set_delete(gone, <<'a'>>)"))
    item = client.get_item(TableName=table, Key={"pk": {"S": "fn"}})["Item"]
    assert sorted(item["ss"]["SS"]) == ["0", "b", "c", "z"]
    assert sorted(item["ns"]["NS"], key=int) == ["1", "2", "3", "4"]
    assert item["nss"] == {"SS": ["x"]} and "gone" not in item
    run(client, update.format("nss = set_delete(nss, <<'x'>>)"))
    assert "nss" not in client.get_item(TableName=table, Key={"pk": {"S": "fn"}})["Item"]
    with pytest.raises(client.exceptions.ConditionalCheckFailedException):
        run(client, f"UPDATE \"{table}\" SET ss = set_add(ss, <<'x'>>) WHERE pk = 'absent'")
    assert "Item" not in client.get_item(TableName=table, Key={"pk": {"S": "absent"}})


def test_set_function_refusals(client: Any, table: str) -> None:
    update = f"UPDATE \"{table}\" SET {{}} WHERE pk = 'fn'"
    statement = update.format("t = set_add(ss, <<'x'>>)")
    assert refused(client, statement) == ("The first argument to SET_ADD must equal the "
                                          f"assignment value at {at(statement, 'set_add')}")
    statement = update.format("ss = set_delete(ss, 'a')")
    assert refused(client, statement) == (
        "The second argument to SET_DELETE must be a value with type SET at "
        f"{at(statement, 'ss', 2, statement.index('set_delete('))}")
    statement = update.format("ss = set_add(ss)")
    assert refused(client, statement) == \
        f"SET_ADD must have exactly two arguments at {at(statement, 'set_add')}"
    assert refused(client, update.format("ss = set_add(ss, <<1>>)")) == \
        "An operand in the update expression has an incorrect data type"
    assert refused(client, update.format("ss = set_add(ss, <<'x', 'x'>>)")) == \
        "One or more parameter values were invalid: Input collection [x, x] contains duplicates."
    assert refused(client, update.format("ss = set_add(ss, <<>>)")) == \
        "Empty bags are not supported"
    statement = f"INSERT INTO \"{table}\" VALUE {{'pk': 'n', 'ss': set_add(<<'a'>>, <<'b'>>)}}"
    assert refused(client, statement) == \
        f"Unsupported data type: set_add under key root at {at(statement, 'set_add')}"
    assert client.get_item(TableName=table, Key={"pk": {"S": "fn"}})["Item"] == ITEM


def test_from_first_update_and_returning(client: Any, table: str) -> None:
    run(client, f"from \"{table}\" where pk = ? set c = ? remove s", [{"S": "fn"}, {"N": "7"}])
    item = client.get_item(TableName=table, Key={"pk": {"S": "fn"}})["Item"]
    assert item["c"] == {"N": "7"} and "s" not in item
    answer = run(client, f"FROM \"{table}\" WHERE pk = 'fn' SET d = 3 RETURNING ALL NEW *")
    assert answer["Items"] == [{**item, "d": {"N": "3"}}]
    answer = run(client, f"UPDATE \"{table}\" SET d = 4 WHERE pk = 'fn' RETURNING MODIFIED OLD *")
    assert answer["Items"] == [{"d": {"N": "3"}}]
    with pytest.raises(client.exceptions.ConditionalCheckFailedException):
        run(client, f"FROM \"{table}\" WHERE pk = 'fn' AND d = 9 SET e = 1")
    with pytest.raises(client.exceptions.ConditionalCheckFailedException):
        run(client, f"FROM \"{table}\" WHERE pk = 'absent' SET e = 1")
    answer = run(client, f"DELETE FROM \"{table}\" WHERE pk = 'fn' RETURNING ALL OLD *")
    assert answer["Items"][0]["d"] == {"N": "4"}
    assert "Item" not in client.get_item(TableName=table, Key={"pk": {"S": "fn"}})

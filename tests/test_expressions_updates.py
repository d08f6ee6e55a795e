"""ddbkit's own update evaluation (emulator/expressions/updates.py) on items held as DynamoDB
JSON dicts, then the same rules end to end through boto3 and a real server.

Expressions are read by ddbkit's grammar into its plan (expressions/update_grammar.py), as
UpdateItem reads them; the evaluator is then called directly on plain dicts.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from botocore.exceptions import ClientError
from write_tables import error_of

from ddbkit.emulator.expressions import update_checks, updates
from ddbkit.emulator.expressions.update_grammar import parse_update
from ddbkit.emulator.expressions.update_paths import pick

ITEM: dict[str, Any] = {
    "pk": {"S": "a"},
    "n": {"N": "5"},
    "s": {"S": "text"},
    "l": {"L": [{"N": "0"}, {"N": "1"}, {"N": "2"}, {"N": "3"}]},
    "m": {"M": {"x": {"S": "1"}, "deep": {"M": {"k": {"N": "1"}}}}},
    "ss": {"SS": ["a", "b"]},
    "ns": {"NS": ["1", "2"]},
    "bs": {"BS": [b"\x00", b"\x01"]},
}
NOT_IN_ITEM = "The provided expression refers to an attribute that does not exist in the item"
INVALID_PATH = "The document path provided in the update expression is invalid for update"
DATA_TYPE = "An operand in the update expression has an incorrect data type"
OPERAND = ("Invalid UpdateExpression: Incorrect operand type for operator or function; "
           "operator or function: {}, operand type: {}")
CLAUSE = ("Invalid UpdateExpression: Incorrect operand type for operator or function; "
          "operator: {0}, operand type: {1}, typeSet: ALLOWED_FOR_{0}_OPERAND")
EMPTY_INDEX_KEY = ("One or more parameter values are not valid. The update expression "
                   "attempted to update a secondary index key to a value that is not "
                   "supported. The AttributeValue for a key attribute cannot contain an empty "
                   "{} value.")


def run(text: str, item: dict[str, Any] | None = None, names: dict[str, str] | None = None,
        **values: Any) -> dict[str, Any]:
    """The item `text` leaves, applied to a copy of ITEM (or `item`); values as :name=value.
    The item given must come out unchanged."""
    before = copy.deepcopy(ITEM if item is None else item)
    given = copy.deepcopy(before)
    request = updates.Request(names or {}, {f":{k}": v for k, v in values.items()},
                              frozenset({"g"}))
    result = updates.apply(parse_update(text), given, request)
    assert given == before
    return result


def refusal(text: str, item: dict[str, Any] | None = None, **values: Any) -> str:
    with pytest.raises(updates.UpdateRefused) as refused:
        run(text, item, **values)
    return refused.value.message


# -- SET ----------------------------------------------------------------------------------

def test_set_top_level_nested_and_list_elements() -> None:
    new = run("SET fresh = :v, s = :v, m.deep.k = :v, m.y = :v, l[1] = :v", v={"S": "v"})
    assert new["fresh"] == new["s"] == {"S": "v"}
    assert new["m"] == {"M": {"x": {"S": "1"}, "deep": {"M": {"k": {"S": "v"}}},
                              "y": {"S": "v"}}}
    assert new["l"]["L"][1] == {"S": "v"}
    assert list(new) == [*ITEM, "fresh"]  # attributes keep their place; new ones go last


def test_a_list_index_past_the_end_appends() -> None:
    assert run("SET l[10] = :v", v={"N": "9"})["l"]["L"][-1] == {"N": "9"}
    assert run("SET e[0] = :v", {"pk": {"S": "a"}, "e": {"L": []}},
               v={"N": "1"})["e"] == {"L": [{"N": "1"}]}


def test_operands_are_read_from_the_item_before_the_update() -> None:
    new = run("SET n = s, s = n, l[0] = l[3], l[3] = l[0]")
    assert (new["n"], new["s"]) == (ITEM["s"], ITEM["n"])
    assert new["l"]["L"] == [{"N": "3"}, {"N": "1"}, {"N": "2"}, {"N": "0"}]


def test_names_functions_and_arithmetic() -> None:
    new = run("SET #n = (#n + :one) - :half, c = if_not_exists(c, :zero) + :one, "
              "n2 = if_not_exists(n, :zero), l = list_append(:front, l), "
              "l2 = list_append(l, :front)", names={"#n": "n"}, one={"N": "1"},
              half={"N": "0.50"}, zero={"N": "0"}, front={"L": [{"S": "f"}]})
    assert new["n"] == {"N": "5.5"}
    assert new["c"] == {"N": "1"}
    assert new["n2"] == {"N": "5"}
    assert new["l"]["L"][0] == {"S": "f"} and len(new["l"]["L"]) == 5
    assert new["l2"]["L"][-1] == {"S": "f"}


def test_numbers_are_exact_and_stored_in_dynamodb_s_form() -> None:
    assert run("SET a = :x + :y", x={"N": "0.1"}, y={"N": "0.2"})["a"] == {"N": "0.3"}
    assert run("SET a = :x + :y", x={"N": "1e5"}, y={"N": "1"})["a"] == {"N": "100001"}
    big = "9" * 38
    assert run("SET a = :x - :x", x={"N": big})["a"] == {"N": "0"}
    assert run("SET a = :x", x={"N": "001.50"})["a"] == {"N": "1.5"}
    assert run("SET a = :x", x={"L": [{"N": "1E2"}]})["a"] == {"L": [{"N": "100"}]}
    assert refusal("SET a = :x + :x", x={"N": "9.9999999999999999999999999999999999999E+125"}) \
        .startswith("Number overflow")
    assert refusal("SET a = :x + :y", x={"N": big}, y={"N": "0.1"}) == (
        "Attempting to store more than 38 significant digits in a Number")


# -- REMOVE -------------------------------------------------------------------------------

def test_remove_keeps_each_list_s_original_numbering() -> None:
    new = run("REMOVE l[0], l[2], m.x, gone, m.nope, l[9]")
    assert new["l"] == {"L": [{"N": "1"}, {"N": "3"}]}
    assert new["m"] == {"M": {"deep": {"M": {"k": {"N": "1"}}}}}
    assert run("REMOVE l[2], l[0]")["l"] == new["l"]


# -- ADD / DELETE -------------------------------------------------------------------------

def test_add_numbers_and_sets() -> None:
    new = run("ADD n :two, c :two, ss :more, ns :nums, bs :bytes, fresh :more",
              two={"N": "2"}, more={"SS": ["c", "a"]}, nums={"NS": ["2.0", "3"]},
              bytes={"BS": [b"\x01", b"\x02"]})
    assert (new["n"], new["c"]) == ({"N": "7"}, {"N": "2"})
    assert new["ss"] == {"SS": ["a", "b", "c"]}
    assert new["ns"] == {"NS": ["1", "2", "3"]}  # 2.0 is 2
    assert new["bs"] == {"BS": [b"\x00", b"\x01", b"\x02"]}
    assert new["fresh"] == {"SS": ["a", "c"]}  # members in DynamoDB's order, not as written
    assert run("ADD m.deep.k :two", two={"N": "2"})["m"]["M"]["deep"]["M"]["k"] == {"N": "3"}


def test_delete_set_members() -> None:
    new = run("DELETE ss :a, ns :one, nothere :a, bs :zero", a={"SS": ["a", "x"]},
              one={"NS": ["1.0"]}, zero={"BS": [b"\x00"]})
    assert (new["ss"], new["ns"], new["bs"]) == ({"SS": ["b"]}, {"NS": ["2"]},
                                                 {"BS": [b"\x01"]})
    assert "nothere" not in new
    assert "ss" not in run("DELETE ss :all", all={"SS": ["a", "b"]})


# -- refusals -----------------------------------------------------------------------------

def test_missing_operands() -> None:
    assert refusal("SET a = nope") == NOT_IN_ITEM
    assert refusal("SET a = nope + :one", one={"N": "1"}) == NOT_IN_ITEM
    assert refusal("SET a = list_append(nope, :l)", l={"L": []}) == NOT_IN_ITEM
    assert refusal("SET a = list_append(:l, nope)", l={"L": []}) == NOT_IN_ITEM
    assert refusal("SET a = m.x.y") == NOT_IN_ITEM


def test_operand_types() -> None:
    assert refusal("SET a = s + :one", one={"N": "1"}) == OPERAND.format("+", "S")
    assert refusal("SET a = n - m") == OPERAND.format("-", "M")
    assert refusal("SET a = list_append(m, l)") == OPERAND.format("list_append", "M")
    assert refusal("SET a = list_append(l, :n)", n={"N": "1"}) == \
        OPERAND.format("list_append", "N")
    assert refusal("ADD a :v", v={"S": "x"}) == CLAUSE.format("ADD", "STRING")
    assert refusal("ADD a :v", v={"L": []}) == CLAUSE.format("ADD", "LIST")
    assert refusal("DELETE a :v", v={"N": "1"}) == CLAUSE.format("DELETE", "NUMBER")
    assert refusal("ADD s :one", one={"N": "1"}) == DATA_TYPE
    assert refusal("ADD ss :v", v={"NS": ["1"]}) == DATA_TYPE
    assert refusal("DELETE ns :v", v={"SS": ["1"]}) == DATA_TYPE


def test_operand_types_known_from_values_are_refused_before_the_item_is_read() -> None:
    plan = parse_update("SET a = :s + b ADD c :m")
    with pytest.raises(updates.UpdateRefused, match="operator or function: \\+, operand type: S"):
        update_checks.check_operands(plan, {":s": {"S": "x"}, ":m": {"M": {}}})
    update_checks.check_operands(plan, {":s": {"N": "1"}, ":m": {"N": "1"}})


def checked(text: str, names: dict[str, str] | None = None) -> str | None:
    """check_actions' refusal of `text` on a table keyed pk, sk; None if it passes."""
    try:
        update_checks.check_actions(parse_update(text), names or {}, ["pk", "sk"])
    except updates.UpdateRefused as refused:
        return refused.message
    return None


def test_checks_that_need_no_item() -> None:
    twice = 'Invalid UpdateExpression: The "{}" section can only be used once in an update expression;'
    overlap = ("Invalid UpdateExpression: Two document paths overlap with each other; must "
               "remove or rewrite one of these paths; path one: [{}], path two: [{}]")
    conflict = overlap.replace("overlap", "conflict")
    assert checked("SET a = :v REMOVE b SET c = :v") == twice.format("SET")
    assert checked("DELETE a :v ADD b :v DELETE c :v") == twice.format("DELETE")
    assert checked("SET a = :v, a = :w") == overlap.format("a", "a")
    assert checked("SET m.x = :v REMOVE m") == overlap.format("m, x", "m")
    assert checked("SET #a = :v, a.b = :w", {"#a": "a"}) == overlap.format("a", "a, b")
    assert checked("SET l[0] = :v, l[0].x = :w") == overlap.format("l, [0]", "l, [0], x")
    assert checked("SET a[0] = :v, a.b = :w") == conflict.format("a, [0]", "a, b")
    assert checked("SET #k = :v", {"#k": "sk"}) == ("One or more parameter values were "
                                                   "invalid: Cannot update attribute sk. "
                                                   "This attribute is part of the key")
    assert checked("REMOVE pk.x") is not None
    assert checked("SET m.x = :v, m.y = :v, l[0] = :v, l[1] = :v, dup = pk") is None


def test_paths_that_cannot_be_written() -> None:
    assert refusal("SET nope.x = :v", v={"N": "1"}) == INVALID_PATH
    assert refusal("SET s.x = :v", v={"N": "1"}) == INVALID_PATH
    assert refusal("SET m[0] = :v", v={"N": "1"}) == INVALID_PATH
    assert refusal("SET l[1].x = :v", v={"N": "1"}) == INVALID_PATH
    assert refusal("REMOVE nope.x") == INVALID_PATH
    assert refusal("REMOVE m[0]") == INVALID_PATH
    assert refusal("ADD s.x :v", v={"N": "1"}) == INVALID_PATH
    assert refusal("SET a = m[0]") == INVALID_PATH
    assert refusal("SET l.x = :v", v={"N": "1"}) == INVALID_PATH  # moto ignored these two
    assert refusal("ADD ss.k :v", v={"N": "1"}) == INVALID_PATH


def test_secondary_index_keys_are_not_set_empty() -> None:
    assert refusal("SET g = :v", v={"S": ""}) == EMPTY_INDEX_KEY.format("string")
    assert refusal("SET g = if_not_exists(g, :v)", v={"B": b""}) == \
        EMPTY_INDEX_KEY.format("binary")
    assert run("SET plain = :v", v={"S": ""})["plain"] == {"S": ""}


def test_undefined_names_and_values() -> None:
    with pytest.raises(updates.UpdateRefused, match="attribute name: #x"):
        run("SET #x = :v", v={"N": "1"})
    with pytest.raises(updates.UpdateRefused, match="attribute value: :w"):
        run("SET a = :w")


# -- AttributeUpdates, UPDATED_* ----------------------------------------------------------

def test_attribute_updates() -> None:
    new = updates.apply_attribute_updates(ITEM, {
        "n": {"Action": "ADD", "Value": {"N": "1.5"}}, "s": {"Action": "DELETE"},
        "ss": {"Action": "DELETE", "Value": {"SS": ["a"]}},
        "l": {"Action": "ADD", "Value": {"L": [{"S": "x"}]}},
        "b": {"Value": {"BOOL": False}}, "ns": {"Action": "DELETE", "Value": {"NS": ["1", "2"]}}})
    assert new["n"] == {"N": "6.5"} and "s" not in new and "ns" not in new
    assert new["ss"] == {"SS": ["b"]} and new["b"] == {"BOOL": False}
    assert new["l"]["L"][-1] == {"S": "x"}
    assert ITEM["n"] == {"N": "5"}
    with pytest.raises(updates.UpdateRefused, match="Type mismatch for attribute to update"):
        updates.apply_attribute_updates(ITEM, {"n": {"Action": "ADD", "Value": {"SS": ["x"]}}})
    with pytest.raises(updates.UpdateRefused, match="may not contain an empty string"):
        updates.apply_attribute_updates(ITEM, {"g": {"Action": "PUT", "Value": {"S": ""}}},
                                        frozenset({"g"}))


def test_pick_nests_what_the_paths_reach() -> None:
    assert pick(ITEM, [("m", "deep", "k"), ("l", 3), ("l", 1), ("gone",), ("s", "x")]) == {
        "m": {"M": {"deep": {"M": {"k": {"N": "1"}}}}}, "l": {"L": [{"N": "1"}, {"N": "3"}]}}
    assert pick(None, [("n",)]) == {}


# -- end to end ---------------------------------------------------------------------------

@pytest.fixture
def table(make_table: Any) -> str:
    return str(make_table("upd", attributes=[{"AttributeName": "g", "AttributeType": "S"}],
                          GlobalSecondaryIndexes=[{
                              "IndexName": "by-g", "Projection": {"ProjectionType": "ALL"},
                              "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}]}]))


def _update(client: Any, table: str, expression: str, returns: str = "ALL_NEW",
            **values: Any) -> dict[str, Any]:
    request: dict[str, Any] = {"TableName": table, "Key": {"pk": {"S": "k"}},
                               "UpdateExpression": expression, "ReturnValues": returns}
    if values:
        request["ExpressionAttributeValues"] = {f":{k}": v for k, v in values.items()}
    return dict(client.update_item(**request).get("Attributes", {}))


def test_through_boto3(client: Any, table: str) -> None:
    assert _update(client, table, "SET l = :l, n = :n, b = :b, g = :g",
                   l={"L": [{"N": "0"}, {"N": "1"}, {"N": "2"}]}, n={"N": "1e2"},
                   b={"BS": [b"\xff"]}, g={"S": "x"}) == {
        "pk": {"S": "k"}, "l": {"L": [{"N": "0"}, {"N": "1"}, {"N": "2"}]},
        "n": {"N": "100"}, "b": {"BS": [b"\xff"]}, "g": {"S": "x"}}
    assert _update(client, table, "REMOVE l[0], l[2] ADD n :x, b :b", "UPDATED_NEW",
                   x={"N": "0.5"}, b={"BS": [b"\x00"]}) == {
        "l": {"L": [{"N": "1"}]}, "n": {"N": "100.5"}, "b": {"BS": [b"\xff", b"\x00"]}}
    assert _update(client, table, "SET l[5] = :v", "UPDATED_OLD", v={"S": "end"}) == {}
    assert client.get_item(TableName=table, Key={"pk": {"S": "k"}})["Item"]["l"] == {
        "L": [{"N": "1"}, {"S": "end"}]}
    assert client.query(TableName=table, IndexName="by-g", KeyConditionExpression="g = :g",
                        ExpressionAttributeValues={":g": {"S": "x"}})["Count"] == 1


@pytest.mark.parametrize(("expression", "values", "message"), [
    ("SET a = nope + :one", {"one": {"N": "1"}}, NOT_IN_ITEM),
    ("SET g.x = :one", {"one": {"N": "1"}}, INVALID_PATH),
    ("ADD a :s", {"s": {"S": "x"}}, CLAUSE.format("ADD", "STRING")),
    ("ADD g :one", {"one": {"N": "1"}}, DATA_TYPE),
    ("SET a = list_append(g, :l)", {"l": {"L": []}}, OPERAND.format("list_append", "S")),
    ("SET g = :e", {"e": {"S": ""}}, EMPTY_INDEX_KEY.format("string")),
    ("SET count = :one", {"one": {"N": "1"}},
     "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: count"),
])
def test_refusals_through_boto3(client: Any, table: str, expression: str,
                                values: dict[str, Any], message: str) -> None:
    client.put_item(TableName=table, Item={"pk": {"S": "k"}, "g": {"S": "x"}})
    with pytest.raises(ClientError) as refused:
        _update(client, table, expression, **values)
    assert error_of(refused) == ("ValidationException", message)
    assert client.get_item(TableName=table, Key={"pk": {"S": "k"}})["Item"] == {
        "pk": {"S": "k"}, "g": {"S": "x"}}


def test_an_update_over_400_kb_is_refused_in_update_wording(client: Any, table: str) -> None:
    client.put_item(TableName=table, Item={"pk": {"S": "k"}, "a": {"S": "x" * 300_000}})
    with pytest.raises(ClientError) as refused:
        _update(client, table, "SET b = a")
    assert error_of(refused) == ("ValidationException",
                                 "Item size to update has exceeded the maximum allowed size")

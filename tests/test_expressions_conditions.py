"""ddbkit's own condition and filter evaluation (emulator/expressions/conditions.py,
documents.py) on items held as DynamoDB JSON, and end to end through boto3."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from botocore.exceptions import ClientError

from ddbkit.emulator.expressions import conditions, documents
from ddbkit.emulator.expressions.condition_grammar import ConditionRefused, parse
from ddbkit.emulator.expressions.conditions import (
    And,
    BeginsWith,
    Between,
    Compare,
    Contains,
    Exists,
    In,
    Literal,
    Not,
    Or,
    Path,
    Size,
    TypeIs,
)
from ddbkit.emulator.operations import legacy_conditions

ITEM: dict[str, Any] = {
    "pk": {"S": "k"}, "s": {"S": "héllo"}, "n": {"N": "10"}, "b": {"B": b"\x01\x02\xff"},
    "t": {"BOOL": True}, "z": {"NULL": True}, "ss": {"SS": ["a", "b"]},
    "ns": {"NS": ["1", "2.5"]}, "bs": {"BS": [b"\x00", b"\xff"]},
    "l": {"L": [{"N": "1"}, {"S": "x"}, {"L": [{"N": "2"}]}]},
    "m": {"M": {"a": {"N": "1"}, "d": {"M": {"e": {"S": "deep"}}}}},
}


def p(*steps: str | int) -> Path:
    return Path(steps)


def v(kind: str, inner: Any) -> Literal:
    return Literal({kind: inner})


def holds(condition: conditions.Condition, item: dict[str, Any] | None = None) -> bool:
    return conditions.holds(condition, ITEM if item is None else item)


# -- comparisons ----------------------------------------------------------------------------

def test_equality_is_typed_and_numeric() -> None:
    assert holds(Compare("=", p("n"), v("N", "10.0")))
    assert holds(Compare("=", p("n"), v("N", "1E1")))
    assert not holds(Compare("=", p("n"), v("S", "10")))
    assert not holds(Compare("=", p("t"), v("N", "1")))  # True is not 1 in DynamoDB
    assert holds(Compare("<>", p("t"), v("N", "1")))
    assert holds(Compare("=", p("z"), v("NULL", True)))
    assert holds(Compare("=", p("s"), v("S", "héllo")))


def test_sets_lists_and_maps_compare_as_values() -> None:
    assert holds(Compare("=", p("ss"), v("SS", ["b", "a"])))
    assert holds(Compare("=", p("ns"), v("NS", ["2.50", "1"])))
    assert holds(Compare("=", p("bs"), v("BS", [b"\xff", b"\x00"])))
    assert not holds(Compare("=", p("ss"), v("SS", ["a"])))
    assert holds(Compare("=", p("l"), Literal(ITEM["l"])))
    assert not holds(Compare("=", p("l"), v("L", [{"N": "1"}, {"S": "x"}])))
    assert holds(Compare("=", p("m"), v("M", {"d": {"M": {"e": {"S": "deep"}}},
                                            "a": {"N": "1.0"}})))


def test_orderings_of_one_ordered_type() -> None:
    assert holds(Compare("<", p("n"), v("N", "10.5")))
    assert holds(Compare(">=", p("n"), v("N", "10")))
    assert not holds(Compare(">", p("n"), v("N", "10")))
    assert holds(Compare("<=", v("N", "-1e3"), p("n")))
    assert holds(Compare(">", p("s"), v("S", "hz")))  # é (U+00E9) sorts after z
    assert holds(Compare("<", p("b"), v("B", b"\x80")))  # unsigned bytes
    assert holds(Compare(">", v("B", b"\x80"), v("B", b"\x7f\xff")))


@pytest.mark.parametrize("comparator", ["<", "<=", ">", ">="])
@pytest.mark.parametrize("name,other", [
    ("n", {"S": "10"}), ("s", {"N": "1"}), ("b", {"S": "x"}), ("t", {"BOOL": True}),
    ("ss", {"SS": ["a", "b"]}), ("l", ITEM["l"]), ("m", ITEM["m"]), ("z", {"NULL": True}),
    ("nope", {"N": "1"})])
def test_orderings_across_types_or_of_unordered_types_are_false(
        comparator: str, name: str, other: dict[str, Any]) -> None:
    assert not holds(Compare(comparator, p(name), Literal(other)))


def test_missing_attributes() -> None:
    assert not holds(Compare("=", p("nope"), v("NULL", True)))
    assert holds(Compare("<>", p("nope"), v("N", "1")))
    assert not holds(Exists(p("nope")))
    assert holds(Not(Exists(p("nope"))))
    assert holds(Not(Exists(p("n"))), {})  # no item at all
    assert conditions.holds(Compare("<>", p("n"), v("N", "1")), None)
    assert conditions.holds(None, ITEM)


def test_between_and_in() -> None:
    assert holds(Between(p("n"), v("N", "10"), v("N", "10")))
    assert holds(Between(p("s"), v("S", "a"), v("S", "i")))
    assert holds(Between(p("b"), v("B", b"\x01"), v("B", b"\x02")))
    assert not holds(Between(p("n"), v("N", "11"), v("N", "1")))  # reversed bounds
    assert not holds(Between(p("n"), v("S", "a"), v("S", "z")))
    assert not holds(Between(p("nope"), v("N", "1"), v("N", "2")))
    assert holds(In(p("n"), (v("S", "10"), v("N", "10.00"))))
    assert not holds(In(p("n"), (v("S", "10"), v("N", "11"))))
    assert not holds(In(p("nope"), (v("NULL", True),)))


# -- functions ------------------------------------------------------------------------------

def test_size() -> None:
    three = v("N", "3")
    assert holds(Compare("=", Size(p("b")), three))  # bytes
    assert holds(Compare("=", Size(p("s")), v("N", "5")))  # characters
    assert holds(Compare("=", Size(p("l")), three))
    assert holds(Compare("=", Size(p("m")), v("N", "2")))
    assert holds(Compare("=", Size(p("ns")), v("N", "2")))
    for unsized in ("n", "t", "z", "nope"):  # no number: every comparison is false
        for comparator in ("=", "<", ">", ">="):
            assert not holds(Compare(comparator, Size(p(unsized)), v("N", "0")))
        assert holds(Compare("<>", Size(p(unsized)), v("N", "0")))


def test_begins_with_strings_and_binary() -> None:
    assert holds(BeginsWith(p("s"), v("S", "hé")))
    assert holds(BeginsWith(p("b"), v("B", b"\x01")))
    assert holds(BeginsWith(p("b"), v("B", "AQ==")))  # base64 text reads as its bytes
    assert not holds(BeginsWith(p("s"), v("B", b"h")))
    assert not holds(BeginsWith(p("n"), v("N", "1")))
    assert not holds(BeginsWith(p("ss"), v("S", "a")))
    assert not holds(BeginsWith(p("nope"), v("S", "")))


def test_contains() -> None:
    assert holds(Contains(p("s"), v("S", "ll")))
    assert holds(Contains(p("b"), v("B", b"\x02\xff")))
    assert holds(Contains(p("ss"), v("S", "a")))
    assert holds(Contains(p("ns"), v("N", "2.50")))
    assert holds(Contains(p("bs"), v("B", b"\xff")))
    assert holds(Contains(p("l"), v("S", "x")))
    assert holds(Contains(p("l"), v("L", [{"N": "2"}])))
    assert not holds(Contains(p("ns"), v("S", "1")))
    assert not holds(Contains(p("l"), v("BOOL", True)))
    assert not holds(Contains(p("m"), v("S", "a")))  # maps contain nothing
    assert not holds(Contains(p("n"), v("N", "1")))
    assert not holds(Contains(p("nope"), v("S", "a")))


def test_attribute_type() -> None:
    for name, kind in (("s", "S"), ("n", "N"), ("b", "B"), ("t", "BOOL"), ("z", "NULL"),
                       ("ss", "SS"), ("ns", "NS"), ("bs", "BS"), ("l", "L"), ("m", "M")):
        assert holds(TypeIs(p(name), v("S", kind)))
        assert not holds(TypeIs(p(name), v("S", "S" if kind != "S" else "N")))
    assert not holds(TypeIs(p("nope"), v("S", "NULL")))


def test_nested_paths_and_list_indexes() -> None:
    assert holds(Compare("=", p("m", "d", "e"), v("S", "deep")))
    assert holds(Compare("=", p("l", 2, 0), v("N", "2")))
    assert holds(Compare("=", p("l", 1), v("S", "x")))
    assert not holds(Exists(p("l", 5)))
    assert not holds(Exists(p("l", -1)))
    assert not holds(Exists(p("m", "q")))
    assert not holds(Exists(p("m", 0)))  # an index into a map
    assert not holds(Exists(p("s", "x")))  # a name inside a string
    assert documents.at(ITEM, ["m", "d"]) == {"M": {"e": {"S": "deep"}}}


def test_not_and_or() -> None:
    true, false = Exists(p("n")), Exists(p("nope"))
    assert holds(Or(false, true)) and not holds(And(true, false))
    assert holds(Not(And(true, false))) and not holds(Not(Or(false, true)))


def test_documents_compare_and_size() -> None:
    assert documents.compare({"N": "-0.5"}, {"N": "-1"}) == 1
    assert documents.compare({"S": "a"}, {"S": "a"}) == 0
    assert documents.compare({"N": "1"}, {"S": "1"}) is None
    assert documents.compare(None, {"S": "1"}) is None
    assert documents.size({"B": "AAEC"}) == 3  # base64 text of three bytes
    assert documents.members({"NS": ["1", "1.0", "2"]}) == {Decimal(1), Decimal(2)}


# -- parsing (expressions/condition_grammar.py, into the tree) --------------------------------

def test_parsed_expressions_keep_the_parser_s_precedence() -> None:
    values = {":a": {"N": "1"}, ":b": {"N": "100"}, ":x": {"S": "x"}, ":t": {"BOOL": True}}
    parsed = parse("n > :a AND NOT s = :x OR t = :t", None, values)
    assert isinstance(parsed, Or) and isinstance(parsed.left, And)
    assert conditions.holds(parsed, ITEM)
    assert conditions.holds(parse("NOT (n < :a OR n > :b)", None, values), ITEM)
    assert conditions.holds(parse("#l[2][0] > :a AND size(#m.#d) = :a",
                                  {"#l": "l", "#m": "m", "#d": "d"}, values), ITEM)
    assert conditions.holds(parse("n IN (:b, :a, :x) OR attribute_not_exists(n)", None,
                                  {**values, ":b": {"N": "10"}}), ITEM)


def test_parse_errors_are_dynamodb_s_answers() -> None:
    with pytest.raises(ConditionRefused, match=r'^Invalid ConditionExpression: Syntax error; '
                       r'token: "NOT", near: "NOT NOT n"$'):
        parse("NOT NOT n", None, None)
    with pytest.raises(ConditionRefused, match=r"BETWEEN, operand type: NULL$"):
        parse("n BETWEEN :z AND :a", None, {":z": {"NULL": True}, ":a": {"N": "1"}})


def expected(legacy: dict[str, Any]) -> conditions.Condition:
    """A legacy Expected read as the expression legacy_conditions writes for it."""
    request: dict[str, Any] = {"Expected": legacy}
    legacy_conditions.rewrite(request, "Expected", "ConditionExpression")
    return parse(request["ConditionExpression"], request["ExpressionAttributeNames"],
                 request.get("ExpressionAttributeValues"))


def test_legacy_expected_reads_as_the_same_tree() -> None:
    legacy = expected({"n": {"ComparisonOperator": "GE", "AttributeValueList": [{"N": "9"}]},
                       "nope": {"Exists": False}, "s": {"Value": {"S": "héllo"}},
                       "t": {"ComparisonOperator": "EQ", "Value": {"BOOL": True}}})
    assert conditions.holds(legacy, ITEM)
    assert not conditions.holds(legacy, {**ITEM, "n": {"N": "8"}})
    assert not conditions.holds(legacy, {**ITEM, "t": {"BOOL": False}})


# -- end to end -----------------------------------------------------------------------------

def _error(call: Any, **params: Any) -> str:
    with pytest.raises(ClientError) as raised:
        call(**params)
    return str(raised.value.response["Error"]["Code"])


def test_conditional_writes_end_to_end(client: Any, make_table: Any) -> None:
    name = make_table("conditions")
    key = {"pk": {"S": "a"}}
    item = {**key, "n": {"N": "5"}, "b": {"B": b"\x80\x01"}, "m": {"M": {"l": {"L": [
        {"S": "x"}]}}}}
    client.put_item(TableName=name, Item=item, ConditionExpression="attribute_not_exists(pk)")
    assert _error(client.put_item, TableName=name, Item=item,
                  ConditionExpression="attribute_not_exists(pk)") == \
        "ConditionalCheckFailedException"
    client.put_item(TableName=name, Item=item,
                    ConditionExpression="b > :b AND m.l[0] = :x AND size(b) = :two",
                    ExpressionAttributeValues={":b": {"B": b"\x7f"}, ":x": {"S": "x"},
                                               ":two": {"N": "2"}})
    client.update_item(TableName=name, Key=key, UpdateExpression="SET n = n + :one",
                       ConditionExpression="n BETWEEN :lo AND :hi AND n <> :s",
                       ExpressionAttributeValues={":one": {"N": "1"}, ":lo": {"N": "5"},
                                                  ":hi": {"N": "5.0"}, ":s": {"S": "5"}})
    assert _error(client.delete_item, TableName=name, Key=key,
                  ConditionExpression="n < :s",  # a string never orders against a number
                  ExpressionAttributeValues={":s": {"S": "9"}}) == \
        "ConditionalCheckFailedException"
    client.delete_item(TableName=name, Key=key, Expected={
        "n": {"ComparisonOperator": "EQ", "AttributeValueList": [{"N": "6"}]}})
    assert "Item" not in client.get_item(TableName=name, Key=key)


def test_filters_end_to_end(client: Any, make_table: Any) -> None:
    name = make_table("filters", sort="N")
    for i in range(6):
        client.put_item(TableName=name, Item={
            "pk": {"S": "p"}, "sk": {"N": str(i)}, "tags": {"SS": ["all", f"t{i % 2}"]},
            **({"flag": {"BOOL": True}} if i % 3 == 0 else {})})
    scanned = client.scan(TableName=name, FilterExpression="contains(tags, :t) AND sk > :one",
                          ExpressionAttributeValues={":t": {"S": "t0"}, ":one": {"N": "1"}})
    assert sorted(int(i["sk"]["N"]) for i in scanned["Items"]) == [2, 4]
    assert scanned["ScannedCount"] == 6
    queried = client.query(TableName=name, KeyConditionExpression="pk = :p",
                           FilterExpression="flag <> :true OR tags = :true",
                           ExpressionAttributeValues={":p": {"S": "p"},
                                                      ":true": {"BOOL": True}})
    assert [int(i["sk"]["N"]) for i in queried["Items"]] == [1, 2, 4, 5]
    legacy = client.scan(TableName=name, ScanFilter={
        "flag": {"ComparisonOperator": "NOT_NULL"}})
    assert sorted(int(i["sk"]["N"]) for i in legacy["Items"]) == [0, 3]
    statement = client.execute_statement(
        Statement=f'SELECT sk FROM "{name}" WHERE pk = ? AND sk BETWEEN ? AND ?',
        Parameters=[{"S": "p"}, {"N": "2"}, {"N": "3"}])
    assert [int(i["sk"]["N"]) for i in statement["Items"]] == [2, 3]
    assert _error(client.scan, TableName=name, FilterExpression="NOT NOT flag") == \
        "ValidationException"

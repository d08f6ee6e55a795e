"""ddbkit's ConditionExpression / FilterExpression grammar (emulator/expressions/
condition_grammar.py): the tree each expression reads as, each refusal in DynamoDB's words,
no crash on any input; then the refusals and the whitespace and parentheses moto's parser got
wrong, end to end through boto3.

Recorded DynamoDB answers the refusals follow: `a = = b` (token "=", near "= = b") and
`attribute_not_exists(` (token "<EOF>", near "(") from the Parity Suite's validation-ordering
tests, `((attribute_not_exists(pk)))` (redundant parentheses) and `contains(#a, #a)` (first
operand not distinct) from its PutItem error messages, "Invalid FilterExpression: The IN
operator is provided with too many operands" from a user's report (reapit/foundations#8255).
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from refusals import refused

from ddbkit.emulator.expressions.condition_grammar import ConditionRefused, parse
from ddbkit.emulator.expressions.conditions import (
    And,
    BeginsWith,
    Between,
    Compare,
    Condition,
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
from ddbkit.emulator.expressions.update_grammar import parse_update
from ddbkit.emulator.expressions.update_paths import UpdateRefused

NAMES = {"#a": "a", "#d": "data", "#x": "a", "#n": "name"}
VALUES: dict[str, Any] = {":v": {"S": "x"}, ":w": {"N": "1"}, ":z": {"NULL": True},
                          ":t": {"S": "SS"}, ":q": {"S": "Q"}, ":b": {"B": b"\x01"},
                          **{f":i{i}": {"N": str(i)} for i in range(101)}}
V, W = Literal({"S": "x"}), Literal({"N": "1"})


def p(*steps: str | int) -> Path:
    return Path(steps)


def read(text: str, member: str = "ConditionExpression", operands: bool = True) -> Condition:
    return parse(text, NAMES, VALUES, member, operands)


def syntax(token: str, near: str) -> str:
    return f'Invalid ConditionExpression: Syntax error; token: "{token}", near: "{near}"'


def invalid(detail: str) -> str:
    return f"Invalid ConditionExpression: {detail}"


@pytest.mark.parametrize(("text", "tree"), [
    ("a = :v", Compare("=", p("a"), V)),
    ("#a.b[12].#d <> :w", Compare("<>", p("a", "b", 12, "data"), W)),
    ("a [ 1 ] . b <= :w", Compare("<=", p("a", 1, "b"), W)),
    ("a\t<\r\n:w", Compare("<", p("a"), W)),
    (":w >= size(a)", Compare(">=", W, Size(p("a")))),
    ("_a > :w", Compare(">", p("_a"), W)),
    ("(a) = (:v)", Compare("=", p("a"), V)),
    ("(size(a)) = :w", Compare("=", Size(p("a")), W)),
    ("a BETWEEN :w AND :i5", Between(p("a"), W, Literal({"N": "5"}))),
    ("a between (:w) and :i5", Between(p("a"), W, Literal({"N": "5"}))),
    ("a IN (:v, (:w))", In(p("a"), (V, W))),
    ("attribute_exists(#a)", Exists(p("a"))),
    ("attribute_not_exists(a.b)", Not(Exists(p("a", "b")))),
    ("attribute_type(a, :t)", TypeIs(p("a"), Literal({"S": "SS"}))),
    ("begins_with(a, :b)", BeginsWith(p("a"), Literal({"B": b"\x01"}))),
    ("contains(:v, a)", Contains(V, p("a"))),
    ("contains(size(a), :w)", Contains(Size(p("a")), W)),
    ("(attribute_exists(a))", Exists(p("a"))),
    # precedence: NOT over AND over OR, left to right
    ("a = :v OR b = :v AND c = :v",
     Or(Compare("=", p("a"), V), And(Compare("=", p("b"), V), Compare("=", p("c"), V)))),
    ("NOT a = :v AND b = :v",
     And(Not(Compare("=", p("a"), V)), Compare("=", p("b"), V))),
    ("a = :v and b = :v or not c = :v",
     Or(And(Compare("=", p("a"), V), Compare("=", p("b"), V)), Not(Compare("=", p("c"), V)))),
    ("a = :v AND b = :v AND c = :v",
     And(And(Compare("=", p("a"), V), Compare("=", p("b"), V)), Compare("=", p("c"), V))),
    ("(a = :v OR b = :v) AND NOT (c = :v)",
     And(Or(Compare("=", p("a"), V), Compare("=", p("b"), V)), Not(Compare("=", p("c"), V)))),
    ("a BETWEEN :w AND :w AND b IN (:v)",
     And(Between(p("a"), W, W), In(p("b"), (V,)))),
])
def test_expressions_read_as_trees(text: str, tree: Condition) -> None:
    assert read(text) == tree


@pytest.mark.parametrize(("text", "message"), [
    # syntax errors: the token, and the text from the token before it to the one after it
    ("a = = b", syntax("=", "= = b")),
    ("attribute_not_exists(", syntax("<EOF>", "(")),
    ("a", syntax("<EOF>", "a")),
    ("NOT NOT a = :v", syntax("NOT", "NOT NOT a")),
    ("(a = :v", syntax("<EOF>", ":v")),
    ("a = :v)", syntax(")", ":v)")),
    ("a != :v", syntax("!", "a !=")),
    ("a = 5", syntax("5", "= 5")),
    ("a-b = :v", syntax("-", "a-b")),
    ("a = :v AND", syntax("<EOF>", "AND")),
    ("a AND b = :v", syntax("AND", "a AND b")),
    ("(NOT a)", syntax(")", "a)")),
    ("a IN ()", syntax(")", "()")),
    ("a = :v é", syntax("é", ":v é")),
    ("and = :v", syntax("and", "and =")),
    ("(a = :v) = :w", syntax("=", ") = :w")),
    ("(" * 101 + "a = :v" + ")" * 101, syntax("(", "((a")),
    # after the syntax, in DynamoDB's order
    ("((attribute_not_exists(pk)))", invalid("The expression has redundant parentheses;")),
    ("((a)) = :v AND foo(b)", invalid("The expression has redundant parentheses;")),
    ("Size(a) = :w", invalid("Invalid function name; function: Size")),
    ("name = :v AND foo(a)", invalid("Invalid function name; function: foo")),
    ("size(a)", invalid("The function is not allowed to be used this way in an expression; "
                        "function: size")),
    ("contains(a, :v) = :w", invalid("The function is not allowed to be used this way in an "
                                     "expression; function: contains")),
    ("name = :v", invalid("Attribute name is a reserved keyword; reserved keyword: name")),
    ("#missing = :v", invalid("An expression attribute name used in the document path is not "
                              "defined; attribute name: #missing")),
    ("a = :missing", invalid("An expression attribute value used in expression is not "
                             "defined; attribute value: :missing")),
    ("attribute_exists(a, b)", invalid("Incorrect number of operands for operator or function; "
                                       "operator or function: attribute_exists, number of "
                                       "operands: 2")),
    ("a IN (" + ", ".join(f":i{i}" for i in range(101)) + ")",
     invalid("The IN operator is provided with too many operands; number of operands: 101")),
    ("contains(#d, #d)", invalid("The first operand must be distinct from the remaining "
                                 "operands for this operator or function; operator: contains, "
                                 "first operand: [data]")),
    ("#a[0] = #x[0]", invalid("The first operand must be distinct from the remaining operands "
                              "for this operator or function; operator: =, first operand: "
                              "[a, [0]]")),
    ("attribute_exists(:v)", invalid("Operator or function requires a document path; operator "
                                     "or function: attribute_exists")),
    ("begins_with(a, :w)", invalid("Incorrect operand type for operator or function; operator "
                                   "or function: begins_with, operand type: N")),
    ("a BETWEEN :z AND :w", invalid("Incorrect operand type for operator or function; operator "
                                    "or function: BETWEEN, operand type: NULL")),
    ("attribute_type(a, :q)", invalid("Invalid attribute type name found; type: Q, valid types: "
                                      "{B,NULL,SS,BOOL,L,BS,N,NS,S,M}")),
])
def test_refusals_are_dynamodbs(text: str, message: str) -> None:
    with pytest.raises(ConditionRefused) as caught:
        read(text)
    assert caught.value.message == message


def test_a_filter_is_refused_as_a_filter() -> None:
    with pytest.raises(ConditionRefused, match=r'^Invalid FilterExpression: Syntax error; '):
        read("a = = b", "FilterExpression")


def _noise(seed: int) -> list[str]:
    pieces = ["a", "#a", ":v", ":w", "(", ")", "AND", "OR", "NOT", "=", "<>", "<", "BETWEEN",
              "IN", ",", "size(", "contains(", "attribute_exists(", ".", "[0]", "[", "]", " ",
              "\t", "!", "é", ":", "#", "name", "5", "foo("]
    chooser = random.Random(seed)
    return [" ".join(chooser.choice(pieces) for _ in range(chooser.randint(1, 12)))
            for _ in range(500)]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_input_reads_or_is_refused_in_dynamodbs_words(seed: int) -> None:
    for text in _noise(seed):
        try:
            tree = read(text)
        except ConditionRefused as refusal:
            assert refusal.message.startswith("Invalid ConditionExpression: "), text
        else:
            assert isinstance(tree, Condition), text


# -- end to end --------------------------------------------------------------------------------

@pytest.fixture
def table(make_table: Any) -> str:
    return str(make_table("condition_grammar"))


def test_whitespace_and_parenthesised_operands_through_boto3(client: Any, table: str) -> None:
    key = {"pk": {"S": "k"}}
    client.put_item(TableName=table, Item={**key, "n": {"N": "5"}, "l": {"L": [
        {"N": str(i)} for i in range(12)]}})
    client.put_item(TableName=table, Item={**key, "n": {"N": "6"}},
                    ConditionExpression="(n)\t=\r\n:five AND l[11] = (:eleven)",
                    ExpressionAttributeValues={":five": {"N": "5"}, ":eleven": {"N": "11"}})
    found = client.scan(TableName=table, FilterExpression="NOT (n < :v) OR attribute_exists(x)",
                        ExpressionAttributeValues={":v": {"N": "6"}})
    assert [item["n"] for item in found["Items"]] == [{"N": "6"}]


@pytest.mark.parametrize(("call", "member", "expression", "detail"), [
    ("put_item", "ConditionExpression", "a = = b", 'Syntax error; token: "=", near: "= = b"'),
    ("put_item", "ConditionExpression", "contains(#a, #a)",
     "The first operand must be distinct from the remaining operands for this operator or "
     "function; operator: contains, first operand: [a]"),
    ("scan", "FilterExpression", "attribute_exists(", 'Syntax error; token: "<EOF>", near: "("'),
    ("scan", "FilterExpression", "((a = b))", "The expression has redundant parentheses;"),
])
def test_refusals_through_boto3(client: Any, table: str, call: str, member: str,
                                expression: str, detail: str) -> None:
    request: dict[str, Any] = {"TableName": table, member: expression}
    if "#a" in expression:
        request["ExpressionAttributeNames"] = {"#a": "a"}
    if call == "put_item":
        request["Item"] = {"pk": {"S": "k"}}
    assert refused(lambda: getattr(client, call)(**request)) == (
        "ValidationException", f"Invalid {member}: {detail}")


def test_a_partiql_where_clause_skips_the_operand_checks() -> None:
    """PartiQL's WHERE is written as an expression for the same evaluator; what its operands
    may be is PartiQL's rule, not the expression's (as before, when moto read it)."""
    assert parse("a = a", None, None, "FilterExpression", operands=False) == \
        Compare("=", p("a"), p("a"))
    with pytest.raises(ConditionRefused, match=r"^Invalid FilterExpression: Syntax error"):
        parse("a = = a", None, None, "FilterExpression", operands=False)


def test_the_first_clause_with_a_problem_is_reported() -> None:
    """Clause by clause in the order written (a key condition's recorded order), each
    clause's operand count before its operand types."""
    with pytest.raises(ConditionRefused, match=r"begins_with, operand type: N$"):
        read("begins_with(a, :w) AND contains(#d, #d)")
    with pytest.raises(ConditionRefused, match=r"operator: contains, first operand: \[data\]$"):
        read("contains(#d, #d) AND begins_with(a, :w)")


def test_nested_calls_are_bounded_like_parentheses() -> None:
    """A 4 KB expression of nested calls is a syntax error at the 101st, not a recursion
    past Python's limit (an HTTP 500), in both grammars sharing the reader."""
    deep = "f(" * 1300 + "a" + ")" * 1300
    with pytest.raises(ConditionRefused, match=r'token: "f", near: "\(f\("$'):
        read(deep + " = :v")
    with pytest.raises(UpdateRefused, match=r'token: "f", near: "\(f\("$'):
        parse_update("SET a = " + deep)
    assert read("size(" * 99 + "a" + ")" * 99 + " = :w", operands=False) is not None

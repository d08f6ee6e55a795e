"""ddbkit's UpdateExpression grammar (emulator/expressions/update_grammar.py): the plan each
expression reads as, each refusal in DynamoDB's words, no crash on any input; then the
parenthesised arithmetic moto's parser crashed on, end to end through boto3.

Recorded DynamoDB answers the refusals follow: `INVALID SYNTAX HERE` (the Parity Suite),
`ADD hits : incr` (aws-cdk#7591: token ":", near "hits : incr"), a condition's `a = = b`
(near "= = b": the token before the bad one to the token after it).
"""

from __future__ import annotations

import itertools
import random
from typing import Any

import pytest
from refusals import refused

from ddbkit.emulator.expressions.update_grammar import parse_refusal, parse_update
from ddbkit.emulator.expressions.update_paths import UpdateRefused
from ddbkit.emulator.expressions.update_plan import (
    Action,
    Arithmetic,
    Function,
    PathOperand,
    Plan,
    ValueOperand,
)

V, W = ValueOperand(":v"), ValueOperand(":w")


def p(*elements: str | int) -> PathOperand:
    return PathOperand(tuple(elements))


def minus(left: Any, right: Any) -> Arithmetic:
    return Arithmetic("-", left, right)


def plus(left: Any, right: Any) -> Arithmetic:
    return Arithmetic("+", left, right)


def set_(value: Any, *path: str | int) -> Plan:
    return Plan((Action("SET", path or ("a",), value),), ("SET",))


def syntax(token: str, near: str) -> str:
    return f'Invalid UpdateExpression: Syntax error; token: "{token}", near: "{near}"'


@pytest.mark.parametrize(("text", "plan"), [
    ("SET a = :v", set_(V)),
    ("set a=:v", set_(V)),
    ("SET\ta\r\n=\n:v", set_(V)),
    ("SET #n.b[0][12].#c = :v", set_(V, "#n", "b", 0, 12, "#c")),
    ("SET a [ 1 ] . b = :v", set_(V, "a", 1, "b")),
    ("SET _x1 = :v", set_(V, "_x1")),
    ("SET a = b.c", set_(p("b", "c"))),
    ("SET a = a + :v", set_(plus(p("a"), V))),
    ("SET a = :v-a", set_(minus(V, p("a")))),
    ("SET a = (c - :v)", set_(minus(p("c"), V))),
    ("SET a = (c - :v) + :w", set_(plus(minus(p("c"), V), W))),
    ("SET a = :w - (c + :v)", set_(minus(W, plus(p("c"), V)))),
    ("SET a = ((c - :v) + :w) - :v", set_(minus(plus(minus(p("c"), V), W), V))),
    ("SET a = ((a))", set_(p("a"))),
    ("SET a = if_not_exists(a, :v) - :w", set_(minus(Function("if_not_exists", (p("a"), V)), W))),
    ("SET a = if_not_exists(#n, #m)", set_(Function("if_not_exists", (p("#n"), p("#m"))))),
    ("SET l = list_append(if_not_exists(l, :v), :w)",
     set_(Function("list_append", (Function("if_not_exists", (p("l"), V)), W)), "l")),
    ("SET a = list_append((a), (:v + :w))",
     set_(Function("list_append", (p("a"), plus(V, W))))),
    ("SET a = :v, b = :w REMOVE c, d[1] ADD e :v DELETE f :w", Plan((
        Action("SET", ("a",), V), Action("SET", ("b",), W), Action("REMOVE", ("c",), None),
        Action("REMOVE", ("d", 1), None), Action("ADD", ("e",), V),
        Action("DELETE", ("f",), W)), ("SET", "REMOVE", "ADD", "DELETE"))),
    ("delete f :w Add e :v", Plan((Action("DELETE", ("f",), W), Action("ADD", ("e",), V)),
                                  ("DELETE", "ADD"))),
    # a clause twice parses; update_checks refuses it in DynamoDB's words
    ("SET a = :v SET b = :w", Plan((Action("SET", ("a",), V), Action("SET", ("b",), W)),
                                   ("SET", "SET"))),
])
def test_plans(text: str, plan: Plan) -> None:
    assert parse_update(text) == plan


@pytest.mark.parametrize(("text", "message"), [
    ("INVALID SYNTAX HERE", syntax("INVALID", "INVALID SYNTAX")),
    ("ADD hits : incr", syntax(":", "hits : incr")),
    ("SET a = = :v", syntax("=", "= = :v")),
    ("SET a", syntax("<EOF>", "a")),
    ("SET a = ", syntax("<EOF>", "= ")),
    ("SET", syntax("<EOF>", "SET")),
    ("SET a = :v,", syntax("<EOF>", ",")),
    ("SET , a = :v", syntax(",", "SET , a")),
    ("SET a = :v, REMOVE b", syntax("REMOVE", ", REMOVE b")),
    ("SET a = :v :w", syntax(":w", ":v :w")),
    # one operator per value (DynamoDB's documented grammar); parentheses group more
    ("SET c = c - :v + :w", syntax("+", ":v + :w")),
    ("SET a = a + b + c", syntax("+", "b + c")),
    ("SET a = (a + b", syntax("<EOF>", "b")),
    ("SET a = (a + b))", syntax(")", "))")),
    ("SET a = ()", syntax(")", "()")),
    ("SET a = -:v", syntax("-", "= -:v")),
    ("SET a[-1] = :v", syntax("-", "[-1")),
    ("SET a[x] = :v", syntax("x", "[x]")),
    ("SET a. = :v", syntax("=", ". = :v")),
    ("SET (a) = :v", syntax("(", "SET (a")),
    ("SET 1a = :v", syntax("1a", "SET 1a =")),
    ("SET set = :v", syntax("set", "SET set =")),
    ("REMOVE a = :v", syntax("=", "a = :v")),
    ("ADD a b", syntax("b", "a b")),
    ("ADD a (:v)", syntax("(", "a (:v")),
    ("SET # = :v", syntax("#", "SET # =")),
    ("SET a = 'x'", syntax("'", "= 'x")),
    ("SET é = :v", syntax("é", "SET é =")),
    ("!!! INVALID !!!", syntax("!", "!!")),
    ("SET a = :v; REMOVE b", syntax(";", ":v; REMOVE")),
    ("SET a = " + "(" * 101 + ":v" + ")" * 101, syntax("(", "((:v")),
    ("SET status = :v, b = name", "Invalid UpdateExpression: Attribute name is a reserved "
                                  "keyword; reserved keyword: status"),
    ("SET a = size(a)", "Invalid UpdateExpression: Invalid function name; function: size"),
    ("SET a = IF_NOT_EXISTS(a, :v)",
     "Invalid UpdateExpression: Invalid function name; function: IF_NOT_EXISTS"),
    ("SET a = list_append(a)", "Invalid UpdateExpression: Incorrect number of operands for "
                               "operator or function; operator or function: list_append, "
                               "number of operands: 1"),
    ("SET a = if_not_exists(:v, a)", "Invalid UpdateExpression: Operator or function requires "
                                     "a document path; operator or function: if_not_exists"),
    # a syntax error anywhere comes before a reserved word, a reserved word before a function
    ("SET name = foo(a) REMOVE", syntax("<EOF>", "REMOVE")),
    ("SET a = foo(a), name = :v", "Invalid UpdateExpression: Attribute name is a reserved "
                                  "keyword; reserved keyword: name"),
])
def test_refusals(text: str, message: str) -> None:
    with pytest.raises(UpdateRefused) as caught:
        parse_update(text)
    assert caught.value.message == message
    assert parse_refusal(text) == message


def _corpus() -> list[str]:
    paths = ["a", "#n", "a.b", "#n.#m[1]", "a[0].b", "a [ 2 ]", "_x", "status"]
    values = [":v", "b", "if_not_exists(a, :v)", "list_append(a, :v)", "a + :v", "(c - :v)",
              "(c - :v) + :w", "c - :v + :w", "((a))", "(a", "a)", "foo(a)", "", ":", "- :v",
              "list_append(a)", "if_not_exists(:v, a)", ":v,", ":v :w", "'x'", "1", "é"]
    texts = [f"SET {path} = {value}" for path, value in itertools.product(paths, values)]
    for path in paths:
        texts += [f"REMOVE {path}", f"ADD {path} :v", f"DELETE {path} :v", f"REMOVE {path},"]
    clauses = ["SET x = :v", "REMOVE y", "ADD z :w", "DELETE s :u", "set x = :v", ","]
    texts += [f"{a} {b}" for a, b in itertools.permutations(clauses, 2)]
    return texts


def _noise(seed: int) -> list[str]:
    pieces = ["SET", "REMOVE", "ADD", "DELETE", "a", "#n", ":v", "=", "+", "-", "(", ")",
              ",", ".", "[", "]", "0", "if_not_exists", "list_append", " ", "\t", "!", "é", ":",
              "#", "status"]
    chooser = random.Random(seed)
    return ["".join(chooser.choice(pieces) for _ in range(chooser.randint(1, 12)))
            for _ in range(400)]


@pytest.mark.parametrize("texts", [_corpus(), _noise(1), _noise(2)], ids=["corpus", "n1", "n2"])
def test_every_input_parses_or_is_refused_in_dynamodbs_words(texts: list[str]) -> None:
    for text in texts:
        try:
            plan = parse_update(text)
        except UpdateRefused as refusal:
            assert refusal.message.startswith("Invalid UpdateExpression: "), text
        else:
            assert plan.actions and len(plan.clauses) >= 1, text


# -- end to end --------------------------------------------------------------------------------

@pytest.fixture
def table(make_table: Any) -> str:
    return str(make_table("grammar"))


def test_parenthesised_arithmetic_through_boto3(client: Any, table: str) -> None:
    key = {"pk": {"S": "k"}}
    client.put_item(TableName=table, Item={**key, "c": {"N": "10"}})
    answer = client.update_item(
        TableName=table, Key=key, ReturnValues="UPDATED_NEW",
        UpdateExpression="SET c = (c - :v) + :w, d = :w - (c + :v)",
        ExpressionAttributeValues={":v": {"N": "3"}, ":w": {"N": "1"}})
    assert answer["Attributes"] == {"c": {"N": "8"}, "d": {"N": "-12"}}


@pytest.mark.parametrize(("expression", "message"), [
    ("SET c = c - :v + :w", syntax("+", ":v + :w")),
    ("SET c = (c - :v", syntax("<EOF>", ":v")),
    ("SET c = :v SET d = :w",
     'Invalid UpdateExpression: The "SET" section can only be used once in an update '
     "expression;"),
    ("SET c = foo(:v, :w)", "Invalid UpdateExpression: Invalid function name; function: foo"),
])
def test_refusals_through_boto3(client: Any, table: str, expression: str,
                                message: str) -> None:
    request = {"TableName": table, "Key": {"pk": {"S": "k"}}, "UpdateExpression": expression,
               "ExpressionAttributeValues": {":v": {"N": "3"}, ":w": {"N": "1"}}}
    assert refused(lambda: client.update_item(**request)) == ("ValidationException", message)


def test_a_syntax_error_comes_before_an_unused_value(client: Any, table: str) -> None:
    request = {"TableName": table, "Key": {"pk": {"S": "k"}},
               "UpdateExpression": "SET c = c + :v + :v",
               "ExpressionAttributeValues": {":v": {"N": "3"}, ":unused": {"N": "1"}}}
    assert refused(lambda: client.update_item(**request)) == (
        "ValidationException", syntax("+", ":v + :v"))

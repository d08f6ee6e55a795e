"""ddbkit's reader of an UpdateExpression: its text to a plan (expressions/update_plan.py).

The grammar, DynamoDB's documented one with the parentheses DynamoDB accepts around a value:

    expression ::= clause+            (each keyword once: update_checks refuses a second)
    clause     ::= SET path '=' value (',' path '=' value)*
                 | REMOVE path (',' path)*
                 | ADD path VALUE (',' path VALUE)*
                 | DELETE path VALUE (',' path VALUE)*
    value      ::= operand [('+' | '-') operand]      one operator: `a + b - c` is refused
    operand    ::= path | VALUE | function | '(' value ')'
    function   ::= NAME '(' operand (',' operand)* ')'
    path       ::= element ('.' element | '[' DIGITS ']')*
    element    ::= NAME | HASHNAME

Tokens, paths and the syntax error's wording are expression_reader.py's; SET, REMOVE, ADD and
DELETE, in any case, are the clause keywords, never names.

Refusals, in DynamoDB's order and words: a syntax error (`Syntax error; token: "<tok>",
near: "<previous token .. next token>"`, `<EOF>` past the end); then a reserved word used as
a name; then a function DynamoDB does not have, or called with the wrong operands.
"""

from __future__ import annotations

import functools

from ddbkit.emulator.expressions.expression_reader import Reader
from ddbkit.emulator.expressions.update_paths import UpdateRefused
from ddbkit.emulator.expressions.update_plan import (
    Action,
    Arithmetic,
    Function,
    Operand,
    PathOperand,
    Plan,
    ValueOperand,
)

__all__ = ["parse_refusal", "parse_update"]

INVALID = "Invalid UpdateExpression: "
UNKNOWN_FUNCTION = INVALID + "Invalid function name; function: {}"
OPERAND_COUNT = (INVALID + "Incorrect number of operands for operator or function; operator or "
                 "function: {}, number of operands: {}")
NEEDS_PATH = INVALID + "Operator or function requires a document path; operator or function: {}"
KEYWORDS = ("SET", "REMOVE", "ADD", "DELETE")


@functools.lru_cache(maxsize=512)
def parse_update(expression: str) -> Plan:
    """The plan of `expression`, or UpdateRefused in DynamoDB's words. Remembered by its
    text (a load repeats a few expressions): a plan is immutable."""
    reader = _Reader(expression)
    plan = reader.expression()
    reader.check_names()
    return plan


def parse_refusal(expression: str) -> str | None:
    """The refusal DynamoDB gives while it parses `expression` (before it looks at the
    request's names and values), or None."""
    try:
        parse_update(expression)
    except UpdateRefused as refused:
        return refused.message
    return None


class _Reader(Reader):
    def __init__(self, text: str) -> None:
        super().__init__(text, KEYWORDS, INVALID, UpdateRefused)
        self.functions: list[Function] = []

    # -- clauses --------------------------------------------------------------------------

    def expression(self) -> Plan:
        actions: list[Action] = []
        clauses: list[str] = []
        while True:
            token = self.peek()
            if token is None and clauses:
                return Plan(tuple(actions), tuple(clauses))
            if token is None or token.kind != "keyword":
                raise self.unexpected()
            self.at += 1
            kind = token.text.upper()
            clauses.append(kind)
            actions.append(self.action(kind))
            while self.accept(","):
                actions.append(self.action(kind))

    def action(self, kind: str) -> Action:
        path = self.path()
        if kind == "REMOVE":
            return Action(kind, path, None)
        if kind == "SET":
            self.expect("=")
            return Action(kind, path, self.value())
        return Action(kind, path, self.placeholder())

    # -- values ---------------------------------------------------------------------------

    def value(self) -> Operand:
        left = self.operand()
        token = self.peek()
        if token is not None and token.kind in ("+", "-"):
            self.at += 1
            return Arithmetic(token.kind, left, self.operand())
        return left

    def operand(self) -> Operand:
        token = self.peek()
        if token is None:
            raise self.unexpected()
        if token.kind == "value":
            self.at += 1
            return ValueOperand(token.text)
        if token.kind == "(":
            return self.group()
        following = self.peek(1)
        if token.kind == "name" and following is not None and following.kind == "(":
            return self.function()
        return PathOperand(self.path())

    def group(self) -> Operand:
        self.enter()
        self.at += 1
        inner = self.value()
        self.expect(")")
        self.depth -= 1
        return inner

    def function(self) -> Operand:
        name = self.tokens[self.at].text
        self.enter()  # calls nest like parentheses
        self.at += 2  # the name and its '('
        arguments = [self.operand()]
        while self.accept(","):
            arguments.append(self.operand())
        self.expect(")")
        self.depth -= 1
        call = Function(name, tuple(arguments))
        self.functions.append(call)
        return call

    def placeholder(self) -> Operand:
        token = self.peek()
        if token is None or token.kind != "value":
            raise self.unexpected()
        self.at += 1
        return ValueOperand(token.text)

    # -- after the parse ------------------------------------------------------------------

    def check_names(self) -> None:
        """Reserved words used as names, then the functions called (DynamoDB's order)."""
        self.check_reserved()
        for call in self.functions:
            _check_function(call)


def _check_function(call: Function) -> None:
    if call.name not in ("if_not_exists", "list_append"):
        raise UpdateRefused(UNKNOWN_FUNCTION.format(call.name))
    if len(call.arguments) != 2:
        raise UpdateRefused(OPERAND_COUNT.format(call.name, len(call.arguments)))
    if call.name == "if_not_exists" and not isinstance(call.arguments[0], PathOperand):
        raise UpdateRefused(NEEDS_PATH.format(call.name))

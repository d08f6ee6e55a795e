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

Tokens: NAME `[A-Za-z_][A-Za-z0-9_]*` (SET, REMOVE, ADD and DELETE, in any case, are the
clause keywords, never names), HASHNAME `#[A-Za-z0-9_]+`, VALUE `:[A-Za-z0-9_]+`, DIGITS,
and `= + - ( ) , . [ ]`; space, tab, CR and LF separate them. Any other character (or a
word no rule takes, like `1a`) is a token of its own that no rule takes.

Refusals, in DynamoDB's order and words: a syntax error (`Syntax error; token: "<tok>",
near: "<previous token .. next token>"`, `<EOF>` past the end); then a reserved word used as
a name; then a function DynamoDB does not have, or called with the wrong operands.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from ddbkit.emulator.expressions.update_paths import UpdateRefused
from ddbkit.emulator.expressions.update_plan import (
    Action,
    Arithmetic,
    Element,
    Function,
    Operand,
    Path,
    PathOperand,
    Plan,
    ValueOperand,
)

__all__ = ["parse_refusal", "parse_update"]

INVALID = "Invalid UpdateExpression: "
SYNTAX = INVALID + 'Syntax error; token: "{}", near: "{}"'
RESERVED = INVALID + "Attribute name is a reserved keyword; reserved keyword: {}"
UNKNOWN_FUNCTION = INVALID + "Invalid function name; function: {}"
OPERAND_COUNT = (INVALID + "Incorrect number of operands for operator or function; operator or "
                 "function: {}, number of operands: {}")
NEEDS_PATH = INVALID + "Operator or function requires a document path; operator or function: {}"
KEYWORDS = ("SET", "REMOVE", "ADD", "DELETE")
MAX_DEPTH = 100  # parentheses nested deeper are refused, not recursed into

_TOKEN = re.compile(r"""
    (?P<space>[ \t\r\n]+)
  | (?P<word>[A-Za-z0-9_]+)
  | (?P<hashname>\#[A-Za-z0-9_]+)
  | (?P<value>:[A-Za-z0-9_]+)
  | (?P<mark>[=+\-(),.\[\]])
  | (?P<other>.)
""", re.VERBOSE | re.DOTALL)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # "name", "keyword", "hashname", "value", "digits", a mark itself, or "other"
    text: str
    start: int
    end: int


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


def tokens(text: str) -> list[Token]:
    found = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        word = match.group()
        if kind == "space":
            continue
        if kind == "word":
            kind = ("keyword" if word.upper() in KEYWORDS else "name") \
                if _NAME.fullmatch(word) else "digits" if word.isdigit() else "other"
        elif kind == "mark":
            kind = word
        found.append(Token(str(kind), word, match.start(), match.end()))
    return found


class _Reader:
    """Recursive descent over the tokens; `at` is the next token's index."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokens(text)
        self.at = 0
        self.depth = 0
        self.names: list[str] = []  # plain names used in paths, in the order written
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
        if self.depth >= MAX_DEPTH:
            raise self.unexpected()
        self.at += 1
        self.depth += 1
        inner = self.value()
        self.expect(")")
        self.depth -= 1
        return inner

    def function(self) -> Operand:
        name = self.tokens[self.at].text
        self.at += 2  # the name and its '('
        arguments = [self.operand()]
        while self.accept(","):
            arguments.append(self.operand())
        self.expect(")")
        call = Function(name, tuple(arguments))
        self.functions.append(call)
        return call

    def placeholder(self) -> Operand:
        token = self.peek()
        if token is None or token.kind != "value":
            raise self.unexpected()
        self.at += 1
        return ValueOperand(token.text)

    # -- paths ----------------------------------------------------------------------------

    def path(self) -> Path:
        elements: list[Element] = [self.element()]
        while (token := self.peek()) is not None and token.kind in (".", "["):
            self.at += 1
            if token.kind == ".":
                elements.append(self.element())
            else:
                elements.append(int(self.expect("digits").text))
                self.expect("]")
        return tuple(elements)

    def element(self) -> str:
        token = self.peek()
        if token is None or token.kind not in ("name", "hashname"):
            raise self.unexpected()
        self.at += 1
        if token.kind == "name":
            self.names.append(token.text)
        return token.text

    # -- after the parse ------------------------------------------------------------------

    def check_names(self) -> None:
        """Reserved words used as names, then the functions called (DynamoDB's order)."""
        reserved = _reserved()
        for name in self.names:
            if name.upper() in reserved:
                raise UpdateRefused(RESERVED.format(name))
        for call in self.functions:
            _check_function(call)

    # -- tokens ---------------------------------------------------------------------------

    def peek(self, ahead: int = 0) -> Token | None:
        index = self.at + ahead
        return self.tokens[index] if index < len(self.tokens) else None

    def accept(self, kind: str) -> bool:
        token = self.peek()
        if token is not None and token.kind == kind:
            self.at += 1
            return True
        return False

    def expect(self, kind: str) -> Token:
        token = self.peek()
        if token is None or token.kind != kind:
            raise self.unexpected()
        self.at += 1
        return token

    def unexpected(self) -> UpdateRefused:
        """A syntax error at the next token: it and the text from the token before it to
        the token after it (to the end of the text past the last token)."""
        found, at = self.tokens, self.at
        start = found[at - 1].start if at > 0 else found[0].start if found else 0
        end = found[at + 1].end if at + 1 < len(found) else len(self.text)
        shown = found[at].text if at < len(found) else "<EOF>"
        return UpdateRefused(SYNTAX.format(shown, self.text[start:end]))


def _check_function(call: Function) -> None:
    if call.name not in ("if_not_exists", "list_append"):
        raise UpdateRefused(UNKNOWN_FUNCTION.format(call.name))
    if len(call.arguments) != 2:
        raise UpdateRefused(OPERAND_COUNT.format(call.name, len(call.arguments)))
    if call.name == "if_not_exists" and not isinstance(call.arguments[0], PathOperand):
        raise UpdateRefused(NEEDS_PATH.format(call.name))


@functools.lru_cache(maxsize=1)
def _reserved() -> frozenset[str]:
    from ddbkit.emulator.moto_ext.expression_syntax import reserved_words

    return reserved_words()

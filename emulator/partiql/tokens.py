"""PartiQL text split into tokens, and the small helpers the statement reader shares.

Part of reading PartiQL (see `statements` for the grammar): strings in single quotes ('' escapes
one), names in double quotes, numbers, names and punctuation, each with its place in the text
(DynamoDB's messages point at a token as `line:column:length`). `--` comments run to the end of
the line and `/* */` comments to their close; both read as whitespace. A `#`, an unterminated
comment or string, or a number literal Java's BigDecimal cannot hold is no PartiQL at all:
DynamoDB answers those with nothing after the "wasn't well formed" colon.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_TOKEN = re.compile(r"""
      (?P<space>\s+|--[^\n]*|/\*.*?\*/)
    | (?P<string>'(?:[^']|'')*')
    | (?P<qident>"(?:[^"]|"")*")
    | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
    | (?P<ident>[A-Za-z_][A-Za-z0-9_$]*)
    | (?P<punct><<|>>|<=|>=|<>|!=|[=<>()\[\]{},.:?+\-*;])
    """, re.VERBOSE | re.DOTALL)


class NotWellFormed(ValueError):
    """The statement is no PartiQL DynamoDB reads: answered after the "wasn't well formed"
    envelope, with this detail."""


class Refused(ValueError):
    """A statement DynamoDB reads but refuses, answered with exactly this message."""


class ParameterCountError(NotWellFormed):
    """More `?` than parameters, or fewer."""


@dataclass
class Token:
    kind: str  # string, qident, number, ident, punct
    text: str
    line: int = 1
    column: int = 1  # from 1, in characters

    def at(self, length: int | None = None) -> str:
        """Where DynamoDB's messages place this token: `line:column:length`."""
        return f"{self.line}:{self.column}:{len(self.text) if length is None else length}"


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    line, line_start = 1, 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise NotWellFormed("")  # `#`, an open comment or string: nothing after the colon
        kind = match.lastgroup or ""
        value = match.group(kind)
        if kind == "number" and not number_fits(value):
            raise NotWellFormed("")
        if kind != "space":
            tokens.append(Token(kind, value, line, position - line_start + 1))
        newlines = value.count("\n")
        if newlines:
            line += newlines
            line_start = position + value.rindex("\n") + 1
        position = match.end()
    while tokens and tokens[-1].kind == "punct" and tokens[-1].text == ";":
        tokens.pop()
    return tokens


_INT32 = range(-(2**31), 2**31)


def number_fits(text: str) -> bool:
    """Java's BigDecimal, which DynamoDB's PartiQL reads numbers with, holds the exponent and
    the scale (the digits after the point less the exponent) as 32-bit integers; a number past
    either cannot be read."""
    mantissa, _, written = text.lower().lstrip("+-").partition("e")
    if len(written.lstrip("+-").lstrip("0")) > 10:  # past 32 bits; int() refuses huge strings
        return False
    exponent = int(written or 0)
    return exponent in _INT32 and len(mantissa.partition(".")[2]) - exponent in _INT32


def wrap32(number: int) -> int:
    """A Java int's arithmetic: the number wrapped into 32 bits."""
    return (number + 2**31) % 2**32 - 2**31


def paren(text: str) -> str:
    """The expression in parentheses, unless it already is in one pair (moto refuses
    redundant ones)."""
    if text.startswith("(") and text.endswith(")"):
        depth = 0
        for position, char in enumerate(text):
            depth += char == "("
            depth -= char == ")"
            if depth == 0:
                if position == len(text) - 1:
                    return text
                break
    return f"({text})"


def unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1].replace(text[0] * 2, text[0])
    return text


def kind_of(value: Any) -> str:
    """An attribute value's data type (`S`, `N`, `SS`, ...)."""
    return next(iter(value)) if isinstance(value, dict) and value else ""

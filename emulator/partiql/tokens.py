"""PartiQL text split into tokens, and the small helpers the statement reader shares.

Part of reading PartiQL (`reader`, `statements`): strings in single quotes ('' escapes one),
names in double quotes, numbers, names and punctuation; anything else is NotWellFormed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_TOKEN = re.compile(r"""
    \s*(?:
      (?P<string>'(?:[^']|'')*')
    | (?P<qident>"(?:[^"]|"")*")
    | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
    | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
    | (?P<punct><<|>>|<=|>=|<>|!=|[=<>()\[\]{},.:?+\-*])
    )""", re.VERBOSE)
class NotWellFormed(ValueError):
    """The statement is no PartiQL DynamoDB reads."""


@dataclass
class Token:
    kind: str
    text: str


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    text = text.rstrip().rstrip(";")
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            if text[position:].strip() == "":
                break
            raise NotWellFormed(f"unexpected character at {text[position:position + 10]!r}")
        kind = match.lastgroup or ""
        if kind == "number" and not _number_fits(match.group(kind)):
            raise NotWellFormed("")  # DynamoDB's answer names nothing after the colon
        tokens.append(Token(kind, match.group(kind)))
        position = match.end()
    return tokens


_INT32 = range(-(2**31), 2**31)


def _number_fits(text: str) -> bool:
    """DynamoDB's PartiQL reads a number literal's exponent, and its scale (the digits after
    the point less the exponent), as 32-bit integers; a literal past either is no PartiQL."""
    mantissa, _, written = text.lower().partition("e")
    if len(written.lstrip("+-").lstrip("0")) > 10:  # past 32 bits; int() refuses huge strings
        return False
    exponent = int(written or 0)
    return exponent in _INT32 and len(mantissa.partition(".")[2]) - exponent in _INT32


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


def set_of(elements: list[Any]) -> dict[str, Any]:
    kinds = {next(iter(e)) for e in elements}
    if len(kinds) != 1 or next(iter(kinds)) not in ("S", "N", "B"):
        raise NotWellFormed("a set holds strings, numbers or binaries of one type")
    kind = next(iter(kinds))
    return {kind + "S": [e[kind] for e in elements]}


class ParameterCountError(NotWellFormed):
    """More `?` than parameters, or fewer."""

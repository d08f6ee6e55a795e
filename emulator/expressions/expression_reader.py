"""What the expression grammars (update_grammar.py, condition_grammar.py) share: DynamoDB's
tokens, a reader over them with its syntax error, and document paths.

Tokens: NAME `[A-Za-z_][A-Za-z0-9_]*` (a grammar's keywords, in any case, are never names),
HASHNAME `#[A-Za-z0-9_]+`, VALUE `:[A-Za-z0-9_]+`, DIGITS, the comparators `<> <= >= = < >`
and `+ - ( ) , . [ ]`; space, tab, CR and LF separate them. Any other character (or a word
no rule takes, like `1a`) is a token of its own that no rule takes.

A syntax error names the unexpected token (`<EOF>` past the end) and the text from the token
before it to the token after it (to the end of the text past the last token):
`Syntax error; token: "=", near: "= = b"`.

    path    ::= element ('.' element | '[' DIGITS ']')*
    element ::= NAME | HASHNAME
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

SYNTAX = 'Syntax error; token: "{}", near: "{}"'
RESERVED = "Attribute name is a reserved keyword; reserved keyword: {}"
MAX_DEPTH = 100  # parentheses or calls nested deeper are refused, not recursed into

_TOKEN = re.compile(r"""
    (?P<space>[ \t\r\n]+)
  | (?P<word>[A-Za-z0-9_]+)
  | (?P<hashname>\#[A-Za-z0-9_]+)
  | (?P<value>:[A-Za-z0-9_]+)
  | (?P<mark><>|<=|>=|[=<>+\-(),.\[\]])
  | (?P<other>.)
""", re.VERBOSE | re.DOTALL)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

Element = str | int
Path = tuple[Element, ...]  # a `#name` element as written; an int is a list index


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # "name", "keyword", "hashname", "value", "digits", a mark itself, or "other"
    text: str
    start: int
    end: int


def tokens(text: str, keywords: Iterable[str]) -> list[Token]:
    """The tokens of `text`; a word in `keywords` (upper case) is a "keyword"."""
    found = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        word = match.group()
        if kind == "space":
            continue
        if kind == "word":
            kind = ("keyword" if word.upper() in keywords else "name") \
                if _NAME.fullmatch(word) else "digits" if word.isdigit() else "other"
        elif kind == "mark":
            kind = word
        found.append(Token(str(kind), word, match.start(), match.end()))
    return found


class Reader:
    """Recursive descent over the tokens; `at` is the next token's index. `refusal` makes
    the exception a refusal raises from its whole message; `invalid` starts each message
    ("Invalid UpdateExpression: ")."""

    def __init__(self, text: str, keywords: Iterable[str], invalid: str,
                 refusal: Callable[[str], Exception]) -> None:
        self.text = text
        self.tokens = tokens(text, frozenset(keywords))
        self.invalid = invalid
        self.refusal = refusal
        self.at = 0
        self.depth = 0
        self.names: list[str] = []  # plain names used in paths, in the order written

    def refuse(self, detail: str) -> Exception:
        return self.refusal(self.invalid + detail)

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

    def check_reserved(self) -> None:
        """A reserved word used as a name is refused (after the syntax)."""
        reserved = reserved_words()
        for name in self.names:
            if name.upper() in reserved:
                raise self.refuse(RESERVED.format(name))

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

    def enter(self) -> None:
        """One parenthesis (or call) deeper; too deep is a syntax error at it."""
        if self.depth >= MAX_DEPTH:
            raise self.unexpected()
        self.depth += 1

    def unexpected(self) -> Exception:
        """A syntax error at the next token."""
        found, at = self.tokens, self.at
        start = found[at - 1].start if at > 0 else found[0].start if found else 0
        end = found[at + 1].end if at + 1 < len(found) else len(self.text)
        shown = found[at].text if at < len(found) else "<EOF>"
        return self.refuse(SYNTAX.format(shown, self.text[start:end]))


@functools.lru_cache(maxsize=1)
def reserved_words() -> frozenset[str]:
    from ddbkit.emulator.moto_ext.expression_syntax import reserved_words as words

    return words()

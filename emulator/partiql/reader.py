"""The expression half of DynamoDB's PartiQL: paths, literals, conditions, read into a
`Statement` (see `statements` for the statement forms and the grammar as a whole)."""


from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ddbkit.emulator.partiql.tokens import (
    NotWellFormed,
    ParameterCountError,
    Token,
    paren,
    set_of,
    tokenize,
    unquote,
)

COMPARATORS = {"=": "=", "<>": "<>", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
CONDITION_FUNCTIONS = {"begins_with", "contains", "attribute_exists", "attribute_not_exists",
                       "attribute_type"}
UPDATE_FUNCTIONS = {"list_append", "if_not_exists"}


@dataclass
class Statement:
    kind: str  # SELECT, INSERT, UPDATE, DELETE
    table: str
    index: str | None = None
    names: dict[str, str] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)
    condition: str | None = None  # the whole WHERE clause
    # its top-level AND chain: (expression, (name, value) when it reads `name = literal`)
    conjuncts: list[tuple[str, Any]] = field(default_factory=list)
    equalities: dict[str, Any] = field(default_factory=dict)  # the first of each name
    projection: list[list[Any]] | None = None  # SELECT's paths (names, indexes); None: *
    update: str | None = None
    item: dict[str, Any] | None = None  # INSERT's VALUE
    descending: bool = False  # SELECT ... ORDER BY sort key DESC


class Reader:
    def __init__(self, statement: str, parameters: list[Any]) -> None:
        self.tokens = tokenize(statement)
        self.at = 0
        self.parameters = parameters
        self.used = 0
        self.result = Statement(kind="", table="")

    # tokens
    def peek(self, offset: int = 0) -> Token | None:
        index = self.at + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def word(self, *words: str) -> bool:
        token = self.peek()
        return token is not None and token.kind == "ident" and token.text.upper() in words

    def punct(self, *marks: str) -> bool:
        token = self.peek()
        return token is not None and token.kind == "punct" and token.text in marks

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise NotWellFormed("unexpected end of statement")
        self.at += 1
        return token

    def expect_word(self, word: str) -> None:
        if not self.word(word):
            raise NotWellFormed(f"expected {word}")
        self.at += 1

    def expect_punct(self, mark: str) -> None:
        if not self.punct(mark):
            raise NotWellFormed(f"expected {mark}")
        self.at += 1

    def done(self) -> bool:
        return self.at >= len(self.tokens)

    # placeholders
    def name(self, attribute: str) -> str:
        placeholder = f"#p{len(self.result.names)}"
        self.result.names[placeholder] = attribute
        return placeholder

    def value(self, value: Any) -> str:
        placeholder = f":p{len(self.result.values)}"
        self.result.values[placeholder] = value
        return placeholder

    # names and paths
    def identifier(self) -> str:
        token = self.take()
        if token.kind == "ident":
            return token.text
        if token.kind == "qident":
            return token.text[1:-1].replace('""', '"')
        raise NotWellFormed(f"expected a name, found {token.text}")

    def path(self) -> tuple[str, str | None]:
        """A document path as an expression, and its name when it is one top-level name."""
        expression, segments = self.segments()
        return expression, segments[0] if len(segments) == 1 else None

    def segments(self) -> tuple[str, list[Any]]:
        """A document path as an expression and as its names and list indexes."""
        first = self.identifier()
        parts = [self.name(first)]
        segments: list[Any] = [first]
        while True:
            if self.punct("."):
                self.at += 1
                segments.append(self.identifier())
                parts.append("." + self.name(segments[-1]))
            elif self.punct("["):
                self.at += 1
                token = self.take()
                if token.kind == "number" and token.text.isdigit():
                    parts.append(f"[{token.text}]")
                    segments.append(int(token.text))
                elif token.kind == "string":
                    segments.append(unquote(token.text))
                    parts.append("." + self.name(segments[-1]))
                else:
                    raise NotWellFormed("expected a list index or a map key")
                self.expect_punct("]")
            else:
                break
        return "".join(parts), segments

    # literals
    def starts_literal(self) -> bool:
        token = self.peek()
        if token is None:
            return False
        if token.kind in ("string", "number"):
            return True
        if token.kind == "punct":
            return token.text in ("?", "{", "[", "<<", "-")
        return token.kind == "ident" and token.text.lower() in ("true", "false", "null")

    def literal(self) -> dict[str, Any]:
        token = self.take()
        if token.kind == "string":
            return {"S": unquote(token.text)}
        if token.kind == "number":
            return {"N": token.text}
        if token.kind == "ident" and token.text.lower() in ("true", "false"):
            return {"BOOL": token.text.lower() == "true"}
        if token.kind == "ident" and token.text.lower() == "null":
            return {"NULL": True}
        if token.kind == "punct":
            return self._compound(token.text)
        raise NotWellFormed(f"expected a value, found {token.text}")

    def _compound(self, mark: str) -> dict[str, Any]:
        if mark == "-":
            number = self.take()
            if number.kind != "number":
                raise NotWellFormed("expected a number after -")
            return {"N": "-" + number.text}
        if mark == "?":
            if self.used >= len(self.parameters):
                raise ParameterCountError()
            self.used += 1
            return dict(self.parameters[self.used - 1])
        if mark == "{":
            members: dict[str, Any] = {}
            while not self.punct("}"):
                key = self.take()
                if key.kind not in ("string", "qident", "ident"):
                    raise NotWellFormed("expected a map key")
                self.expect_punct(":")
                members[unquote(key.text)] = self.literal()
                if not self.punct("}"):
                    self.expect_punct(",")
            self.at += 1
            return {"M": members}
        if mark in ("[", "<<"):
            close = "]" if mark == "[" else ">>"
            elements: list[Any] = []
            while not self.punct(close):
                elements.append(self.literal())
                if not self.punct(close):
                    self.expect_punct(",")
            self.at += 1
            return {"L": elements} if mark == "[" else set_of(elements)
        raise NotWellFormed(f"unexpected {mark}")

    # conditions
    def operand(self) -> tuple[str, str | None, Any]:
        """An operand as an expression, with (for `name = literal`) its name or literal."""
        if self.starts_literal():
            literal = self.literal()
            return self.value(literal), None, literal
        if self.word("SIZE") and self._next_is("("):
            self.at += 2
            path, _ = self.path()
            self.expect_punct(")")
            return f"size({path})", None, None
        path, simple = self.path()
        return path, simple, None

    def _next_is(self, mark: str) -> bool:
        token = self.peek(1)
        return token is not None and token.kind == "punct" and token.text == mark

    def condition(self) -> tuple[str, list[tuple[str, Any]]]:
        """The WHERE clause; with its top-level `name = literal` conjuncts when it is an AND
        chain (each as (conjunct expression, (name, value) or None))."""
        conjuncts = [self.conjunct_with_equality()]
        while self.word("AND"):
            self.at += 1
            conjuncts.append(self.conjunct_with_equality())
        if self.word("OR"):
            self.at += 1
            rest = self.or_condition()
            joined = " AND ".join(paren(c) for c, _ in conjuncts)
            return f"{paren(joined)} OR {paren(rest)}", []
        return " AND ".join(paren(c) for c, _ in conjuncts), conjuncts

    def conjunct_with_equality(self) -> tuple[str, Any]:
        start = self.at
        text = self.not_condition()
        equality = self._equality(start)
        return text, equality

    def _equality(self, start: int) -> Any:
        """(name, value) when tokens[start:at] read `name = literal` (or reversed)."""
        window = self.tokens[start:self.at]
        if len(window) == 3 and window[1].text == "=" and window[0].kind in ("ident", "qident"):
            values = list(self.result.values.values())
            if window[2].kind in ("string", "number") or window[2].text == "?":
                return (unquote(window[0].text) if window[0].kind == "qident"
                        else window[0].text), values[-1]
        return None

    def or_condition(self) -> str:
        parts = [self.and_condition()]
        while self.word("OR"):
            self.at += 1
            parts.append(self.and_condition())
        return " OR ".join(paren(p) for p in parts)

    def and_condition(self) -> str:
        parts = [self.not_condition()]
        while self.word("AND"):
            self.at += 1
            parts.append(self.not_condition())
        return " AND ".join(paren(p) for p in parts)

    def not_condition(self) -> str:
        if self.word("NOT"):
            self.at += 1
            return f"NOT {paren(self.not_condition())}"
        if self.punct("("):
            self.at += 1
            inner = self.or_condition()
            self.expect_punct(")")
            return inner
        token = self.peek()
        if token is not None and token.kind == "ident" and \
                token.text.lower() in CONDITION_FUNCTIONS and self._next_is("("):
            return self.function()
        return self.comparison()

    def function(self) -> str:
        name = self.take().text.lower()
        self.expect_punct("(")
        path, _ = self.path()
        arguments = [path]
        while self.punct(","):
            self.at += 1
            arguments.append(self.operand()[0])
        self.expect_punct(")")
        return f"{name}({', '.join(arguments)})"

    def comparison(self) -> str:
        left, _, _ = self.operand()
        token = self.peek()
        if token is not None and token.kind == "punct" and token.text in COMPARATORS:
            self.at += 1
            right, _, _ = self.operand()
            return f"{left} {COMPARATORS[token.text]} {right}"
        if self.word("BETWEEN"):
            self.at += 1
            low = self.operand()[0]
            self.expect_word("AND")
            return f"{left} BETWEEN {low} AND {self.operand()[0]}"
        if self.word("IN"):
            self.at += 1
            close = "]" if self.punct("[") else ")"
            if not self.punct("[", "("):
                raise NotWellFormed("expected a list after IN")
            self.at += 1
            members = []
            while not self.punct(close):
                members.append(self.operand()[0])
                if not self.punct(close):
                    self.expect_punct(",")
            self.at += 1
            return f"{left} IN ({', '.join(members)})"
        if self.word("IS"):
            self.at += 1
            negated = self.word("NOT")
            if negated:
                self.at += 1
            if self.word("MISSING"):
                self.at += 1
                return f"attribute_exists({left})" if negated else f"attribute_not_exists({left})"
            if self.word("NULL"):
                self.at += 1
                test = f"attribute_type({left}, {self.value({'S': 'NULL'})})"
                return f"NOT {test}" if negated else test
            raise NotWellFormed("expected MISSING or NULL after IS")
        raise NotWellFormed("expected a comparison")

    # clauses
    def where(self) -> None:
        if self.done() or self.word("ORDER"):
            return
        self.expect_word("WHERE")
        condition, conjuncts = self.condition()
        self.result.condition = condition
        for _, equality in conjuncts:
            if equality is not None and equality[0] not in self.result.equalities:
                self.result.equalities[equality[0]] = equality[1]
        self.result.conjuncts = conjuncts

    def table_name(self) -> None:
        self.result.table = self.identifier()
        if self.punct("."):
            self.at += 1
            self.result.index = self.identifier()

"""The expression half of DynamoDB's PartiQL: paths, values, conditions, update values, read
into DynamoDB expressions over placeholder names and values (see `statements` for the grammar
as a whole and the statement forms)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ddbkit.emulator.endpoint.attribute_values import MAX_NESTING_LEVELS, NESTING
from ddbkit.emulator.expressions.expression_reader import MAX_DEPTH
from ddbkit.emulator.partiql import values as checks
from ddbkit.emulator.partiql.tokens import (
    NotWellFormed,
    ParameterCountError,
    Refused,
    Token,
    kind_of,
    paren,
    tokenize,
    unquote,
)

COMPARATORS = {"=": "=", "<>": "<>", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
ORDERING = ("<", "<=", ">", ">=")
UNORDERED = ("BOOL", "NULL", "L", "M", "SS", "NS", "BS")
# The WHERE clause's functions: (operands, whether the first must be a document path).
CONDITION_FUNCTIONS = {"attribute_exists": (1, True), "attribute_not_exists": (1, True),
                       "attribute_type": (2, True), "begins_with": (2, False),
                       "contains": (2, False)}
UPDATE_FUNCTIONS = {"list_append", "if_not_exists"}
SET_FUNCTIONS = {"set_add": "ADD", "set_delete": "DELETE"}
# `IS <type>`: PartiQL's type names, as DynamoDB's data types.
TYPE_NAMES = {"BOOL": "BOOL", "BOOLEAN": "BOOL", "STRING": "S", "NUMBER": "N", "BLOB": "B",
              "BINARY": "B", "LIST": "L", "STRUCT": "M", "TUPLE": "M", "MAP": "M",
              "NULL": "NULL"}
# PartiQL's keywords that cannot follow a `.` in a path unquoted.
PATH_KEYWORDS = {"INNER", "OUTER", "LEFT", "RIGHT", "FULL", "CROSS", "JOIN", "ON", "SELECT",
                 "FROM", "WHERE", "AND", "OR", "NOT", "IN", "IS", "BETWEEN", "LIKE", "AS",
                 "ORDER", "BY", "GROUP", "HAVING", "UNION", "EXCEPT", "INTERSECT", "CASE",
                 "WHEN", "THEN", "ELSE", "END", "MISSING"}
LEFTOVER = "Unexpected token after expression"
NEEDS_PATH = "Operator or function requires a document path; operator or function: {}"
OPERAND_COUNT = ("Incorrect number of operands for operator or function; operator or "
                 "function: {}, number of operands: {}")
OPERAND_TYPE = ("Incorrect operand type for operator or function; operator or function: {}, "
                "operand type: {}")


@dataclass
class Statement:
    kind: str  # SELECT, INSERT, UPDATE, DELETE, EXISTS
    table: str
    index: str | None = None
    names: dict[str, str] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)
    condition: str | None = None  # the whole WHERE clause
    # its top-level AND chain: (expression, (name, value) when it reads `name = value`)
    conjuncts: list[tuple[str, Any]] = field(default_factory=list)
    equalities: dict[str, Any] = field(default_factory=dict)  # the first of each name
    projection: list[list[Any]] | None = None  # SELECT's paths (names, indexes); None: *
    update: str | None = None
    item: dict[str, Any] | None = None  # INSERT's VALUE
    descending: bool = False  # SELECT ... ORDER BY sort key DESC
    returning: str | None = None  # RETURNING's ReturnValues (ALL_NEW, ...)
    # a refusal DynamoDB reports only once the table and index are known (a function in a
    # SELECT's projection: after a multi-attribute index's refusal)
    deferred: str | None = None


@dataclass
class Operand:
    text: str  # as a DynamoDB expression
    kind: str  # path, value or function
    token: Token
    name: str | None = None  # a path of one top-level name: that name
    value: Any = None  # a value: the attribute value
    segments: list[Any] = field(default_factory=list)  # a path's names and indexes


class Reader:
    def __init__(self, statement: str, parameters: list[Any]) -> None:
        for parameter in parameters:
            checks.check_parameter(parameter)
        self.tokens = tokenize(statement)
        self.at = 0
        self.parameters = parameters
        self.used = 0
        self.depth = 0  # parentheses, NOT and calls around the reader, refused past MAX_DEPTH
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

    def calls(self) -> bool:
        """A name followed by `(`: a function call."""
        token, after = self.peek(), self.peek(1)
        return token is not None and token.kind == "ident" and after is not None and \
            after.kind == "punct" and after.text == "("

    def skip_call(self) -> None:
        """Steps over a function call (its name and balanced parentheses), read no further."""
        self.at += 1
        depth = 0
        while True:
            token = self.take()
            if token.kind == "punct" and token.text == "(":
                depth += 1
            elif token.kind == "punct" and token.text == ")":
                depth -= 1
                if depth == 0:
                    return

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise NotWellFormed("Unexpected end of statement")
        self.at += 1
        return token

    def expect_word(self, word: str) -> None:
        if not self.word(word):
            raise NotWellFormed(self._unexpected(f"expected {word}"))
        self.at += 1

    def expect_punct(self, mark: str) -> None:
        if not self.punct(mark):
            raise NotWellFormed(self._unexpected(f"expected {mark}"))
        self.at += 1

    def _unexpected(self, wanted: str) -> str:
        token = self.peek()
        return f"Unexpected end of statement, {wanted}" if token is None else \
            f"Unexpected token {token.text} at {token.at()}, {wanted}"

    def enter(self) -> None:
        """One level deeper in a condition or an update value; too deep is refused at the
        token, not recursed into (the caller steps back out by `depth -= 1`)."""
        if self.depth >= MAX_DEPTH:
            raise NotWellFormed(self._unexpected("nested too deeply"))
        self.depth += 1

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
            return unquote(token.text)
        raise NotWellFormed(f"Unexpected token {token.text} at {token.at()}, expected a name")

    def path(self) -> Operand:
        """A document path: `a`, `"a b"`, `a.b`, `a[0]`, `a['k']`."""
        token = self.peek()
        first = self.identifier()
        parts = [self.name(first)]
        segments: list[Any] = [first]
        while True:
            if self.punct("."):
                self.at += 1
                step = self.peek()
                if step is not None and step.kind == "ident" and \
                        step.text.upper() in PATH_KEYWORDS:
                    raise NotWellFormed("Invalid path dot component")
                segments.append(self.identifier())
                parts.append("." + self.name(segments[-1]))
            elif self.punct("["):
                self.at += 1
                index = self.take()
                if index.kind == "number" and index.text.isdigit():
                    parts.append(f"[{int(index.text)}]")
                    segments.append(int(index.text))
                elif index.kind == "string":
                    segments.append(unquote(index.text))
                    parts.append("." + self.name(segments[-1]))
                else:
                    raise NotWellFormed("Invalid path index component")
                self.expect_punct("]")
            else:
                break
        assert token is not None
        return Operand("".join(parts), "path", token,
                       first if len(segments) == 1 else None, segments=segments)

    # values
    def starts_value(self) -> bool:
        token = self.peek()
        if token is None:
            return False
        if token.kind in ("string", "number"):
            return True
        if token.kind == "punct":
            return token.text in ("?", "{", "[", "<<", "-", "+")
        return token.kind == "ident" and token.text.lower() in ("true", "false", "null")

    def literal(self, place: str = "root", level: int = 1) -> dict[str, Any]:
        """A value: a literal, or a `?` parameter; `place` names it in number messages,
        `level` is how deep in a literal it stands (DynamoDB's nesting limit)."""
        if level > MAX_NESTING_LEVELS:
            raise Refused(NESTING)
        token = self.take()
        if token.kind == "string":
            return {"S": unquote(token.text)}
        if token.kind == "number":
            checks.literal_number_problem(token.text, place)
            return {"N": token.text}
        if token.kind == "ident":
            lowered = token.text.lower()
            if lowered in ("true", "false"):
                return {"BOOL": lowered == "true"}
            if lowered == "null":
                return {"NULL": True}
            if self.punct("("):
                raise Refused(f"Unsupported data type: {lowered} under key root at "
                              f"{token.at()}")
        if token.kind == "punct":
            return self._compound(token, place, level)
        raise NotWellFormed(f"Unexpected token {token.text} at {token.at()}, expected a value")

    def _compound(self, token: Token, place: str, level: int) -> dict[str, Any]:
        mark = token.text
        if mark in ("-", "+"):
            number = self.take()
            if number.kind != "number":
                raise NotWellFormed(f"Unexpected token {number.text} at {number.at()}")
            text = ("-" if mark == "-" else "") + number.text
            checks.literal_number_problem(text, place)
            return {"N": text}
        if mark == "?":
            if self.used >= len(self.parameters):
                raise ParameterCountError()
            self.used += 1
            return dict(self.parameters[self.used - 1])
        if mark == "{":
            return {"M": self.members(lambda key: f"{place}.{key}", level + 1)}
        if mark in ("[", "<<"):
            close = "]" if mark == "[" else ">>"
            elements: list[Any] = []
            while not self.punct(close):
                elements.append(self.literal(f"{place}[{len(elements)}]", level + 1))
                if not self.punct(close):
                    self.expect_punct(",")
            self.at += 1
            return {"L": elements} if mark == "[" else self._bag(elements)
        raise NotWellFormed(f"Unexpected token {mark} at {token.at()}, expected a value")

    def members(self, place_of: Any, level: int = 1) -> dict[str, Any]:
        """A `{...}` map's members (its `{` taken), each value's place by `place_of(key)`."""
        members: dict[str, Any] = {}
        while not self.punct("}"):
            key = self.take()
            if key.kind not in ("string", "qident"):
                raise NotWellFormed(f"Unexpected token {key.text} at {key.at()}, "
                                    "expected a string key")
            self.expect_punct(":")
            members[unquote(key.text)] = self.literal(place_of(unquote(key.text)), level)
            if not self.punct("}"):
                self.expect_punct(",")
        self.at += 1
        return members

    @staticmethod
    def _bag(elements: list[Any]) -> dict[str, Any]:
        if not elements:
            raise Refused("Empty bags are not supported")
        kinds = {kind_of(e) for e in elements}
        kind = kinds.pop()
        if kinds or kind not in ("S", "N", "B"):
            raise NotWellFormed("A set holds strings, numbers or binaries of one type")
        value = {kind + "S": [e[kind] for e in elements]}
        checks.set_problem(value)
        return value

    # conditions
    def operand(self) -> Operand:
        token = self.peek()
        if token is None:
            raise NotWellFormed("Unexpected term")  # DynamoDB's words for a WHERE cut short
        if self.starts_value():
            value = self.literal()
            return Operand(self.value(value), "value", token, value=value)
        if self.calls():
            name = token.text.lower()
            if name != "size":
                raise Refused(f"Unrecognized function: {name} at {token.at()}")
            arguments = self.arguments(name, 1, True)
            return Operand(f"size({arguments[0].text})", "function", token)
        return self.path()

    def arguments(self, name: str, count: int, path_first: bool) -> list[Operand]:
        """A function's arguments (its name at the reader), checked as DynamoDB checks them."""
        self.enter()
        self.at += 2
        arguments: list[Operand] = []
        while not self.punct(")"):
            arguments.append(self.operand())
            if not self.punct(")"):
                self.expect_punct(",")
        self.at += 1
        self.depth -= 1
        if len(arguments) != count:
            raise Refused(OPERAND_COUNT.format(name, len(arguments)))
        if path_first and arguments[0].kind != "path":
            raise Refused(NEEDS_PATH.format(name))
        return arguments

    def condition(self) -> tuple[str, list[tuple[str, Any]]]:
        """The WHERE clause, with its top-level AND chain (each conjunct as (expression,
        (name, value) when it reads `name = value`)); an OR at the top: no chain."""
        conjuncts = [self.not_condition()]
        while self.word("AND"):
            self.at += 1
            conjuncts.append(self.not_condition())
        if self.word("OR"):
            self.at += 1
            joined = " AND ".join(paren(c) for c, _ in conjuncts)
            return f"{paren(joined)} OR {paren(self.or_condition())}", []
        return " AND ".join(paren(c) for c, _ in conjuncts), conjuncts

    def or_condition(self) -> str:
        parts = [self.and_condition()]
        while self.word("OR"):
            self.at += 1
            parts.append(self.and_condition())
        return " OR ".join(paren(p) for p in parts)

    def and_condition(self) -> str:
        parts = [self.not_condition()[0]]
        while self.word("AND"):
            self.at += 1
            parts.append(self.not_condition()[0])
        return " AND ".join(paren(p) for p in parts)

    def not_condition(self) -> tuple[str, Any]:
        if self.word("NOT"):
            self.enter()
            self.at += 1
            negated = f"NOT {paren(self.not_condition()[0])}"
            self.depth -= 1
            return negated, None
        if self.punct("("):
            self.enter()
            self.at += 1
            inner = self.or_condition()
            self.expect_punct(")")
            self.depth -= 1
            return inner, None
        token = self.peek()
        if token is not None and self.calls() and token.text.lower() in CONDITION_FUNCTIONS:
            return self.function(), None
        return self.comparison()

    def function(self) -> str:
        token = self.peek()
        assert token is not None  # not_condition saw the call
        name = token.text.lower()
        count, path_first = CONDITION_FUNCTIONS[name]
        arguments = self.arguments(name, count, path_first)
        text = f"{name}({', '.join(a.text for a in arguments)})"
        if self.punct("=", "<>", "!=") and self._boolean_next():
            negated = self.take().text != "="
            truth = self.take().text.lower() == "true"
            return f"NOT {paren(text)}" if negated == truth else text
        return text

    def _boolean_next(self) -> bool:
        token = self.peek(1)
        return token is not None and token.kind == "ident" and \
            token.text.lower() in ("true", "false")

    def comparison(self) -> tuple[str, Any]:
        left = self.operand()
        token = self.peek()
        if token is not None and token.kind == "punct" and token.text in COMPARATORS:
            self.at += 1
            right = self.operand()
            if token.text in ORDERING:
                _ordered(token.text, left, right)
            return f"{left.text} {COMPARATORS[token.text]} {right.text}", _equality(
                token.text, left, right)
        if self.word("BETWEEN"):
            self.at += 1
            low = self.operand()
            self.expect_word("AND")
            high = self.operand()
            _ordered("BETWEEN", left, low, high)
            return f"{left.text} BETWEEN {low.text} AND {high.text}", None
        if self.word("IN"):
            return self._in(left), None
        if self.word("IS"):
            return self._is(left), None
        if token is None:
            raise NotWellFormed("Unexpected end of statement, expected a comparison")
        raise NotWellFormed(f"Unexpected token {token.text} at {token.at()}, "
                            "expected a comparison")

    def _in(self, left: Operand) -> str:
        self.at += 1
        if not self.punct("[", "("):
            raise NotWellFormed(self._unexpected("expected a list after IN"))
        close = "]" if self.take().text == "[" else ")"
        members = []
        while not self.punct(close):
            members.append(self.operand().text)
            if not self.punct(close):
                self.expect_punct(",")
        if not members:
            raise NotWellFormed(self._unexpected("expected a value"))
        self.at += 1
        return f"{left.text} IN ({', '.join(members)})"

    def _is(self, left: Operand) -> str:
        self.at += 1
        negated = self.word("NOT")
        if negated:
            self.at += 1
        token = self.peek()
        if token is None or token.kind != "ident" or \
                token.text.upper() not in (*TYPE_NAMES, "MISSING"):
            raise NotWellFormed(self._unexpected("expected a type after IS"))
        self.at += 1
        if token.text.upper() == "MISSING":
            return f"attribute_exists({left.text})" if negated else \
                f"attribute_not_exists({left.text})"
        test = f"attribute_type({left.text}, {self.value({'S': TYPE_NAMES[token.text.upper()]})})"
        return f"NOT {test}" if negated else test

    # clauses
    def where(self) -> None:
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


def _ordered(operator: str, *operands: Operand) -> None:
    """An ordering operator refuses a value of a type with no order."""
    for operand in operands:
        if operand.kind == "value" and kind_of(operand.value) in UNORDERED:
            raise Refused(OPERAND_TYPE.format(operator, kind_of(operand.value)))


def _equality(operator: str, left: Operand, right: Operand) -> Any:
    """(name, value) when the comparison reads `name = value` (or `value = name`)."""
    if operator != "=":
        return None
    if left.name is not None and right.kind == "value":
        return left.name, right.value
    if right.name is not None and left.kind == "value":
        return right.name, left.value
    return None

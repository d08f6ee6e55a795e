"""ddbkit's reader of a ConditionExpression or FilterExpression: its text, names and values to
a condition tree (expressions/conditions.py).

The grammar, DynamoDB's documented one ("Comparison operator and function reference"), with
its precedence (comparisons, IN, BETWEEN and functions bind tighter than NOT, NOT than AND,
AND than OR) and the parentheses DynamoDB accepts around an operand:

    condition   ::= conjunction (OR conjunction)*
    conjunction ::= negation (AND negation)*
    negation    ::= NOT relation | relation          `NOT NOT a` is refused, `NOT (NOT a)` is not
    relation    ::= '(' condition ')'
                  | operand comparator operand       comparator: = <> < <= > >=
                  | operand BETWEEN operand AND operand
                  | operand IN '(' operand (',' operand)* ')'
                  | function
    operand     ::= path | VALUE | function | '(' operand ')'
    function    ::= NAME '(' operand (',' operand)* ')'

Tokens, paths and the syntax error are expression_reader.py's; AND, OR, NOT, BETWEEN and IN,
in any case, are keywords, never names. A function followed by a comparator, BETWEEN or IN is
an operand, anywhere else a condition.

Refusals, in DynamoDB's order and words (recorded in the Parity Suite and dynalite's tests):
a syntax error; parentheses around parentheses ("The expression has redundant parentheses;");
a function DynamoDB lacks (names are case sensitive); a function used where it cannot be
(`size(a)` as a condition, `contains(a, :v) = :w`); a reserved word as a name; then the first
clause (comparison or function) in the text with a problem: an undefined #name or :value, a
wrong number of operands (IN takes at most 100), a function's first operand written again as
its second (`contains(#a, #a)`), an operand of the wrong kind (a value where a path is needed,
begins_with of a number or of size(), a value no ordering comparison or BETWEEN can take (a
BOOL, NULL, set, list or map), size() of a number, an attribute_type name that is no type);
BETWEEN bounds of two types, or the upper below the lower. Only values are judged so: an
item attribute of the wrong type just makes the comparison false (conditions.py).
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ddbkit.emulator.expressions import conditions, documents
from ddbkit.emulator.expressions.expression_reader import Path, Reader

__all__ = ["ConditionRefused", "Node", "Reading", "clauses", "parse", "path_heads", "read"]

KEYWORDS = ("AND", "OR", "NOT", "BETWEEN", "IN")
COMPARATORS = ("=", "<>", "<", "<=", ">", ">=")
# Each function's operand count; size() alone is an operand.
FUNCTIONS = {"attribute_exists": 1, "attribute_not_exists": 1, "attribute_type": 2,
             "begins_with": 2, "contains": 2, "size": 1}
PATH_FIRST = ("attribute_exists", "attribute_not_exists")
ORDERING = ("<", "<=", ">", ">=", "BETWEEN")
ORDERED = ("S", "N", "B")  # the types an ordering comparison takes
UNSIZED = ("N", "BOOL", "NULL")  # size() of a value of these (size() itself is an N)
MAX_IN = 100
TYPES = ("S", "N", "B", "NULL", "SS", "BOOL", "L", "BS", "NS", "M")

REDUNDANT = "The expression has redundant parentheses;"
UNKNOWN_FUNCTION = "Invalid function name; function: {}"
MISUSED = "The function is not allowed to be used this way in an expression; function: {}"
NAME_NOT_DEFINED = ("An expression attribute name used in the document path is not defined; "
                    "attribute name: {}")
VALUE_NOT_DEFINED = ("An expression attribute value used in expression is not defined; "
                     "attribute value: {}")
OPERAND_COUNT = ("Incorrect number of operands for operator or function; operator or function: "
                 "{}, number of operands: {}")
TOO_MANY_IN = "The IN operator is provided with too many operands; number of operands: {}"
NOT_DISTINCT = ("The first operand must be distinct from the remaining operands for this "
                "operator or function; operator: {}, first operand: {}")
NEEDS_PATH = "Operator or function requires a document path; operator or function: {}"
OPERAND_TYPE = ("Incorrect operand type for operator or function; operator or function: {}, "
                "operand type: {}")
ANY_TYPE = "{NS,SS,L,BS,N,M,B,BOOL,NULL,S}"
MIXED_BOUNDS = ("The BETWEEN operator requires same data type for lower and upper bounds; "
                "lower bound operand: {}, upper bound operand: {}")
BOUNDS_ORDER = ("The BETWEEN operator requires upper bound to be greater than or equal to "
                "lower bound; lower bound operand: {}, upper bound operand: {}")
TYPE_NAME = ("Invalid attribute type name found; type: {}, valid types: "
             "{{B,NULL,SS,BOOL,L,BS,N,NS,S,M}}")


def described(value: dict[str, Any]) -> str:
    """A value as DynamoDB's refusals show it: `AttributeValue: {N:5}` (a binary as its
    base64, as the request carried it)."""
    kind, inner = next(iter(value.items()))
    if isinstance(inner, bytes):
        inner = base64.b64encode(inner).decode()
    return f"AttributeValue: {{{kind}:{inner}}}"


class ConditionRefused(ValueError):
    """A condition DynamoDB refuses (ValidationException), with its message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class Node:
    """The text as read, before names and values: kind is "path" (`path`), "value"
    (`name`), "call" (`name`, `parts`), "group" (one part), a comparator, BETWEEN, IN, AND,
    OR or NOT (`parts`)."""

    kind: str
    parts: tuple[Node, ...] = ()
    name: str = ""
    path: Path = ()

    def walk(self) -> Iterator[Node]:
        yield self
        for part in self.parts:
            yield from part.walk()

    @property
    def bare(self) -> Node:
        return self.parts[0].bare if self.kind == "group" else self

    @property
    def condition(self) -> bool:
        """Surely a condition (a call may be either)."""
        return self.bare.kind not in ("path", "value", "call")

    @property
    def conditional(self) -> bool:
        """A condition, or a call that may be one."""
        return self.bare.kind not in ("path", "value")


def parse(expression: str, names: dict[str, str] | None, values: dict[str, Any] | None,
          member: str = "ConditionExpression", operands: bool = True) -> conditions.Condition:
    """The condition `expression` (the request's `member`) stands for, its names and values
    (binary as bytes) substituted; ConditionRefused in DynamoDB's words. `operands=False`
    skips the checks of each operator's operands (a PartiQL WHERE clause written as an
    expression: `a = a` and begins_with(a, 5) are PartiQL's to judge, and it finds them false)."""
    reading = read(expression, names, values, member, operands)
    return reading.condition(reading.tree)


def read(expression: str, names: dict[str, str] | None, values: dict[str, Any] | None,
         member: str, operands: bool = True, bounds: bool = True) -> Reading:
    """The expression read and checked (`parse`), not yet a condition; `bounds=False` leaves
    BETWEEN's bounds to the caller (a key condition holds them against the key schema
    first)."""
    reader = _Reader(expression, member)
    tree = reader.condition()
    if reader.peek() is not None:
        raise reader.unexpected()
    reading = Reading(reader, tree, names or {}, values or {})
    reading.check(operands, bounds)
    return reading


def path_heads(expression: str, names: dict[str, str] | None) -> set[str]:
    """The top-level attributes a (well-formed) expression's paths start from."""
    reader = _Reader(expression, "FilterExpression")
    reading = Reading(reader, reader.condition(), names or {}, {})
    return {str(reading.steps(node.path)[0]) for node in reading.tree.walk()
            if node.kind == "path"}


class _Reader(Reader):
    def __init__(self, text: str, member: str) -> None:
        super().__init__(text, KEYWORDS, f"Invalid {member}: ", ConditionRefused)

    def keyword(self, word: str) -> bool:
        token = self.peek()
        if token is not None and token.kind == "keyword" and token.text.upper() == word:
            self.at += 1
            return True
        return False

    def condition(self) -> Node:
        return self.joined("OR", self.conjunction)

    def conjunction(self) -> Node:
        return self.joined("AND", self.negation)

    def joined(self, word: str, part: Callable[[], Node]) -> Node:
        left = part()
        while self.keyword(word):
            right = part()
            if not right.conditional:
                raise self.unexpected()
            left = Node(word, (left, right))
        return left

    def negation(self) -> Node:
        if not self.keyword("NOT"):
            return self.relation()
        inner = self.relation()
        if not inner.conditional:
            raise self.unexpected()
        return Node("NOT", (inner,))

    def relation(self) -> Node:
        left = self.group(self.condition) if self.peek_kind("(") else self.operand()
        if left.condition:
            return left
        token = self.peek()
        if token is not None and token.kind in COMPARATORS:
            self.at += 1
            return Node(token.kind, (left, self.operand()))
        if self.keyword("BETWEEN"):
            low = self.operand()
            if not self.keyword("AND"):
                raise self.unexpected()
            return Node("BETWEEN", (left, low, self.operand()))
        if self.keyword("IN"):
            self.expect("(")
            return Node("IN", (left, *self.operands()))
        if left.bare.kind == "call" or (self.depth and self.peek_kind(")")):
            return left  # a condition function, or an operand in parentheses
        raise self.unexpected()

    def operand(self) -> Node:
        token = self.peek()
        if token is None:
            raise self.unexpected()
        if token.kind == "value":
            self.at += 1
            return Node("value", name=token.text)
        if token.kind == "(":
            return self.group(self.operand)
        following = self.peek(1)
        if token.kind == "name" and following is not None and following.kind == "(":
            self.enter()  # calls nest like parentheses
            self.at += 2
            found = Node("call", self.operands(), name=token.text)
            self.depth -= 1
            return found
        return Node("path", path=self.path())

    def operands(self) -> tuple[Node, ...]:
        """Operands separated by commas, to the closing parenthesis (the opening one read)."""
        found = [self.operand()]
        while self.accept(","):
            found.append(self.operand())
        self.expect(")")
        return tuple(found)

    def group(self, inner: Callable[[], Node]) -> Node:
        self.enter()
        self.at += 1
        found = inner()
        self.expect(")")
        self.depth -= 1
        return Node("group", (found,))

    def peek_kind(self, kind: str) -> bool:
        token = self.peek()
        return token is not None and token.kind == kind


def clauses(node: Node) -> Iterator[Node]:
    """The comparisons and functions AND, OR and NOT join, in the order written."""
    node = node.bare
    if node.kind in ("AND", "OR", "NOT"):
        for part in node.parts:
            yield from clauses(part)
    else:
        yield node


class Reading:
    """The checks after the syntax, and the tree with names and values substituted."""

    def __init__(self, reader: _Reader, tree: Node, names: dict[str, str],
                 values: dict[str, Any]) -> None:
        self.reader = reader
        self.tree = tree
        self.names = names
        self.values = values

    def refuse(self, detail: str) -> Exception:
        return self.reader.refuse(detail)

    def check(self, operands: bool, bounds: bool) -> None:
        tree = self.tree
        nodes = list(tree.walk())
        if any(n.kind == "group" and n.parts[0].kind == "group" for n in nodes):
            raise self.refuse(REDUNDANT)
        for node in nodes:
            if node.kind == "call" and node.name not in FUNCTIONS:
                raise self.refuse(UNKNOWN_FUNCTION.format(node.name))
        self.check_uses(tree, as_condition=True)
        self.reader.check_reserved()
        for clause in clauses(tree):  # the first clause in the text with a problem
            found = list(clause.walk())
            for node in found:
                if node.kind == "path":
                    self.steps(node.path)
                elif node.kind == "value":
                    self.value(node.name)
            checks = (self.check_count, self.check_distinct, self.check_kinds) + \
                ((self.check_bounds,) if bounds else ())
            for check in checks:
                for node in found if operands else ():
                    check(node)

    def check_uses(self, node: Node, as_condition: bool) -> None:
        """size() only as an operand, the other functions only as conditions."""
        node = node.bare
        if node.kind == "call" and (node.name == "size") == as_condition:
            raise self.refuse(MISUSED.format(node.name))
        operands = node.kind in (*COMPARATORS, "BETWEEN", "IN", "call")
        for part in node.parts:
            self.check_uses(part, as_condition=not operands)

    def check_count(self, node: Node) -> None:
        if node.kind == "call" and len(node.parts) != FUNCTIONS[node.name]:
            raise self.refuse(OPERAND_COUNT.format(node.name, len(node.parts)))
        if node.kind == "IN" and len(node.parts) - 1 > MAX_IN:
            raise self.refuse(TOO_MANY_IN.format(len(node.parts) - 1))

    def check_distinct(self, node: Node) -> None:
        if node.kind not in (*COMPARATORS, "call") or len(node.parts) != 2:
            return
        first, second = (part.bare for part in node.parts)
        if first.kind == second.kind == "path" and \
                self.steps(first.path) == self.steps(second.path):
            shown = ", ".join(f"[{s}]" if isinstance(s, int) else s
                              for s in self.steps(first.path))
            raise self.refuse(NOT_DISTINCT.format(node.name or node.kind, f"[{shown}]"))

    def check_kinds(self, node: Node) -> None:
        if node.kind in ORDERING:
            for part in node.parts:  # only a value's type is known before the item
                kind = self.type_of(part) if part.bare.kind == "value" else None
                if kind is not None and kind not in ORDERED:
                    raise self.refuse(OPERAND_TYPE.format(node.kind, kind))
        if node.kind != "call":
            return
        first = node.parts[0].bare
        if node.name in PATH_FIRST and first.kind != "path":
            raise self.refuse(NEEDS_PATH.format(node.name))
        if node.name == "size":
            kind = self.type_of(first) if first.kind != "path" else None
            if kind in UNSIZED:
                raise self.refuse(OPERAND_TYPE.format(node.name, kind))
        if node.name == "begins_with":
            for part in node.parts:
                kind = self.type_of(part)
                if kind not in (None, "S", "B"):
                    raise self.refuse(OPERAND_TYPE.format(node.name, kind))
        if node.name == "attribute_type":
            kind = self.type_of(node.parts[1])
            if kind != "S":
                raise self.refuse(OPERAND_TYPE.format(node.name, kind or ANY_TYPE))
            named = self.value(node.parts[1].bare.name)["S"]
            if named not in TYPES:
                raise self.refuse(TYPE_NAME.format(named))

    def check_bounds(self, node: Node) -> None:
        """BETWEEN's two values of one type, the lower first."""
        if node.kind != "BETWEEN":
            return
        low, high = (part.bare for part in node.parts[1:])
        if low.kind != "value" or high.kind != "value":
            return
        low_value, high_value = self.value(low.name), self.value(high.name)
        if next(iter(low_value)) != next(iter(high_value)):
            raise self.refuse(MIXED_BOUNDS.format(described(low_value), described(high_value)))
        if documents.compare(low_value, high_value) == 1:
            raise self.refuse(BOUNDS_ORDER.format(described(low_value),
                                                  described(high_value)))

    def type_of(self, node: Node) -> str | None:
        """An operand's type where the text tells it (a value's, size()'s N); None for a
        path."""
        node = node.bare
        if node.kind == "call":
            return "N"
        return next(iter(self.value(node.name)), None) if node.kind == "value" else None

    # -- the tree -------------------------------------------------------------------------

    def steps(self, path: Path) -> tuple[str | int, ...]:
        found: list[str | int] = []
        for element in path:
            if isinstance(element, str) and element.startswith("#"):
                if element not in self.names:
                    raise self.refuse(NAME_NOT_DEFINED.format(element))
                element = self.names[element]
            found.append(element)
        return tuple(found)

    def value(self, name: str) -> Any:
        if name not in self.values:
            raise self.refuse(VALUE_NOT_DEFINED.format(name))
        return self.values[name]

    def condition(self, node: Node) -> conditions.Condition:
        node = node.bare
        kind, parts = node.kind, node.parts
        if kind in COMPARATORS:
            return conditions.Compare(kind, self.operand(parts[0]), self.operand(parts[1]))
        if kind == "AND":
            return conditions.And(self.condition(parts[0]), self.condition(parts[1]))
        if kind == "OR":
            return conditions.Or(self.condition(parts[0]), self.condition(parts[1]))
        if kind == "NOT":
            return conditions.Not(self.condition(parts[0]))
        if kind == "BETWEEN":
            low, high = self.operand(parts[1]), self.operand(parts[2])
            return conditions.Between(self.operand(parts[0]), low, high)
        if kind == "IN":
            return conditions.In(self.operand(parts[0]),
                                 tuple(self.operand(p) for p in parts[1:]))
        return self.function(node.name, [self.operand(p) for p in parts])

    @staticmethod
    def function(name: str, operands: list[conditions.Operand]) -> conditions.Condition:
        if name == "attribute_exists":
            return conditions.Exists(operands[0])
        if name == "attribute_not_exists":
            return conditions.Not(conditions.Exists(operands[0]))
        if name == "attribute_type":
            return conditions.TypeIs(operands[0], operands[1])
        if name == "begins_with":
            return conditions.BeginsWith(operands[0], operands[1])
        return conditions.Contains(operands[0], operands[1])

    def operand(self, node: Node) -> conditions.Operand:
        node = node.bare
        if node.kind == "path":
            return conditions.Path(self.steps(node.path))
        if node.kind == "value":
            return conditions.Literal(self.value(node.name))
        return conditions.Size(self.operand(node.parts[0]))

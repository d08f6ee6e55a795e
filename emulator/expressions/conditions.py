"""Condition and filter expressions evaluated on an item held as DynamoDB JSON.

A condition is a small tree of the classes below (condition_grammar.py reads one from the
expression's text); `holds(condition, item)` says whether it is true of an
item (`{}` when there is none). The rules are DynamoDB's, for item attributes:
- `=` needs both sides present, of one type and equal; `<>` is its negation (so a missing
  attribute is `<>` anything);
- `<`, `<=`, `>`, `>=` and BETWEEN compare numbers, strings or binaries of one type; any other
  pair is false, never an error;
- `size()` of a missing value, or of one without a size (N, BOOL, NULL), is no number, so a
  comparison with it is false;
- begins_with takes a string and a string or a binary and a binary; contains a substring,
  a set's member or a list's element;
- NOT, AND and OR as the parser grouped them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ddbkit.emulator.expressions import documents
from ddbkit.emulator.expressions.documents import Value

Item = Mapping[str, Any]  # an item's attributes as DynamoDB JSON


class Operand:
    """Something a condition compares: a document path, a value, size()."""

    def value(self, item: Item) -> Value | None:
        raise NotImplementedError


class Condition:
    def holds(self, item: Item) -> bool:
        raise NotImplementedError


def holds(condition: Condition | None, item: Item | None) -> bool:
    """Whether the condition is true of the item (None: no item); no condition always is."""
    return condition is None or condition.holds({} if item is None else item)


# -- operands -------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Path(Operand):
    steps: tuple[str | int, ...]  # `a.b[1]` is ("a", "b", 1)

    def value(self, item: Item) -> Value | None:
        if len(self.steps) == 1:  # most paths: a top-level attribute
            return item.get(self.steps[0]) if isinstance(self.steps[0], str) else None
        return documents.at(item, self.steps)


@dataclass(frozen=True, slots=True)
class Literal(Operand):
    given: Value  # an ExpressionAttributeValue

    def value(self, item: Item) -> Value | None:
        return self.given


@dataclass(frozen=True, slots=True)
class Size(Operand):
    of: Operand

    def value(self, item: Item) -> Value | None:
        found = documents.size(self.of.value(item))
        return None if found is None else {"N": str(found)}


# -- conditions -----------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Always(Condition):
    """An empty condition (a legacy Expected with no entries)."""

    def holds(self, item: Item) -> bool:
        return True


@dataclass(frozen=True, slots=True)
class Not(Condition):
    of: Condition

    def holds(self, item: Item) -> bool:
        return not self.of.holds(item)


@dataclass(frozen=True, slots=True)
class And(Condition):
    left: Condition
    right: Condition

    def holds(self, item: Item) -> bool:
        return self.left.holds(item) and self.right.holds(item)


@dataclass(frozen=True, slots=True)
class Or(Condition):
    left: Condition
    right: Condition

    def holds(self, item: Item) -> bool:
        return self.left.holds(item) or self.right.holds(item)


# What each ordering comparator accepts of documents.compare's answer.
ORDERINGS: dict[str, frozenset[int]] = {
    "<": frozenset({-1}), "<=": frozenset({-1, 0}), ">": frozenset({1}),
    ">=": frozenset({0, 1})}
COMPARATORS = frozenset({"=", "<>", *ORDERINGS})


@dataclass(frozen=True, slots=True)
class Compare(Condition):
    comparator: str  # one of COMPARATORS
    left: Operand
    right: Operand
    accepts: frozenset[int] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.comparator not in COMPARATORS:
            raise ValueError(f"not a comparator: {self.comparator}")
        object.__setattr__(self, "accepts", ORDERINGS.get(self.comparator))

    def holds(self, item: Item) -> bool:
        left, right = self.left.value(item), self.right.value(item)
        if self.accepts is not None:
            return documents.compare(left, right) in self.accepts
        return documents.equal(left, right) is (self.comparator == "=")


@dataclass(frozen=True, slots=True)
class Between(Condition):
    of: Operand
    low: Operand
    high: Operand

    def holds(self, item: Item) -> bool:
        return documents.between(self.of.value(item), self.low.value(item),
                                 self.high.value(item))


@dataclass(frozen=True, slots=True)
class In(Condition):
    of: Operand
    choices: tuple[Operand, ...]

    def holds(self, item: Item) -> bool:
        value = self.of.value(item)
        return any(documents.equal(value, choice.value(item)) for choice in self.choices)


@dataclass(frozen=True, slots=True)
class Exists(Condition):
    """attribute_exists; attribute_not_exists is Not(Exists)."""

    of: Operand

    def holds(self, item: Item) -> bool:
        return self.of.value(item) is not None


@dataclass(frozen=True, slots=True)
class TypeIs(Condition):
    """attribute_type(path, :type), the type named by a string value (S, N, SS, M, ...)."""

    of: Operand
    type_name: Operand

    def holds(self, item: Item) -> bool:
        value, name = self.of.value(item), self.type_name.value(item)
        return value is not None and name is not None and documents.kind(name) == "S" and \
            documents.kind(value) == documents.inner(name)


@dataclass(frozen=True, slots=True)
class BeginsWith(Condition):
    of: Operand
    prefix: Operand

    def holds(self, item: Item) -> bool:
        return documents.begins_with(self.of.value(item), self.prefix.value(item))


@dataclass(frozen=True, slots=True)
class Contains(Condition):
    of: Operand
    part: Operand

    def holds(self, item: Item) -> bool:
        return documents.contains(self.of.value(item), self.part.value(item))

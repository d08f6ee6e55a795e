"""A Query's KeyConditionExpression: read by the condition grammar (condition_grammar.py),
then held against the key schema of the table or index it queries.

`read` needs no table, so its refusals come before the table is looked up (as DynamoDB's
do): the syntax and the grammar's checks, clause by clause in the order written (among them
an ordering comparison or BETWEEN with an operand no key could hold: "Incorrect operand type
for operator or function; operator or function: <, operand type: BOOL"); then an operator a
key condition cannot have (OR, NOT, IN, `<>`, a function but begins_with: "Invalid operator
used in KeyConditionExpression: OR", which the request rules already refuse by name); then
each clause must name one key attribute and values (`:v >= sk` is `sk <= :v`).

`against` holds the clauses against the schema: one condition per key, no more conditions
than key attributes, every HASH key with `=` (a GSI's multi-attribute key: up to 4), RANGE
keys from the first on with only the last one compared by other than `=`, no empty string
or binary, and a BETWEEN's bounds in order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ddbkit.emulator.expressions.condition_grammar import (
    BOUNDS_ORDER,
    ConditionRefused,
    Node,
    Reading,
    clauses,
    described,
    read,
)
from ddbkit.emulator.store.item import Key

__all__ = ["Clause", "against", "read_clauses"]

MEMBER = "KeyConditionExpression"
INVALID = f"Invalid {MEMBER}: "
FLIPPED = {"=": "=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
INVALID_OPERATOR = "Invalid operator used in KeyConditionExpression: {}"
TWO_NAMES = ("Invalid condition in KeyConditionExpression: Multiple attribute names used in "
             "one condition")
NO_NAME = "Invalid condition in KeyConditionExpression: No key attribute specified"
ONE_PER_KEY = INVALID + "KeyConditionExpressions must only contain one condition per key"
TOO_MANY = ("The number of query conditions ({}) exceeds the number of key attributes defined "
            "in the schema ({})")
MISSED = "Query condition missed key schema element: {}"
NOT_SUPPORTED = "Query key condition not supported"
SKIPPED = ("RANGE key attributes {} must have equality conditions specified in the query "
           "because a condition is present on key attribute {}")
EMPTY = ("One or more parameter values are not valid. The AttributeValue for a key attribute "
         "cannot contain an empty {} value. Key: {}")
REVERSED = INVALID + BOUNDS_ORDER

HashConditions = list[tuple[str, Any]]
RangeConditions = list[tuple[str, str, list[Any]]]


@dataclass(frozen=True, slots=True)
class Clause:
    name: str  # the key attribute, names substituted
    operator: str  # "=", "<", ..., "BETWEEN" or "BEGINS_WITH"
    values: list[Any]


def read_clauses(expression: str, names: dict[str, str] | None,
                 values: dict[str, Any] | None) -> list[Clause]:
    """The expression's clauses, in the order written; ConditionRefused in DynamoDB's
    words."""
    reading = read(expression, names, values, MEMBER, bounds=False)
    _check_operator(reading.tree)
    return [_clause(reading, node) for node in clauses(reading.tree)]


def _check_operator(tree: Node) -> None:
    for node in tree.walk():
        operator = node.kind if node.kind in ("OR", "NOT", "IN", "<>") else \
            node.name if node.kind == "call" and node.name != "begins_with" else None
        if operator is not None:
            raise ConditionRefused(INVALID_OPERATOR.format(operator))


def _clause(reading: Reading, node: Node) -> Clause:
    operator = "BEGINS_WITH" if node.kind == "call" else node.kind
    parts = [part.bare for part in node.parts]
    paths = [i for i, part in enumerate(parts) if part.kind == "path"]
    if len(paths) > 1:
        raise ConditionRefused(TWO_NAMES)
    if not paths or (paths[0] != 0 and operator not in FLIPPED):
        raise ConditionRefused(NO_NAME)
    if paths[0] != 0:
        operator = FLIPPED[operator]
        parts.reverse()
    steps = reading.steps(parts[0].path)
    name = ".".join(str(step) for step in steps)
    return Clause(name, operator, [reading.value(part.name) for part in parts[1:]])


def against(found: list[Clause],
            schema: list[dict[str, str]]) -> tuple[HashConditions, RangeConditions]:
    """(hash conditions [(name, value)], range conditions [(name, operator, values)]) of the
    clauses on this key schema, or ConditionRefused in DynamoDB's words."""
    by_name: dict[str, Clause] = {}
    for clause in found:
        if clause.name in by_name:
            raise ConditionRefused(ONE_PER_KEY)
        by_name[clause.name] = clause
    if len(found) > len(schema):
        raise ConditionRefused(TOO_MANY.format(len(found), len(schema)))
    hashes = [k["AttributeName"] for k in schema if k["KeyType"] == "HASH"]
    ranges = [k["AttributeName"] for k in schema if k["KeyType"] == "RANGE"]
    hash_conditions: HashConditions = []
    for name in hashes:
        on_key = by_name.get(name)
        if on_key is None:
            raise ConditionRefused(MISSED.format(name))
        if on_key.operator != "=":
            raise ConditionRefused(NOT_SUPPORTED)
        _not_empty(on_key)
        hash_conditions.append((name, on_key.values[0]))
    if set(by_name) - set(hashes) - set(ranges):
        missing = [name for name in ranges if name not in by_name]
        raise ConditionRefused(MISSED.format(missing[0]) if missing else NOT_SUPPORTED)
    return hash_conditions, _range_conditions(by_name, ranges)


def _range_conditions(by_name: dict[str, Clause], ranges: list[str]) -> RangeConditions:
    """The RANGE keys named, from the first on; all but the last compared with `=` (a
    multi-attribute key's: DynamoDB names the first attribute named after one that is
    not, and those before it that are not)."""
    named = [name for name in ranges if name in by_name]
    for name in named:
        before = ranges[:ranges.index(name)]
        lacking = [n for n in before if n not in by_name or by_name[n].operator != "="]
        if lacking:
            raise ConditionRefused(SKIPPED.format(", ".join(lacking), name))
    found: RangeConditions = []
    for name in named:
        clause = by_name[name]
        _not_empty(clause)
        if clause.operator == "BETWEEN":
            _bounds_in_order(clause.values)
        found.append((name, clause.operator, clause.values))
    return found


def _not_empty(clause: Clause) -> None:
    for value in clause.values:
        kind, inner = next(iter(value.items()), (None, None))
        if kind in ("S", "B") and inner in ("", b""):
            raise ConditionRefused(EMPTY.format("string" if kind == "S" else "binary",
                                                clause.name))


def _bounds_in_order(values: list[Any]) -> None:
    try:
        low, high = Key(values[0]), Key(values[1])
    except (ValueError, TypeError, AttributeError):
        return  # a bound no key can hold: the schema type check refuses it
    if low.type == high.type and high < low:
        raise ConditionRefused(REVERSED.format(described(values[0]), described(values[1])))

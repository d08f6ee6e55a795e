"""The checks of an UpdateExpression that need no item, made before DynamoDB reads one.

- each clause (SET, REMOVE, ADD, DELETE) at most once;
- no two paths written overlapping (one the other's prefix, `#names` replaced) or
  conflicting (one uses as a list what the other uses as a map);
- no table key attribute written (a key may be read: `SET twin = pk` is fine);
- each `:value` of a type its operator takes: ADD a number or a set, DELETE a set,
  list_append lists, + and - numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ddbkit.emulator.expressions.path_clashes import first_clash
from ddbkit.emulator.expressions.update_paths import UpdateRefused
from ddbkit.emulator.expressions.update_plan import (
    Arithmetic,
    Element,
    Function,
    Operand,
    Path,
    Plan,
    ValueOperand,
)
from ddbkit.emulator.expressions.update_values import SETS

INVALID = "Invalid UpdateExpression: "
TWICE = INVALID + 'The "{}" section can only be used once in an update expression;'
KEY_UPDATED = ("One or more parameter values were invalid: Cannot update attribute {}. "
               "This attribute is part of the key")
NAME_NOT_DEFINED = (INVALID + "An expression attribute name used in the document path is not "
                    "defined; attribute name: {}")
VALUE_NOT_DEFINED = (INVALID + "An expression attribute value used in expression is not "
                     "defined; attribute value: {}")
OPERAND_TYPE = (INVALID + "Incorrect operand type for operator or function; operator or "
                "function: {}, operand type: {}")
CLAUSE_OPERAND_TYPE = (INVALID + "Incorrect operand type for operator or function; operator: "
                       "{0}, operand type: {1}, typeSet: ALLOWED_FOR_{0}_OPERAND")
# DynamoDB's names for a type in ADD's and DELETE's refusals.
TYPE_WORDS = {"S": "STRING", "N": "NUMBER", "B": "BINARY", "BOOL": "BOOLEAN", "NULL": "NULL",
              "M": "MAP", "L": "LIST"}


def resolved(path: Path, names: Mapping[str, str]) -> Path:
    """`path` with its `#name` placeholders replaced by the names they stand for."""
    if not any(type(e) is str and e[0] == "#" for e in path):
        return path
    out: list[Element] = []
    for element in path:
        if type(element) is str and element[0] == "#":
            if element not in names:
                raise UpdateRefused(NAME_NOT_DEFINED.format(element))
            element = names[element]
        out.append(element)
    return tuple(out)


def value_of(placeholder: str, values: Mapping[str, dict[str, Any]]) -> dict[str, Any]:
    try:
        return values[placeholder]
    except KeyError:
        raise UpdateRefused(VALUE_NOT_DEFINED.format(placeholder)) from None


def check_actions(plan: Plan, names: Mapping[str, str], table_keys: Sequence[str]) -> None:
    """Clauses once each, no overlapping or conflicting paths, no table key written."""
    seen: set[str] = set()
    for clause in plan.clauses:
        if clause in seen:
            raise UpdateRefused(TWICE.format(clause))
        seen.add(clause)
    paths = [resolved(path, names) for path in plan.targets()]
    clash = first_clash(paths)
    if clash is not None:
        raise UpdateRefused(INVALID + clash)
    for path in paths:
        if path[0] in table_keys:
            raise UpdateRefused(KEY_UPDATED.format(path[0]))


def check_operands(plan: Plan, values: Mapping[str, dict[str, Any]]) -> None:
    """The operand rules that need no item: each `:value` of a type its operator takes."""
    for action in plan.actions:
        operand = action.operand
        if action.kind in ("ADD", "DELETE") and isinstance(operand, ValueOperand):
            kind = next(iter(value_of(operand.placeholder, values)))
            if kind not in SETS and (action.kind == "DELETE" or kind != "N"):
                raise UpdateRefused(CLAUSE_OPERAND_TYPE.format(action.kind,
                                                               TYPE_WORDS.get(kind, kind)))
        elif operand is not None:
            _check_operand(operand, values)


def _check_operand(operand: Operand, values: Mapping[str, dict[str, Any]]) -> None:
    if isinstance(operand, Function):
        wanted = "L" if operand.name == "list_append" else None
        for argument in operand.arguments:
            _check_typed(operand.name, wanted, argument, values)
    elif isinstance(operand, Arithmetic):
        for argument in (operand.left, operand.right):
            _check_typed(operand.operator, "N", argument, values)


def _check_typed(operator: str, wanted: str | None, operand: Operand,
                 values: Mapping[str, dict[str, Any]]) -> None:
    if isinstance(operand, ValueOperand):
        kind = next(iter(value_of(operand.placeholder, values)))
        if wanted is not None and kind != wanted:
            raise UpdateRefused(OPERAND_TYPE.format(operator, kind))
    else:
        _check_operand(operand, values)

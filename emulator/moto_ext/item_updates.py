"""What ddbkit's UpdateItem (operations/updates.py) calls in moto to read an UpdateExpression.

Calls only: moto's UpdateExpression parser (syntax errors in DynamoDB's words). The parse
tree is read once into ddbkit's own plan (expressions/update_plan.py), which
expressions/update_checks.py checks and expressions/updates.py applies to the item as
DynamoDB JSON. Refusals are moto's exceptions,
turned into `OperationError`s by the caller's `calls.moto_refusals()`.
"""

from __future__ import annotations

import functools
from typing import Any

from moto.dynamodb.exceptions import AttributeIsReservedKeyword
from moto.dynamodb.parsing.ast_nodes import (  # type: ignore[attr-defined]
    ExpressionAttribute,
    ExpressionAttributeName,
    ExpressionAttributeValue,
    ExpressionPathDescender,
    ExpressionSelector,
    UpdateExpressionAddAction,
    UpdateExpressionAddClause,
    UpdateExpressionDeleteAction,
    UpdateExpressionDeleteClause,
    UpdateExpressionFunction,
    UpdateExpressionGroupedValue,
    UpdateExpressionPath,
    UpdateExpressionRemoveAction,
    UpdateExpressionRemoveClause,
    UpdateExpressionSetAction,
    UpdateExpressionSetClause,
    UpdateExpressionValue,
)
from moto.dynamodb.parsing.expressions import (  # type: ignore[attr-defined]
    UpdateExpressionParser,
)

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
from ddbkit.emulator.moto_ext.expression_syntax import reserved_words

__all__ = ["parse_update"]

_KINDS = {UpdateExpressionSetAction: "SET", UpdateExpressionRemoveAction: "REMOVE",
          UpdateExpressionAddAction: "ADD", UpdateExpressionDeleteAction: "DELETE"}
_CLAUSES = {UpdateExpressionSetClause: "SET", UpdateExpressionRemoveClause: "REMOVE",
            UpdateExpressionAddClause: "ADD", UpdateExpressionDeleteClause: "DELETE"}


@functools.lru_cache(maxsize=512)
def parse_update(expression: str) -> Plan:
    """ddbkit's plan of the UpdateExpression, read from moto's parse of it; syntax errors
    and reserved words used as names are refusals. Remembered by its text (a load repeats a
    few expressions): a plan is immutable."""
    tree = UpdateExpressionParser.make(expression)
    actions = tuple(_action(node) for node in tree.find_clauses(list(_KINDS)))
    clauses = tuple(_CLAUSES[type(node)] for node in tree.find_clauses(list(_CLAUSES)))
    return Plan(actions, clauses)


def _action(node: Any) -> Action:
    kind = _KINDS[type(node)]
    operand = None if kind == "REMOVE" else _operand(node.children[1])
    return Action(kind, _path(node.children[0]), operand)


def _path(node: Any) -> Path:
    elements: list[Element] = []
    for child in node.children:
        if isinstance(child, ExpressionAttribute):
            name = child.get_attribute_name()
            if name.upper() in _reserved():
                raise AttributeIsReservedKeyword(name)
            elements.append(name)
        elif isinstance(child, ExpressionAttributeName):
            elements.append(child.get_attribute_name_placeholder())
        elif isinstance(child, ExpressionSelector):
            elements.append(child.get_index())
        elif not isinstance(child, ExpressionPathDescender):
            raise TypeError(f"unexpected path element {type(child).__name__}")
    return tuple(elements)


def _operand(node: Any) -> Operand:
    if isinstance(node, (UpdateExpressionValue, UpdateExpressionGroupedValue)):
        if len(node.children) == 3:
            return Arithmetic(node.children[1].get_operator(), _operand(node.children[0]),
                              _operand(node.children[2]))
        return _operand(node.children[0])
    if isinstance(node, ExpressionAttributeValue):
        return ValueOperand(node.get_value_name())
    if isinstance(node, UpdateExpressionPath):
        return PathOperand(_path(node))
    if isinstance(node, UpdateExpressionFunction):
        return Function(node.get_function_name(),
                        tuple(_operand(child) for child in node.children[1:]))
    raise TypeError(f"unexpected operand {type(node).__name__}")


_reserved = functools.lru_cache(maxsize=1)(reserved_words)

"""Condition and filter expressions read by moto's parser, as ddbkit's own condition tree.

moto's `comparisons` parses the text (names and values substituted, precedence and
parentheses applied) into objects whose fields this reads once, building
`expressions.conditions`' tree; ddbkit evaluates that tree on items itself. moto reports a
malformed expression with a bare ValueError, and a BETWEEN with a NULL bound with
`IncorrectOperandType` (a ValueError too); neither is an AWS error, so they are answered here
in DynamoDB's words ("Invalid ConditionExpression: Syntax error; ...", "ComparisonOperator
BETWEEN is not valid for NULL AttributeValue type" for the legacy Expected).
"""

from __future__ import annotations

from typing import Any

from moto.dynamodb import comparisons
from moto.dynamodb.exceptions import InvalidConditionExpression, MockValidationException

from ddbkit.emulator.expressions import conditions
from ddbkit.emulator.moto_ext.store import MotoShapeError

COMPARATORS: dict[type, str] = {
    comparisons.OpEqual: "=", comparisons.OpNotEqual: "<>", comparisons.OpLessThan: "<",
    comparisons.OpLessThanOrEqual: "<=", comparisons.OpGreaterThan: ">",
    comparisons.OpGreaterThanOrEqual: ">="}
LEGACY_REFUSED = ("One or more parameter values were invalid: ComparisonOperator {operator} "
                  "is not valid for {kind} AttributeValue type")


def parse(expression: str, names: dict[str, Any] | None,
          values: dict[str, Any] | None) -> conditions.Condition:
    """A ConditionExpression or FilterExpression (values with binary as bytes) as ddbkit's
    condition; a malformed one is an InvalidConditionExpression."""
    try:
        parsed = comparisons.get_filter_expression(expression, names, values)
    except comparisons.IncorrectOperandType as exc:
        raise InvalidConditionExpression(str(exc)) from exc
    except ValueError as exc:  # moto's parser reports a syntax error this way
        raise InvalidConditionExpression(f"Syntax error; {exc}") from exc
    return condition(parsed)


def expected(legacy: dict[str, Any]) -> conditions.Condition:
    """A legacy Expected (entries joined with AND, as moto reads them) as ddbkit's condition."""
    try:
        parsed = comparisons.get_expected(legacy)
    except comparisons.IncorrectOperandType as exc:  # BETWEEN with a NULL bound
        detail = exc.args[0]
        raise MockValidationException(LEGACY_REFUSED.format(
            operator=detail.rpartition("function: ")[2].split(",")[0],
            kind=detail.rpartition("operand type: ")[2])) from exc
    return condition(parsed)


def condition(node: Any) -> conditions.Condition:
    """moto's parsed condition (an Op or a Func), as a tree of `conditions`' classes."""
    kind = type(node)
    if kind in COMPARATORS:
        return conditions.Compare(COMPARATORS[kind], operand(node.lhs), operand(node.rhs))
    if kind is comparisons.OpAnd:
        return conditions.And(condition(node.lhs), condition(node.rhs))
    if kind is comparisons.OpOr:
        return conditions.Or(condition(node.lhs), condition(node.rhs))
    if kind is comparisons.OpNot:
        return conditions.Not(condition(node.lhs))
    if kind is comparisons.OpDefault:
        return conditions.Always()
    if kind is comparisons.FuncAttrExists:
        return conditions.Exists(operand(node.attr))
    if kind is comparisons.FuncAttrType:
        return conditions.TypeIs(operand(node.attr), operand(node.type))
    if kind is comparisons.FuncBeginsWith:
        return conditions.BeginsWith(operand(node.attr), operand(node.substr))
    if kind is comparisons.FuncContains:
        return conditions.Contains(operand(node.attr), operand(node.operand))
    if kind is comparisons.FuncBetween:
        return conditions.Between(operand(node.attr), operand(node.start), operand(node.end))
    if kind is comparisons.FuncIn:
        return conditions.In(operand(node.attr),
                             tuple(operand(v) for v in node.possible_values))
    if isinstance(node, (comparisons.Operand, comparisons.FuncSize)):
        raise InvalidConditionExpression(f"Syntax error; Incomplete condition {node!r}")
    raise MotoShapeError(f"moto's condition parser gave an unknown node {kind.__name__}")


def operand(node: Any) -> conditions.Operand:
    kind = type(node)
    if kind is comparisons.AttributePath:
        return conditions.Path(tuple(node.path))
    if kind is comparisons.AttributeValue:
        return conditions.Literal({node.type: node.value})
    if kind is comparisons.FuncSize:
        return conditions.Size(operand(node.attr))
    if isinstance(node, (comparisons.Op, comparisons.Func)):
        raise InvalidConditionExpression(f"Syntax error; A condition is not an operand {node!r}")
    raise MotoShapeError(f"moto's condition parser gave an unknown operand {kind.__name__}")

"""Legacy conditions (Expected, KeyConditions, QueryFilter, ScanFilter, ConditionalOperator)
evaluated as the expressions they stand for.

moto reads the legacy parameters with code of its own: `comparisons.get_expected` always
joins conditions with AND (ConditionalOperator OR is ignored), its DeleteItem ignored
Expected altogether, a QueryFilter is dropped when the key condition is an
expression, and ScanFilter / QueryFilter go through a separate, older comparison table
(`models.dynamo_type.DynamoType.compare`) whose BEGINS_WITH, CONTAINS and type rules differ
from the expression evaluator's. DynamoDB defines each legacy ComparisonOperator as the
expression function or comparator of the same meaning. Here the operation's request is
rewritten before anything reads it: each legacy parameter becomes the equivalent expression
over placeholder names and values, so every condition is evaluated by one evaluator
(ddbkit's, `expressions/conditions.py`). Argument counts and mixing legacy with
expression parameters are refused earlier (`endpoint/validation`), the values' types (one
for all, one the operator takes) and BETWEEN's order here, in the legacy wording; a request
of a shape this does not recognise is passed on untouched.
"""

from __future__ import annotations

from typing import Any

from ddbkit.emulator.endpoint.rules.request_rules import INVALID, TYPE_REFUSED
from ddbkit.emulator.expressions import documents
from ddbkit.emulator.operations.call import validation_error

# The value types each operator takes (EQ and NE take any); others are refused in DynamoDB's
# words before the condition becomes an expression, whose own wording would differ.
TAKES = {"BEGINS_WITH": ("S", "B"), **{operator: ("S", "N", "B") for operator in (
    "LE", "LT", "GE", "GT", "BETWEEN", "IN", "CONTAINS", "NOT_CONTAINS")}}
MIXED = INVALID + "AttributeValues inside AttributeValueList must be of same type"
REVERSED = ("The BETWEEN condition was provided a range where the lower bound is greater than "
            "the upper bound")
BINARY = {"EQ": "=", "NE": "<>", "LE": "<=", "LT": "<", "GE": ">=", "GT": ">"}
FUNCTIONS = {"BEGINS_WITH": "begins_with", "CONTAINS": "contains"}
# PutItem, DeleteItem and UpdateItem call `rewrite` from writes.py and update_item.py; Query
# and Scan from read_requests.py.


class _Placeholders:
    """Names and values of the expressions written for one request."""

    def __init__(self, request: dict[str, Any]) -> None:
        self.names: dict[str, str] = dict(request.get("ExpressionAttributeNames") or {})
        self.values: dict[str, Any] = dict(request.get("ExpressionAttributeValues") or {})

    def name(self, attribute: str) -> str:
        placeholder = f"#ddbkit_l{len(self.names)}"
        self.names[placeholder] = attribute
        return placeholder

    def value(self, value: Any) -> str:
        placeholder = f":ddbkit_l{len(self.values)}"
        self.values[placeholder] = value
        return placeholder


def _condition(attribute: str, spec: dict[str, Any], holders: _Placeholders) -> str | None:
    """One legacy condition as an expression; None for a shape DynamoDB would refuse."""
    path = holders.name(attribute)
    if "ComparisonOperator" not in spec:  # Expected's Exists / Value form
        if spec.get("Exists") is False:
            return f"attribute_not_exists({path})"
        if "Value" in spec:
            return f"{path} = {holders.value(spec['Value'])}"
        return None
    operator = spec["ComparisonOperator"]
    given = spec["AttributeValueList"] if "AttributeValueList" in spec else \
        [spec["Value"]] if "Value" in spec else []  # Expected may give one Value instead
    _check_values(operator, given or [])
    values = [holders.value(v) for v in given or []]
    if operator == "NULL":
        return f"attribute_not_exists({path})"
    if operator == "NOT_NULL":
        return f"attribute_exists({path})"
    if operator in BINARY and len(values) == 1:
        return f"{path} {BINARY[operator]} {values[0]}"
    if operator in FUNCTIONS and len(values) == 1:
        return f"{FUNCTIONS[operator]}({path}, {values[0]})"
    if operator == "NOT_CONTAINS" and len(values) == 1:
        return f"NOT contains({path}, {values[0]})"
    if operator == "BETWEEN" and len(values) == 2:
        return f"{path} BETWEEN {values[0]} AND {values[1]}"
    if operator == "IN" and values:
        return f"{path} IN ({', '.join(values)})"
    return None


def _check_values(operator: Any, given: list[Any]) -> None:
    """One type for all the values, one the operator takes, BETWEEN's lower bound first."""
    kinds = [documents.kind(v) if isinstance(v, dict) else "" for v in given]
    if len(set(kinds)) > 1:
        raise validation_error(MIXED)
    taken = TAKES.get(str(operator), ())
    for kind in kinds if taken else ():
        if kind not in taken:
            raise validation_error(TYPE_REFUSED.format(operator=operator, kind=kind))
    if operator == "BETWEEN" and len(given) == 2 and documents.compare(*given) == 1:
        raise validation_error(REVERSED)


def _expression(conditions: Any, joiner: str, holders: _Placeholders) -> str | None:
    if not isinstance(conditions, dict) or not conditions:
        return None
    parts = []
    for attribute, spec in conditions.items():
        part = _condition(attribute, spec, holders) if isinstance(spec, dict) else None
        if part is None:
            return None
        parts.append(f"({part})")
    return f" {joiner} ".join(parts)


def rewrite(request: dict[str, Any], legacy: str, target: str) -> None:
    """Replaces the request's legacy conditions (and KeyConditions) by expressions, in place."""
    holders = _Placeholders(request)
    joiner = "OR" if request.get("ConditionalOperator") == "OR" else "AND"
    written: dict[str, str] = {}
    if legacy in request:
        expression = _expression(request[legacy], joiner, holders)
        if expression is None:
            return
        written[target] = expression
    if "KeyConditions" in request and "KeyConditionExpression" not in request:
        expression = _expression(request["KeyConditions"], "AND", holders)
        if expression is None:
            return
        written["KeyConditionExpression"] = expression
    if not written:
        return
    for name in (legacy, "KeyConditions", "ConditionalOperator"):
        request.pop(name, None)
    request.update(written)
    request["ExpressionAttributeNames"] = holders.names
    if holders.values:
        request["ExpressionAttributeValues"] = holders.values

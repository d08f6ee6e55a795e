"""KeyConditionExpressions DynamoDB refuses, refused with its errors instead of crashing.

`parse` calls `moto.dynamodb.parsing.key_condition_expression.parse_expression` (for
operations/query.py), whose tokenizer fails with AssertionError or IndexError on
operators a key condition cannot have (`OR`, `NOT`, `IN`, `<>`, condition functions other than
begins_with), answered as a generic "could not process" error, and which keeps the last of two
conditions on one key, returns nothing for a BETWEEN whose bounds are reversed and crashes on
begins_with of a number. DynamoDB
answers each with a ValidationException: "Invalid operator used in KeyConditionExpression",
"KeyConditionExpressions must only contain one condition per key", and "The BETWEEN operator
requires upper bound to be greater than or equal to lower bound", "Incorrect operand type for
operator or function". An empty binary value in a key condition (moto refuses only an empty
string) gets the answer an empty string gets, for binary.
"""

from __future__ import annotations

import re
from typing import Any

from moto.core.exceptions import JsonRESTError
from moto.dynamodb.exceptions import MockValidationException
from moto.dynamodb.parsing.key_condition_expression import parse_expression

from ddbkit.emulator.moto_ext.key_values import EMPTY, empty_binary
from ddbkit.emulator.store.item import Key

_OPERATOR = re.compile(
    r"(?<![#:\w])(OR|NOT|IN|attribute_exists|attribute_not_exists|attribute_type|contains|size)"
    r"\b|<>", re.IGNORECASE)
_AND = re.compile(r"(?<![#:\w])AND\b", re.IGNORECASE)
_BETWEEN = re.compile(r"(?<![#:\w])BETWEEN\b", re.IGNORECASE)
INVALID = "Invalid KeyConditionExpression: {detail}"


def _described(value: dict[str, Any]) -> str:
    kind, inner = next(iter(value.items()))
    return f"AttributeValue: {{{kind}:{inner}}}"


def _check_operands(conditions: list[tuple[str, str, list[Any]]]) -> None:
    for _, comparison, values in conditions:
        if comparison.lower() == "begins_with" and values and \
                next(iter(values[0])) not in ("S", "B"):
            raise MockValidationException(INVALID.format(
                detail="Incorrect operand type for operator or function; operator or function: "
                       f"begins_with, operand type: {next(iter(values[0]))}"))
        bounds = _keys(values) if comparison.upper() == "BETWEEN" else None
        if bounds is not None:
            low, high = bounds
            if low.type == high.type and high < low:
                raise MockValidationException(INVALID.format(
                    detail="The BETWEEN operator requires upper bound to be greater than or "
                           f"equal to lower bound; lower bound operand: {_described(values[0])}, "
                           f"upper bound operand: {_described(values[1])}"))


def _keys(values: list[Any]) -> tuple[Key, Key] | None:
    """A BETWEEN's bounds as ordered key values; None unless both are (others are refused
    later)."""
    if len(values) != 2:
        return None
    try:
        return Key(values[0]), Key(values[1])
    except (ValueError, TypeError, AttributeError):
        return None


def _check_not_empty(hash_conditions: list[tuple[str, Any]],
                     range_conditions: list[tuple[str, str, list[Any]]]) -> None:
    named = [(name, [value]) for name, value in hash_conditions] + \
        [(name, values) for name, _, values in range_conditions]
    for name, values in named:
        if any(empty_binary(value) for value in values):
            raise MockValidationException(EMPTY.format(kind="binary", name=name))


Conditions = tuple[list[tuple[str, Any]], list[tuple[str, str, list[Any]]]]


def parse(expression: str, names: dict[str, str], values: dict[str, Any],
          schema: list[dict[str, str]]) -> Conditions:
    """(hash conditions [(name, value)], range conditions [(name, operator, values)]) of a
    KeyConditionExpression, or DynamoDB's ValidationException."""
    text = expression if isinstance(expression, str) else ""
    found = _OPERATOR.search(text)
    if found is not None:
        operator = found.group(0)
        raise MockValidationException(
            "Invalid operator used in KeyConditionExpression: "
            f"{operator.upper() if operator.isalpha() and len(operator) <= 3 else operator}")
    try:
        hash_conditions, range_conditions, _ = parse_expression(
            key_condition_expression=expression, expression_attribute_names=names,
            expression_attribute_values=values, schema=schema)
    except JsonRESTError:
        raise
    except (AssertionError, IndexError, KeyError, ValueError, TypeError,
            AttributeError) as exc:
        raise MockValidationException(INVALID.format(
            detail=f"Syntax error; expression: {text}")) from exc
    conditions = len(_AND.split(text)) - len(_BETWEEN.findall(text))
    if conditions > len(hash_conditions) + len(range_conditions):
        raise MockValidationException(
            "KeyConditionExpressions must only contain one condition per key")
    _check_not_empty(hash_conditions, range_conditions)
    _check_operands(range_conditions)
    return hash_conditions, range_conditions

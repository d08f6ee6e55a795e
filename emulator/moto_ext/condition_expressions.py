"""Condition and filter expressions: malformed ones refused, any item evaluated without a crash.

moto's `moto.dynamodb.comparisons`
- reports a malformed expression (`NOT NOT a`, `a BETWEEN :x`, a dangling token) with a bare
  ValueError, and `BETWEEN` with a NULL bound with a ValueError subclass of its own
  (`IncorrectOperandType`), neither of which is an AWS error;
- raises ValueError from `size()` of an attribute the item does not have (building the message
  even fails with TypeError on a path like `a[1]`), where DynamoDB's condition is just false;
- compares values of different types with Python's `<`, so `a < :v` with a string against a
  number, or any comparison with a set or a map, raises TypeError; in DynamoDB such a
  comparison is false.
Here `ConditionExpressionParser.parse` turns those ValueErrors into DynamoDB's
"Invalid ConditionExpression: ..." ValidationException (and `get_expected`, the legacy
Expected's builder, its NULL BETWEEN into "ComparisonOperator BETWEEN is not valid for NULL
AttributeValue type"), `size()` of a missing or unsized value
is no number (comparisons with it are false), and the ordering comparisons and BETWEEN are
false for operands that do not compare.
"""

from __future__ import annotations

from typing import Any

import moto.dynamodb.models as models_module
import moto.dynamodb.models.table as table_module
from moto.dynamodb import comparisons
from moto.dynamodb.exceptions import InvalidConditionExpression, MockValidationException
from moto.dynamodb.models.dynamo_type import Item

from ddbkit.emulator.moto_ext.store import require

ORDERINGS = ("OpLessThan", "OpGreaterThan", "OpLessThanOrEqual", "OpGreaterThanOrEqual",
             "FuncBetween")
USERS_OF_GET_EXPECTED = (comparisons, table_module, models_module)
SIZED = frozenset({"S", "SS", "NS", "B", "BS", "L", "M"})


def _wrap_parse(original: Any) -> Any:
    def parse(self: Any) -> Any:
        try:
            return original(self)
        except comparisons.IncorrectOperandType as exc:
            raise InvalidConditionExpression(str(exc)) from exc
        except ValueError as exc:  # moto's parser reports a syntax error this way
            raise InvalidConditionExpression(f"Syntax error; {exc}") from exc

    return parse


def _wrap_get_expected(original: Any) -> Any:
    def get_expected(expected: Any) -> Any:
        try:
            return original(expected)
        except comparisons.IncorrectOperandType as exc:  # BETWEEN with a NULL bound
            raise MockValidationException(
                f"One or more parameter values were invalid: ComparisonOperator "
                f"{exc.args[0].rpartition('function: ')[2].split(',')[0]} is not valid for "
                f"{exc.args[0].rpartition('operand type: ')[2]} AttributeValue type") from exc

    return get_expected


def _size(self: Any, item: Item | None) -> int | None:
    """The length of a string, binary, set, list or map; None (no number) otherwise."""
    if self.attr.get_type(item) not in SIZED:
        return None
    return len(self.attr.expr(item))


def _false_when_incomparable(original: Any) -> Any:
    def expr(self: Any, item: Item | None) -> bool:
        try:
            return bool(original(self, item))
        except TypeError:  # operands of types that do not order: DynamoDB says false
            return False

    return expr


def install() -> None:
    require(comparisons, "ConditionExpressionParser", "FuncSize", "IncorrectOperandType",
            *ORDERINGS)
    require(comparisons.ConditionExpressionParser, "parse")
    parser: Any = comparisons.ConditionExpressionParser
    parser.parse = _wrap_parse(parser.parse)
    get_expected = _wrap_get_expected(comparisons.get_expected)
    for module in USERS_OF_GET_EXPECTED:  # each imported the function by name
        require(module, "get_expected")
        module_any: Any = module
        module_any.get_expected = get_expected
    size: Any = comparisons.FuncSize
    size.expr = _size
    for name in ORDERINGS:
        cls: Any = getattr(comparisons, name)
        cls.expr = _false_when_incomparable(cls.expr)

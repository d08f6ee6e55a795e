"""DynamoDB's rules for attribute values, as data, with DynamoDB's wording.

botocore's model says only which JSON type each member of an AttributeValue has. DynamoDB also
refuses, before it looks at any table (wording as DynamoDB answers, recorded in dynalite's
test suite and in the Parity Suite):
- a value with no data type (`{}`) or with several (`{"S": "a", "N": "1"}`);
- a number that is not one, or beyond DynamoDB's range (38 significant digits, magnitude
  1E-130 to 9.99E+125);
- an empty set, a set with duplicates, NULL other than true (an empty string or binary is a
  set member like any other: DynamoDB's developer guide, "Data types", sets);
- a binary value that is not base64 (a SerializationException: it fails to deserialize);
- values nested more than 32 levels deep (a map or list counts one level, as does the value
  at the bottom): https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html

moto checks a few of these on a few paths and crashes on the rest (StopIteration on `{}`,
a decimal error on `"N": "1e"`, unhashable sets, RecursionError 250 levels down), so
validation.py applies these rules to every attribute value of every request.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

MAX_NESTING_LEVELS = 32
MAX_SIGNIFICANT_DIGITS = 38
MAX_EXPONENT = 125  # 9.9999999999999999999999999999999999999E+125
MIN_EXPONENT = -130  # 1E-130

INVALID = "One or more parameter values were invalid: "
EMPTY = "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
SEVERAL = ("Supplied AttributeValue has more than one datatypes set, must contain exactly one "
           "of the supported datatypes")
NESTING = ("Nesting Levels have exceeded supported limits: Attributes in the item have nested "
           "levels beyond supported limit")
NULL_NOT_TRUE = INVALID + "Null attribute value types must have the value of true"
NOT_A_NUMBER = "The parameter cannot be converted to a numeric value"
OVERFLOW = ("Number overflow. Attempting to store a number with magnitude larger than "
            "supported range")
UNDERFLOW = ("Number underflow. Attempting to store a number with magnitude smaller than "
             "supported range")
TOO_PRECISE = "Attempting to store more than 38 significant digits in a Number"
EMPTY_SET = {"SS": INVALID + "An string set  may not be empty",
             "NS": INVALID + "An number set  may not be empty",
             "BS": INVALID + "Binary sets should not be empty"}
DUPLICATES = {"SS": INVALID + "Input collection [{values}] contains duplicates.",
              "NS": "Input collection contains duplicates",
              "BS": INVALID + "Input collection [{values}]of type BS contains duplicates."}
# The current layer quotes a set's members (in byte order up to the first repeat, then the
# repeat, then the rest as sent) and names no number set's members.
CURRENT_DUPLICATES = {"SS": INVALID + "Input collection [{values}] contains duplicates.",
                      "NS": INVALID + "Input collection contains duplicates.",
                      "BS": INVALID + "Input collection [{values}]of type BS contains duplicates."}
INT32 = 2**32
DATA_TYPES = frozenset({"S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL", "BOOL"})

_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
_PLAIN_INTEGER = re.compile(r"-?[1-9]\d{0,36}|0", re.ASCII)  # the common case, valid at once


@dataclass(frozen=True)
class Problem:
    error_type: str  # ValidationException or SerializationException
    message: str


def number_problem(text: str, current: bool = True, wraps: bool = False) -> str | None:
    """Why DynamoDB refuses this number, or None, in the wording of its validation layer
    (rules/layers.py): the older says nothing after the colon of an empty number, and where
    it reads the number as Java's BigDecimal (`wraps`) precision minus scale is a 32-bit int
    that wraps (1e2147483647 underflows)."""
    if _PLAIN_INTEGER.fullmatch(text):
        return None
    if not text:
        return f"{NOT_A_NUMBER}: " if current else NOT_A_NUMBER
    if not _NUMBER.fullmatch(text):
        return f"{NOT_A_NUMBER}: {text}"
    mantissa, _, written = text.lower().lstrip("+-").partition("e")
    # DynamoDB reads the exponent as a signed 64-bit integer: a longer one cannot be converted
    # (checked by length first: int() refuses strings of thousands of digits).
    if len(written.lstrip("+-").lstrip("0")) > 19 or not -(2**63) <= int(written or 0) < 2**63:
        return f"{NOT_A_NUMBER}: {text}"
    whole, _, fraction = mantissa.partition(".")
    exponent = int(written or 0) - len(fraction)  # as Decimal's as_tuple(), without its limits
    significant = (whole + fraction).lstrip("0")
    if not significant:  # zero: its range is that of the exponent it is written with
        return OVERFLOW if exponent > MAX_EXPONENT else UNDERFLOW if exponent < MIN_EXPONENT \
            else None
    trailing = len(significant) - len(significant.rstrip("0"))
    significant = significant.rstrip("0")
    magnitude = exponent + trailing + len(significant) - 1
    if wraps and -(2**31) <= int(written or 0) < 2**31:  # precision - scale, wrapping
        magnitude = (magnitude + 1 + 2**31) % INT32 - 2**31 - 1
    if magnitude > MAX_EXPONENT:
        return OVERFLOW
    if magnitude < MIN_EXPONENT:
        return UNDERFLOW
    if len(significant) > MAX_SIGNIFICANT_DIGITS:
        return TOO_PRECISE
    return None


def binary_problem(text: Any) -> Problem | None:
    if not isinstance(text, str):
        return None  # botocore reports the type
    if len(text) % 4:
        return Problem("SerializationException", f"'{text}' can not be converted to a Blob: "
                       f"Base64 encoded length is expected a multiple of 4 bytes but found: "
                       f"{len(text)}")
    try:
        base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return Problem("SerializationException",
                       f"'{text}' can not be converted to a Blob: Invalid Base64 character")
    return None


def _set_problem(kind: str, values: Any, current: bool, wraps: bool) -> Problem | None:
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        return None  # botocore reports the type
    if not values:
        return Problem("ValidationException", EMPTY_SET[kind])
    for value in values:
        problem = number_problem(value, current, wraps) if kind == "NS" else \
            binary_problem(value) if kind == "BS" else None
        if isinstance(problem, str):
            return Problem("ValidationException", problem)
        if problem is not None:
            return problem
    distinct = {Decimal(v) for v in values} if kind == "NS" else set(values)
    if len(distinct) < len(values):
        return Problem("ValidationException", _duplicates(kind, values, current))
    return None


def _duplicates(kind: str, values: list[str], current: bool) -> str:
    if not current:
        return DUPLICATES[kind].format(values=", ".join(values))
    seen: list[str] = []
    for position, value in enumerate(values):
        if value in seen:
            ordered = sorted(seen, key=base64.b64decode if kind == "BS" else
                             lambda v: v.encode("utf-8", "surrogatepass"))
            shown = [*ordered, value, *values[position + 1:]]
            separator = "," if kind == "BS" else ", "
            return CURRENT_DUPLICATES[kind].format(
                values=separator.join(f'"{v}"' for v in shown))
        seen.append(value)
    return CURRENT_DUPLICATES[kind].format(values="")


def _own_problem(value: dict[str, Any], current: bool, wraps: bool) -> Problem | None:
    """The rules for one value, without looking into its members (dynalite's order)."""
    kinds = [kind for kind in value if kind in DATA_TYPES]  # others: botocore reports them
    if not kinds:
        return Problem("ValidationException", EMPTY)
    for kind, inner in value.items():
        if kind == "N" and isinstance(inner, str):
            message = number_problem(inner, current, wraps)
            if message is not None:
                return Problem("ValidationException", message)
        elif kind == "B":
            problem = binary_problem(inner)
            if problem is not None:
                return problem
        elif kind in EMPTY_SET:
            problem = _set_problem(kind, inner, current, wraps)
            if problem is not None:
                return problem
        elif kind == "NULL" and inner is False:
            return Problem("ValidationException", NULL_NOT_TRUE)
    if len(kinds) > 1:
        return Problem("ValidationException", SEVERAL)
    return None


def _walk(value: Any) -> Iterator[tuple[Any, int]]:
    """Each value inside `value` (itself first) with its nesting level, without recursion, so
    a value nested thousands of levels deep is walked (and refused) safely. A caller that
    stops early stops the walk."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        current, level = stack.pop()
        yield current, level
        if isinstance(current, dict):
            members = current.get("M")
            if isinstance(members, dict):
                stack.extend((member, level + 1) for member in members.values())
            elements = current.get("L")
            if isinstance(elements, list):
                stack.extend((element, level + 1) for element in elements)


def nested_beyond(value: Any, levels: int) -> bool:
    """Whether a map or list inside the value sits deeper than `levels`."""
    return any(level > levels for _, level in _walk(value))


def check(value: Any, current_layer: bool = False, wraps: bool = False) -> Problem | None:
    """The first rule this attribute value (and every value inside it) breaks, or None."""
    for current, level in _walk(value):
        if not isinstance(current, dict):
            continue  # botocore reports the type
        if level > MAX_NESTING_LEVELS:
            return Problem("ValidationException", NESTING)
        problem = _own_problem(current, current_layer, wraps)
        if problem is not None:
            return problem
    return None

"""PartiQL's values: the `?` parameters as DynamoDB converts them, and the checks on literals.

A parameter is converted the way Java's BigDecimal reads a string: a number whose exponent or
scale is past a 32-bit integer "cannot be converted" (its text echoed; an empty one with nothing
after), and the range check works on precision less scale in 32-bit arithmetic, which wraps (so
1e2147483647 underflows). A parameter's problems are found in document order, a too-deep level
as soon as it is reached. A literal in the statement gets the ordinary number rules, with its
place in the value appended (`under root.x`, `under root[1]`).
"""

from __future__ import annotations

import re
from typing import Any

from ddbkit.emulator.endpoint import attribute_values
from ddbkit.emulator.endpoint.attribute_values import (
    MAX_NESTING_LEVELS,
    MAX_SIGNIFICANT_DIGITS,
    NESTING,
    NOT_A_NUMBER,
    OVERFLOW,
    TOO_PRECISE,
    UNDERFLOW,
)
from ddbkit.emulator.partiql.tokens import Refused, number_fits, wrap32

_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
MOST_DIGITS_BEFORE_POINT = 126  # 9.99...E+125
FEWEST_DIGITS_BEFORE_POINT = -129  # 1E-130


def parameter_number_problem(text: str) -> str | None:
    """Why DynamoDB refuses this number as a PartiQL parameter, or None."""
    if not text:
        return NOT_A_NUMBER
    if not _NUMBER.fullmatch(text) or not number_fits(text):
        return f"{NOT_A_NUMBER}: {text}"
    mantissa, _, written = text.lower().lstrip("+-").partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = (whole + fraction).lstrip("0")
    if not digits:
        return None  # zero
    before_point = wrap32(len(digits) - wrap32(len(fraction) - int(written or 0)))
    if before_point > MOST_DIGITS_BEFORE_POINT:
        return OVERFLOW
    if before_point < FEWEST_DIGITS_BEFORE_POINT:
        return UNDERFLOW
    if len(digits.rstrip("0")) > MAX_SIGNIFICANT_DIGITS:
        return TOO_PRECISE
    return None


def check_parameter(value: Any) -> None:
    """Refused with the first problem of a parameter, in document order."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        current, level = stack.pop()
        if not isinstance(current, dict):
            continue  # the endpoint reported the JSON type
        if level > MAX_NESTING_LEVELS:
            raise Refused(NESTING)
        for kind, inner in current.items():
            numbers = [inner] if kind == "N" else inner if kind == "NS" else []
            for number in numbers if isinstance(numbers, list) else []:
                problem = parameter_number_problem(number) if isinstance(number, str) else None
                if problem is not None:
                    raise Refused(problem)
        # the value's own rules (its number checked above, its members below)
        own = {k: "0" if k == "N" else {} if k == "M" else [] if k == "L" else v
               for k, v in current.items()}
        found = attribute_values.check(own)
        if found is not None:
            raise Refused(found.message)
        members, elements = current.get("M"), current.get("L")
        children: list[Any] = list(members.values()) if isinstance(members, dict) else \
            elements if isinstance(elements, list) else []
        stack.extend((child, level + 1) for child in reversed(children))


def literal_number_problem(text: str, place: str) -> None:
    """Refused when a number literal breaks DynamoDB's number rules, naming its place."""
    problem = attribute_values.number_problem(text)
    if problem is not None:
        raise Refused(f"{problem} under {place}")


def set_problem(value: dict[str, Any]) -> None:
    """Refused when a set literal breaks DynamoDB's set rules (duplicates, empty members)."""
    found = attribute_values.check(value)
    if found is not None:
        raise Refused(found.message)

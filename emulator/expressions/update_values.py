"""Attribute values as an update makes them: numbers stored as DynamoDB stores them, exact
arithmetic, sets added to and taken from.

Values are DynamoDB JSON (`{"N": "1"}`), binary as bytes. DynamoDB stores a number, not its
text: it answers with the shortest plain decimal (no exponent, no leading or trailing zeros,
no sign on zero), so every number an update puts in an item is written that way
(`store.item.number_text`, the one rule for every write).
Arithmetic is exact: numbers have at most 38 significant digits between 1E-130 and 1E+126, so
a context of 400 digits holds any sum; a result DynamoDB cannot store is refused in its words.
"""

from __future__ import annotations

import base64
import binascii
import decimal
from decimal import Decimal
from typing import Any

from ddbkit.emulator.endpoint.attribute_values import number_problem
from ddbkit.emulator.store.item import canonical_value as stored
from ddbkit.emulator.store.item import number_text as canonical

__all__ = ["SETS", "NumberRefused", "arithmetic", "canonical", "member_key", "set_difference",
           "set_union", "stored"]

SETS = frozenset({"SS", "NS", "BS"})
_EXACT = decimal.Context(prec=400, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN,
                         traps=[decimal.InvalidOperation, decimal.Overflow])


class NumberRefused(ValueError):
    """A result DynamoDB cannot store (overflow, underflow, over 38 digits): its message."""


def arithmetic(operator: str, left: str, right: str) -> dict[str, Any]:
    """`left + right` or `left - right`, exact; NumberRefused when DynamoDB could not store
    the result."""
    with decimal.localcontext(_EXACT):
        a, b = Decimal(left), Decimal(right)
        result = a + b if operator == "+" else a - b
    text = str(result)
    problem = number_problem(text)
    if problem is not None:
        raise NumberRefused(problem)
    return {"N": canonical(text)}


def member_key(kind: str, member: Any) -> Any:
    """What makes two members of a set of this kind the same: a binary's bytes (a stored one
    may still be base64 text), a number's canonical text, a string itself."""
    if kind == "BS" and isinstance(member, str):
        try:
            return base64.b64decode(member)
        except (binascii.Error, ValueError):
            return member
    if kind == "NS":
        return canonical(member)
    return member


def set_union(kind: str, existing: list[Any], added: list[Any]) -> list[Any]:
    """The existing members, then those added that were not there, in order."""
    seen = {member_key(kind, m) for m in existing}
    union = list(existing)
    for member in added:
        key = member_key(kind, member)
        if key not in seen:
            seen.add(key)
            union.append(member)
    return union


def set_difference(kind: str, existing: list[Any], removed: list[Any]) -> list[Any]:
    gone = {member_key(kind, m) for m in removed}
    return [m for m in existing if member_key(kind, m) not in gone]

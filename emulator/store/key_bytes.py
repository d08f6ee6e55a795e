"""Key values as bytes that sort as DynamoDB sorts them, so a byte comparison is key order.

DynamoDB orders a sort key by its type: a String by its UTF-8 bytes, a Binary by its unsigned
bytes, a Number by its value
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Query.KeyConditionExpressions.html).
Strings and binaries are already their own bytes. A number (up to 38 significant digits,
exponent from -130 to +125) becomes: a sign byte (negative < zero < positive), then for a
non-zero number its decimal exponent in two bytes and its significant digits, one byte each;
for a negative number both are complemented, and a final 0xFF makes a shorter digit string
(a number closer to zero) sort after a longer one that extends it. Equal numbers, however
written (`1.50`, `15E-1`), encode to the same bytes: the encoding is also the key's identity.

SQLite compares BLOBs with memcmp, and Python compares bytes the same way, so either can
keep items and index entries in key order without decoding a value.
"""

from __future__ import annotations

import decimal
from decimal import Decimal, InvalidOperation

__all__ = ["NotAKey", "decode_number", "encode", "encode_number"]

_NEGATIVE, _ZERO, _POSITIVE = b"\x01", b"\x02", b"\x03"
_EXPONENT_BIAS = 0x8000  # exponents fit in a signed 16-bit range with room to spare
_DIGITS = bytes(range(0x30, 0x3A))  # b"0123456789"
_COMPLEMENT = bytes.maketrans(_DIGITS, _DIGITS[::-1])
_END = b"\xff"
_WIDE = decimal.Context(prec=200, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)


class NotAKey(ValueError):
    """A key value this encoding cannot hold (no S, N or B, or a malformed number)."""


def encode(value: dict[str, object]) -> bytes:
    """A key attribute's value (DynamoDB JSON: `{"S": ...}`, `{"N": ...}`, `{"B": bytes}`)
    as order-preserving bytes."""
    if len(value) != 1:
        raise NotAKey(f"not one typed value: {value!r}")
    ((kind, inner),) = value.items()
    if kind == "S" and isinstance(inner, str):
        return inner.encode("utf-8")
    if kind == "B" and isinstance(inner, bytes | bytearray):
        return bytes(inner)
    if kind == "N" and isinstance(inner, str):
        return encode_number(inner)
    raise NotAKey(f"not a key value: {value!r}")


def encode_number(text: str) -> bytes:
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise NotAKey(f"not a number: {text!r}") from None
    if not number.is_finite():
        raise NotAKey(f"not a number: {text!r}")
    if number.is_zero():
        return _ZERO
    sign, digits, _ = number.as_tuple()  # exact: normalize() would round to 28 digits
    significant = bytes(0x30 + d for d in digits).rstrip(b"0")
    exponent = (number.adjusted() + _EXPONENT_BIAS).to_bytes(2, "big")
    if not sign:
        return _POSITIVE + exponent + significant
    flipped = (0xFFFF - int.from_bytes(exponent, "big")).to_bytes(2, "big")
    return _NEGATIVE + flipped + significant.translate(_COMPLEMENT) + _END


def decode_number(raw: bytes) -> str:
    """The number's canonical text back from `encode_number` (as DynamoDB answers it)."""
    if raw == _ZERO:
        return "0"
    negative = raw[:1] == _NEGATIVE
    exponent = int.from_bytes(raw[1:3], "big")
    digits = raw[3:]
    if negative:
        exponent = 0xFFFF - exponent
        digits = digits[:-1].translate(_COMPLEMENT)
    adjusted = exponent - _EXPONENT_BIAS
    text = digits.decode("ascii")
    number = Decimal(f"{'-' if negative else ''}{text[0]}.{text[1:] or '0'}E{adjusted}")
    return format(number.normalize(_WIDE), "f")

"""Item sizes as DynamoDB counts them (AWS developer guide, "Item sizes and formats"): the one
place that sizes items, values and keys, for capacity, the 400 KB item limit, key limits,
the 4 MB transaction limit, 1 MB pages and TableSizeBytes.

- attribute names and strings: UTF-8 bytes; binary: raw bytes; BOOL and NULL: 1 byte;
- numbers: stored in base 100 (two decimal digits per byte, aligned on the decimal point)
  after leading and trailing zeros are trimmed, plus one byte of exponent and one more when
  negative; zero is 1 byte. "1" and "10" are 2 bytes, "1.5" 3, "123456" 4. AWS's guide
  says "about 1 byte per two significant digits, plus 1"; the exact alignment is the one
  dynalite measured against DynamoDB;
- sets: the sum of their elements; lists and maps: 3 bytes plus 1 per element plus the
  elements (and, in a map, the element names).

UpdateItem (the API call only: a transacted Update, PartiQL's UPDATE and legacy
AttributeUpdates size the finished item) also holds its statement to the limit
(`update_statement_size`), measured against DynamoDB and not documented by AWS: 3 bytes,
plus per action
- SET path = operand: 19 + the target + the operand; ADD path :v: 19 + the target + the
  members :v adds (a number: its size); REMOVE path, DELETE path :v: 1 + the target;
- a target: its first name, plus 4 and the element for each later element (a name's bytes,
  a list index's digits), names as the #placeholders stand for;
- an operand: a :value its size, at every use; a path 1, plus 14 and the element for each
  element (never the value it reads); `+` 34, `-` 37, list_append 37, if_not_exists 39, each
  plus its operands.
The key and attributes the statement leaves alone are not charged, so at a short key the
limit binds below 400 KB; the finished item is held to 400 KB as well.

Values are DynamoDB JSON (`{"S": "x"}`, binary as base64 text or as bytes, as the store
holds it) or anything with `.type` and `.value` (a `store.item.Key`), so the same rules size
a request's item and a stored one. A lone surrogate in a string (JSON allows `\\ud800`)
counts its 3 bytes.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from ddbkit.emulator.expressions.update_plan import (
    Arithmetic,
    Element,
    Function,
    Operand,
    Path,
    PathOperand,
    Plan,
    ValueOperand,
)

CONTAINER_OVERHEAD = 3  # bytes, any list or map
ELEMENT_OVERHEAD = 1  # bytes per list or map element
# https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html
MAX_ITEM_BYTES = 400 * 1024  # an item of exactly this many bytes is stored
MAX_HASH_KEY_BYTES = 2048
MAX_RANGE_KEY_BYTES = 1024
# UpdateItem's statement charge (see above), in bytes.
STATEMENT_BASE = 3
WRITE_ACTION = 19  # SET, ADD
DROP_ACTION = 1  # REMOVE, DELETE
TARGET_STEP = 4  # each element of a target after the first
OPERAND_PATH = 1
OPERAND_STEP = 14  # each element of a path operand
OPERATOR = {"+": 34, "-": 37, "list_append": 37, "if_not_exists": 39}


def tagged(value: Any) -> tuple[str, Any]:
    """(type, value) of a DynamoDB JSON value or a `Key`."""
    if type(value) is dict or isinstance(value, Mapping):
        ((kind, inner),) = value.items()
        return kind, inner
    return value.type, value.value


def utf8_size(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))


def binary_size(value: Any) -> int:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return len(value)
    try:  # wire format: base64 text
        return len(base64.b64decode(value, validate=True))
    except (binascii.Error, ValueError, TypeError):
        return utf8_size(str(value))


def number_size(text: str) -> int:
    plain = _plain_number_size(text)
    if plain is not None:
        return plain
    try:
        sign, digits, exponent = Decimal(text.strip()).as_tuple()
    except (InvalidOperation, AttributeError):
        return utf8_size(str(text))
    if not isinstance(exponent, int):  # NaN/Infinity are refused before they are stored
        return utf8_size(text)
    first = next((i for i, d in enumerate(digits) if d), None)
    if first is None:
        return 1  # zero
    last = max(i for i, d in enumerate(digits) if d)
    low = exponent + len(digits) - 1 - last  # power of ten of the last significant digit
    high = exponent + len(digits) - 1 - first  # ... and of the first
    base100_digits = high // 2 - low // 2 + 1
    return 1 + base100_digits + (1 if sign else 0)


def _plain_number_size(text: Any) -> int | None:
    """`number_size` of a number written as DynamoDB stores it (`-12.5`, `300`, `0.07`: no
    exponent, no redundant zeros), from its text; None for any other text. Every stored
    number is in this form, so sizing an item needs no Decimal."""
    if type(text) is not str:
        return None
    negative = text.startswith("-")
    whole, _, fraction = (text[1:] if negative else text).partition(".")
    if not whole.isdigit() or (fraction and not fraction.isdigit()) or \
            (len(whole) > 1 and whole[0] == "0") or fraction.endswith("0"):
        return None
    if whole == "0":
        if not fraction:
            return None if negative else 1  # zero ("-0" is not stored)
        high = -(len(fraction) - len(fraction.lstrip("0"))) - 1
    else:
        high = len(whole) - 1
    low = -len(fraction) if fraction else len(whole) - len(whole.rstrip("0"))
    return 1 + high // 2 - low // 2 + 1 + (1 if negative else 0)


def value_size(value: Any) -> int:
    kind, inner = tagged(value)
    if kind == "S":
        return utf8_size(inner)
    if kind == "N":
        return number_size(inner)
    if kind == "B":
        return binary_size(inner)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(utf8_size(v) for v in inner)
    if kind == "NS":
        return sum(number_size(v) for v in inner)
    if kind == "BS":
        return sum(binary_size(v) for v in inner)
    if kind == "L":
        return CONTAINER_OVERHEAD + sum(ELEMENT_OVERHEAD + value_size(v) for v in inner)
    if kind == "M":
        return CONTAINER_OVERHEAD + sum(ELEMENT_OVERHEAD + utf8_size(k) + value_size(v)
                                        for k, v in inner.items())
    raise ValueError(f"unknown attribute type {kind!r}")


def item_size(attributes: Mapping[str, Any]) -> int:
    """Bytes of an item: every attribute's name plus its value (strings and numbers, most
    of any item, sized inline: a restart sizes every stored item)."""
    total = 0
    for name, value in attributes.items():
        total += len(name) if name.isascii() else utf8_size(name)
        if type(value) is dict and len(value) == 1:
            for kind, inner in value.items():
                if kind == "S" and type(inner) is str:
                    total += len(inner) if inner.isascii() else utf8_size(inner)
                elif kind == "N":
                    total += number_size(inner)
                else:
                    total += value_size(value)
        else:
            total += value_size(value)
    return total


def too_large(attributes: Mapping[str, Any]) -> bool:
    """Over DynamoDB's item limit (409,600 bytes of names and values, keys included)."""
    return item_size(attributes) > MAX_ITEM_BYTES


def request_item_size(attributes: Mapping[str, Any]) -> int:
    """`item_size` of an item from a request not validated yet: a malformed value (not one
    type and value, an unknown type, a wrong shape) counts 0 bytes; validation refuses it."""
    total = 0
    for name, value in attributes.items():
        total += utf8_size(str(name)) + _size_or_zero(value)
    return total


def _size_or_zero(value: Any) -> int:
    """`value_size`, 0 for a malformed value (validation refuses it)."""
    try:
        return value_size(value)
    except (ValueError, TypeError, AttributeError):
        return 0


def update_statement_size(plan: Plan, names: Mapping[str, str], values: Mapping[str, Any],
                          added: Callable[[Path, Any], Any]) -> int:
    """What UpdateItem charges a statement against the 400 KB limit (see above). `added`
    answers what an ADD of a value at a (resolved) path adds to the item."""
    total = STATEMENT_BASE
    for action in plan.actions:
        path = tuple(_named(e, names) for e in action.path)
        target = _element_size(path[0]) + sum(TARGET_STEP + _element_size(e) for e in path[1:])
        if action.kind in ("REMOVE", "DELETE"):
            total += DROP_ACTION + target
        elif action.kind == "ADD" and isinstance(action.operand, ValueOperand):
            value = values.get(action.operand.placeholder)
            total += WRITE_ACTION + target + (0 if value is None else _size_or_zero(
                added(path, value)))
        elif action.operand is not None:
            total += WRITE_ACTION + target + _operand_size(action.operand, names, values)
    return total


def _operand_size(operand: Operand, names: Mapping[str, str], values: Mapping[str, Any]) -> int:
    if isinstance(operand, ValueOperand):
        value = values.get(operand.placeholder)
        return 0 if value is None else _size_or_zero(value)
    if isinstance(operand, PathOperand):
        return OPERAND_PATH + sum(OPERAND_STEP + _element_size(_named(e, names))
                                  for e in operand.path)
    if isinstance(operand, Function):
        return OPERATOR.get(operand.name, 0) + sum(_operand_size(a, names, values)
                                                   for a in operand.arguments)
    assert isinstance(operand, Arithmetic)
    return (OPERATOR[operand.operator] + _operand_size(operand.left, names, values)
            + _operand_size(operand.right, names, values))


def _named(element: Element, names: Mapping[str, str]) -> Element:
    """A #placeholder as the name it stands for (the endpoint refused undefined ones)."""
    if type(element) is str and element[:1] == "#":
        return names.get(element, element)
    return element


def _element_size(element: Element) -> int:
    return len(str(element)) if isinstance(element, int) else utf8_size(element)


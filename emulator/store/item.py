"""ddbkit's item: attributes as DynamoDB JSON, its key values, its size; no moto type.

- `attrs`: `{name: {TYPE: inner}}`, binary values as `bytes`, numbers as DynamoDB's
  canonical text (`number_text`), sets and lists as lists, maps as dicts. A set's members are
  in DynamoDB's order, as GetItem answers them: strings and binaries bytewise, numbers by
  value (whatever order they were written in). The item is never
  changed in place once stored: a write builds a new one, so its values can be shared with
  a stream record, a backup or an undo log without copying.
- `hash_key`, `range_key`: `Key`s, hashable and ordered as DynamoDB orders key values (the
  bytes of `key_bytes.encode`), usable as dict keys of the store and sort keys of indexes.
- `size()`: the item's size as DynamoDB bills it (`capacity/sizes.py`), counted once.

Nothing stored changes in place, so a copy (`copy.copy`, `copy.deepcopy`: a backup's copy of
its table) is the item itself, and short scalar values that repeat across items (statuses,
dates, flags) are one shared dict (`interned`), as many items hold them.
"""

from __future__ import annotations

import base64
import decimal
import itertools
import re
from decimal import Decimal
from typing import Any

from ddbkit.emulator.capacity.sizes import item_size
from ddbkit.emulator.endpoint.attribute_values import MAX_EXPONENT, MIN_EXPONENT
from ddbkit.emulator.store.key_bytes import encode

__all__ = ["Item", "Key", "canonical_value", "interned", "number_text", "sort_value"]

# Plain integers and decimals without redundant zeros: already what DynamoDB returns.
_PLAIN = re.compile(r"(?:-?[1-9][0-9]*|0)(?:\.[0-9]*[1-9])?\Z|-0\.[0-9]*[1-9]\Z")
_WIDE = decimal.Context(prec=200, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)
INTERN_LENGTH = 24  # statuses, dates, prices, flags repeat; ids and free text do not
# Distinct values shared per type at most: a full table starts over, so values written once
# (ids, timestamps) keep at most this many dicts alive after their items are gone, while
# values that repeat are shared again at once.
INTERN_LIMIT = 1 << 15
_SHARED: dict[str, dict[Any, dict[str, Any]]] = {"S": {}, "N": {}, "BOOL": {}, "NULL": {}}


def number_text(text: Any) -> Any:
    """A number as DynamoDB stores and answers it: the shortest plain decimal (`00042` is
    42, `-0` is 0, `1.50` is 1.5, `1.5E2` is 150). Anything that is no number in DynamoDB's
    range is left as it is (validation refuses it before it is stored)."""
    if not isinstance(text, str) or _PLAIN.match(text):
        return text
    try:
        number = Decimal(text)
    except decimal.InvalidOperation:
        return text
    if not number.is_finite() or not MIN_EXPONENT - 1 <= number.adjusted() <= MAX_EXPONENT + 1:
        return text  # writing 1e999999999 out in full would take gigabytes
    if number.is_zero():
        return "0"
    return format(number.normalize(_WIDE), "f")


def canonical_value(value: dict[str, Any]) -> dict[str, Any]:
    """The value with its numbers (nested ones too) in canonical text and its sets' members
    in DynamoDB's order; the same dict when nothing changes (most values)."""
    for kind, inner in value.items():
        if kind == "N":
            text = number_text(inner)
            return value if text is inner else {"N": text}
        if kind in _MEMBER_ORDER and isinstance(inner, list):
            texts = [number_text(v) for v in inner] if kind == "NS" else inner
            try:
                order = [_MEMBER_ORDER[kind](m) for m in texts]
            except (decimal.InvalidOperation, TypeError, ValueError):
                return value  # refused by validation before it is stored
            if all(a is b for a, b in zip(texts, inner, strict=True)) and \
                    all(a < b for a, b in itertools.pairwise(order)):
                return value
            ranked = sorted(range(len(texts)), key=order.__getitem__)
            return {kind: [texts[i] for i in ranked]}
        if kind == "L" and isinstance(inner, list):
            elements = [canonical_value(v) for v in inner]
            return value if all(a is b for a, b in zip(elements, inner, strict=True)) \
                else {"L": elements}
        if kind == "M" and isinstance(inner, dict):
            members = {k: canonical_value(v) for k, v in inner.items()}
            return value if all(members[k] is v for k, v in inner.items()) \
                else {"M": members}
    return value


def _binary_order(member: Any) -> bytes:
    return base64.b64decode(member) if isinstance(member, str) else bytes(member)


_MEMBER_ORDER: dict[str, Any] = {"SS": str, "NS": Decimal, "BS": _binary_order}


def interned(value: dict[str, Any]) -> dict[str, Any]:
    """The one dict shared by every equal short scalar value (S, N, BOOL, NULL), never the
    caller's own; `value` itself when it is no such value. Only for values that are never
    changed in place."""
    if len(value) != 1:
        return value
    ((kind, inner),) = value.items()
    shared_of = _SHARED.get(kind)
    if shared_of is None or not (
            type(inner) is bool or (type(inner) is str and len(inner) <= INTERN_LENGTH)):
        return value
    shared = shared_of.get(inner)
    if shared is None:
        if len(shared_of) >= INTERN_LIMIT:
            shared_of.clear()
        shared = shared_of[inner] = {kind: inner}  # its own: `value` is the caller's
    return shared


def sort_value(value: dict[str, Any]) -> Any:
    """A key attribute's value as an index orders it: a string itself (code point order is
    UTF-8 byte order), a binary's bytes, a number's order bytes (`key_bytes`). Values of
    one declared type compare with each other only."""
    ((kind, inner),) = value.items()
    if kind == "N":
        return encode({kind: number_text(inner)})
    if kind == "B" and isinstance(inner, str):
        return base64.b64decode(inner)
    return inner


class Key:
    """A key attribute's value (S, N or B): `type` and `value` as in DynamoDB JSON (binary as
    bytes, a number as its canonical text). Equal and hashed by that value (a number's text
    is canonical, so equal numbers have equal text); ordered as DynamoDB orders keys, by
    `sortable`: a string itself (code point order is UTF-8 byte order), a binary's bytes, a
    number's order bytes (`key_bytes`), made only when first compared."""

    __slots__ = ("_order", "type", "value")

    def __init__(self, document: dict[str, Any]) -> None:
        ((kind, inner),) = document.items()
        if kind == "N":
            inner = number_text(inner)
        elif kind == "B" and isinstance(inner, str):  # a request's key, base64 on the wire
            inner = base64.b64decode(inner)
        self.type: str = kind
        self.value: Any = inner
        self._order: bytes | None = None

    def document(self) -> dict[str, Any]:
        return {self.type: self.value}

    @property
    def order(self) -> bytes:
        """The order bytes (`key_bytes.encode`)."""
        if self._order is None:
            self._order = encode({self.type: self.value})
        return self._order

    @property
    def sortable(self) -> Any:
        """`sort_value` of the key, from what the key already holds."""
        return self.order if self.type == "N" else self.value

    def __copy__(self) -> Key:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Key:
        return self

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Key) and self.value == other.value and \
            self.type == other.type

    def __hash__(self) -> int:
        return hash(self.value)

    def __lt__(self, other: Key) -> bool:
        return bool(self.sortable < other.sortable)

    def __le__(self, other: Key) -> bool:
        return bool(self.sortable <= other.sortable)

    def __gt__(self, other: Key) -> bool:
        return bool(self.sortable > other.sortable)

    def __ge__(self, other: Key) -> bool:
        return bool(self.sortable >= other.sortable)

    def __repr__(self) -> str:
        return f"Key({self.document()!r})"


class Item:
    """A stored item (see the module's docstring); build it with `Item.of`."""

    __slots__ = ("_size", "attrs", "hash_key", "range_key")

    def __init__(self, attrs: dict[str, Any], hash_key: Key, range_key: Key | None) -> None:
        self.attrs = attrs
        self.hash_key = hash_key
        self.range_key = range_key
        self._size: int | None = None

    @classmethod
    def of(cls, attrs: dict[str, Any], hash_name: str, range_name: str | None) -> Item:
        """An item of attributes already decoded (binary as bytes), numbers made canonical,
        short scalars shared (not the keys: those seldom repeat); its key values read from
        the named attributes."""
        values = {name: canonical_value(value) if name == hash_name or name == range_name
                  else interned(canonical_value(value)) for name, value in attrs.items()}
        return cls.stored(values, hash_name, range_name)

    @classmethod
    def stored(cls, attrs: dict[str, Any], hash_name: str, range_name: str | None) -> Item:
        """An item of attributes as a stored item held them (an image: numbers canonical
        already), `attrs` itself kept."""
        return cls(attrs, Key(attrs[hash_name]),
                   Key(attrs[range_name]) if range_name is not None else None)

    def size(self) -> int:
        if self._size is None:
            self._size = item_size(self.attrs)
        return self._size

    def sized(self, size: int) -> None:
        """Its size, as counted when it was written (a journal keeps it)."""
        self._size = size

    def __copy__(self) -> Item:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Item:
        return self

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Item) and self.attrs == other.attrs

    __hash__ = None  # type: ignore[assignment]  # mutable-looking: never a dict key

    def __repr__(self) -> str:
        return f"Item({self.attrs!r})"

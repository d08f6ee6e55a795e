"""JSON for durability records, with the two non-JSON values moto keeps: bytes and datetimes.

JSON because the journal is also history that point-in-time restore and exports will read, and
because it is fast in CPython (C encoder and decoder) and readable when something goes wrong.
moto keeps binary attribute values as `bytes` and stream record times as naive UTC
`datetime`s; they are written as `{"$b": base64}` and `{"$dt": iso}`. Decoding only pays for
turning them back when the raw text contains a tag: most records hold neither. The tags cannot
collide with item data: in DynamoDB JSON every attribute value is an object, never a string.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any

_B, _DT = "$b", "$dt"
_TAGGED = (b'"$b"', b'"$dt"')
_encoder = json.JSONEncoder(separators=(",", ":"), default=lambda o: _tag(o))
_sorted_encoder = json.JSONEncoder(separators=(",", ":"), sort_keys=True,
                                   default=lambda o: _tag(o))


def _tag(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray)):
        return {_B: base64.b64encode(value).decode("ascii")}
    if isinstance(value, datetime):
        return {_DT: value.isoformat()}
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"cannot journal a {type(value).__name__}")


def _untag(obj: dict[str, Any]) -> Any:
    if len(obj) == 1:
        value = obj.get(_B)
        if type(value) is str:
            return base64.b64decode(value)
        value = obj.get(_DT)
        if type(value) is str:
            return datetime.fromisoformat(value)
    return obj


def dumps(value: Any) -> bytes:
    return _encoder.encode(value).encode("ascii")


def canonical(value: Any) -> str:
    """The same value always gives the same text (for comparing table settings)."""
    return _sorted_encoder.encode(value)


def loads(raw: bytes) -> Any:
    if any(tag in raw for tag in _TAGGED):
        return json.loads(raw, object_hook=_untag)
    return json.loads(raw)

"""Stored values as the wire's JSON wants them.

`wire` turns what a table's settings and items hold (bytes, sets, datetimes, Decimals) into the
wire's JSON values (base64, lists, epoch seconds, numbers), and `epoch_seconds` writes a
timestamp as AWS does; ddbkit's operations answer with them.
"""

from __future__ import annotations

import base64
import calendar
from datetime import datetime
from decimal import Decimal
from typing import Any


def wire(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: wire(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [wire(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return [wire(v) for v in value]
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode()
    if isinstance(value, datetime):
        return epoch_seconds(value)
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def epoch_seconds(value: datetime) -> int | float:
    """As moto's serializer writes a timestamp: a naive datetime is UTC (moto's `utcnow()`),
    and sub-millisecond digits are truncated (the Smithy rule moto follows)."""
    whole = calendar.timegm(value.utctimetuple())
    return whole + (value.microsecond // 1000) / 1000.0 if value.microsecond else whole

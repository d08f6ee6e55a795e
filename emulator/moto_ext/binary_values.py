"""Binary values as their bytes, where moto holds them as the base64 text a request carried.

moto keeps a binary value as given, and DynamoDB compares binary as unsigned bytes, so the
readers of moto's values (`scalar_values.cast_value` behind key comparisons, `reads`' key
documents and Scan segments, `operations/keys.py`) decode it here. (Conditions and filters
read binary through `expressions.documents`.)
"""

from __future__ import annotations

import base64
import binascii
from typing import Any


def as_bytes(value: Any) -> Any:
    """A binary value's bytes (it arrives as base64 text); anything else is left alone."""
    if isinstance(value, str):
        try:
            return base64.b64decode(value)
        except (binascii.Error, ValueError):
            return value
    return value

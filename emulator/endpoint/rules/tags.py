"""DynamoDB's rules for tags in TagResource, UntagResource and CreateTable, checked before any
table is looked up: at least one, no key twice, none reserved (`aws:`), only the characters
AWS allows in tags (letters, digits, spaces and `_ . : / = + - @`):
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Tagging.html
The 50-tag limit per table needs the table's tags: operations/tag_resource.py.
"""

from __future__ import annotations

import re
from typing import Any

from ddbkit.emulator.endpoint.wire import WireError

_ALLOWED = re.compile(r"[\w\s.:/=+\-@]*")


def tag_resource(params: dict[str, Any]) -> None:
    tags = params.get("Tags")
    if isinstance(tags, list) and not tags:
        raise _invalid("Atleast one Tag needs to be provided as Input.")
    _tags(tags)


def untag_resource(params: dict[str, Any]) -> None:
    keys = params.get("TagKeys")
    if isinstance(keys, list) and not keys:
        raise _invalid("Atleast one Tag Key needs to be provided as Input.")


def create_table(params: dict[str, Any]) -> None:
    _tags(params.get("Tags"))


def _tags(tags: Any) -> None:
    seen: set[str] = set()
    for tag in tags if isinstance(tags, list) else ():
        key, value = tag.get("Key"), tag.get("Value")
        if not isinstance(key, str) or not _ALLOWED.fullmatch(key):
            raise _invalid(f"The Tag Key provided is invalid, Key: {key}")
        if key.startswith("aws:"):
            raise _invalid(f"Tag Key cannot be prefixed with aws:, Key: {key}")
        if not isinstance(value, str) or not _ALLOWED.fullmatch(value):
            raise _invalid(f"The Tag Value provided is invalid, Value: {value}")
        if key in seen:
            raise _invalid(f"Duplicate Tag Keys provided as input: Duplicate Tag Key found {key}")
        seen.add(key)


def _invalid(message: str) -> WireError:
    return WireError("ValidationException", message)

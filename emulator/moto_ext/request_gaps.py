"""Requests moto's DynamoDB handler fails on with a Python error where DynamoDB answers.

A small gap, found by the fuzz test (tests/test_fuzz.py), closed where moto opens it:
`utilities.find_nested_key`, behind every ProjectionExpression, walks a path like `a.b` or
`a[1].c` into whatever it finds and crashes when `a` is a string or a number; DynamoDB just
returns nothing for a path the item does not have. (UpdateExpression paths through a string
or number are ddbkit's own: expressions/update_paths.py.)
"""

from __future__ import annotations

from typing import Any

from moto.dynamodb.models import dynamo_type, utilities
from moto.dynamodb.models.dynamo_type import Item

from ddbkit.emulator.moto_ext.store import require


def _wrap_find_nested_key(original: Any) -> Any:
    def find_nested_key(keys: Any, dct: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return original(keys, dct, *args, **kwargs)
        except (TypeError, KeyError, IndexError, AttributeError):
            return {}  # the path runs through a value that is no map or list: no such path

    return find_nested_key


def install() -> None:
    require(Item, "project")
    require(utilities, "find_nested_key")
    require(dynamo_type, "find_nested_key")
    walk = _wrap_find_nested_key(utilities.find_nested_key)
    # Its own recursion looks it up in utilities, Item.project in dynamo_type.
    modules: tuple[Any, ...] = (utilities, dynamo_type)
    for module in modules:
        module.find_nested_key = walk

"""Requests moto's DynamoDB handler fails on with a Python error where DynamoDB answers.

Small gaps, each found by the fuzz test (tests/test_fuzz.py), each closed where moto opens it:
- `utilities.find_nested_key`, behind every ProjectionExpression, walks a path like `a.b` or
  `a[1].c` into whatever it finds and crashes when `a` is a string or a number; DynamoDB
  just returns nothing for a path the item does not have;
- the UpdateExpression executors (`parsing.executors`) follow a path like `REMOVE a.b` or
  `SET a[0] = :v` into a string or number and fail with TypeError ("pop not supported for
  DynamoType S"); DynamoDB answers "The document path provided in the update expression is
  invalid for update".
"""

from __future__ import annotations

from typing import Any

from moto.dynamodb.exceptions import InvalidUpdateExpressionInvalidDocumentPath
from moto.dynamodb.models import dynamo_type, utilities
from moto.dynamodb.models.dynamo_type import Item
from moto.dynamodb.parsing import executors

from ddbkit.emulator.moto_ext.store import require


def _wrap_find_nested_key(original: Any) -> Any:
    def find_nested_key(keys: Any, dct: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return original(keys, dct, *args, **kwargs)
        except (TypeError, KeyError, IndexError, AttributeError):
            return {}  # the path runs through a value that is no map or list: no such path

    return find_nested_key


def _wrap_executor(original: Any) -> Any:
    def execute(self: Any, item: Item) -> Any:
        try:
            return original(self, item)
        except TypeError as exc:  # moto's DynamoType refusing a path through a scalar
            raise InvalidUpdateExpressionInvalidDocumentPath() from exc

    return execute


EXECUTORS = ("SetExecutor", "AddExecutor", "RemoveExecutor", "DeleteExecutor")


def install() -> None:
    require(Item, "project")
    require(executors, *EXECUTORS)
    require(utilities, "find_nested_key")
    require(dynamo_type, "find_nested_key")
    for name in EXECUTORS:
        executor: Any = getattr(executors, name)
        executor.execute = _wrap_executor(executor.execute)
    walk = _wrap_find_nested_key(utilities.find_nested_key)
    # Its own recursion looks it up in utilities, Item.project in dynamo_type.
    modules: tuple[Any, ...] = (utilities, dynamo_type)
    for module in modules:
        module.find_nested_key = walk

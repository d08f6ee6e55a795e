"""Requests moto's DynamoDB handler fails on with a Python error where DynamoDB answers.

Small gaps, each found by the fuzz test (tests/test_fuzz.py), each closed where moto opens it:
- `describe_export` / `describe_import` look the ARN up in a dict (KeyError for one they do
  not hold); DynamoDB answers ExportNotFoundException / ImportNotFoundException;
- `DynamoHandler.list_exports` requires `TableArn` (KeyError), which DynamoDB takes as an
  optional filter; `export_table_to_point_in_time` requires `S3Prefix`, also optional;
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

from moto.core.exceptions import JsonRESTError
from moto.dynamodb.exceptions import (
    ERROR_TYPE_PREFIX,
    InvalidUpdateExpressionInvalidDocumentPath,
)
from moto.dynamodb.models import DynamoDBBackend, dynamo_type, utilities
from moto.dynamodb.models.dynamo_type import Item
from moto.dynamodb.parsing import executors
from moto.dynamodb.responses import DynamoHandler

from ddbkit.emulator.moto_ext.store import require


def _wrap_lookup(original: Any, error_type: str, what: str) -> Any:
    def describe(self: DynamoDBBackend, arn: str) -> Any:
        try:
            return original(self, arn)
        except KeyError:
            raise JsonRESTError(ERROR_TYPE_PREFIX + error_type,
                                f"{what} not found: {arn}") from None

    return describe


LOOKUPS = {"describe_export": ("ExportNotFoundException", "Export"),
           "describe_import": ("ImportNotFoundException", "Import")}


def _with_defaults(original: Any, defaults: dict[str, Any]) -> Any:
    def handler_method(self: DynamoHandler) -> Any:
        for name, value in defaults.items():
            self.body.setdefault(name, value)
        return original(self)

    return handler_method


def _list_all_exports(original: Any) -> Any:
    def list_exports(self: DynamoDBBackend, table_arn: str | None) -> Any:
        if table_arn is None:
            return list(self.table_exports.values())
        return original(self, table_arn)

    return list_exports


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
    require(DynamoDBBackend, *LOOKUPS, "list_exports")
    require(DynamoHandler, "list_exports", "export_table_to_point_in_time")
    for name, (error_type, what) in LOOKUPS.items():
        setattr(DynamoDBBackend, name, _wrap_lookup(getattr(DynamoDBBackend, name),
                                                    error_type, what))
    DynamoDBBackend.list_exports = _list_all_exports(  # type: ignore[method-assign]
        DynamoDBBackend.list_exports)
    for name in EXECUTORS:
        executor: Any = getattr(executors, name)
        executor.execute = _wrap_executor(executor.execute)
    walk = _wrap_find_nested_key(utilities.find_nested_key)
    # Its own recursion looks it up in utilities, Item.project in dynamo_type.
    modules: tuple[Any, ...] = (utilities, dynamo_type)
    for module in modules:
        module.find_nested_key = walk
    handler: Any = DynamoHandler
    handler.list_exports = _with_defaults(handler.list_exports, {"TableArn": None})
    handler.export_table_to_point_in_time = _with_defaults(
        handler.export_table_to_point_in_time, {"S3Prefix": ""})

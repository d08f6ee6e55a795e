"""Updates moto's executors fail on with a Python error where DynamoDB answers.

Found by the fuzz test (tests/test_fuzz.py), closed where moto opens it: the UpdateExpression
executors (`parsing.executors`) follow a path like `REMOVE a.b` or `SET a[0] = :v` into a
string or number and fail with TypeError ("pop not supported for DynamoType S"); DynamoDB
answers "The document path provided in the update expression is invalid for update".
(Projections through scalars, the other gap once closed here, are ddbkit's own now:
expressions/projections.py.)
"""

from __future__ import annotations

from typing import Any

from moto.dynamodb.exceptions import InvalidUpdateExpressionInvalidDocumentPath
from moto.dynamodb.models.dynamo_type import Item
from moto.dynamodb.parsing import executors

from ddbkit.emulator.moto_ext.store import require


def _wrap_executor(original: Any) -> Any:
    def execute(self: Any, item: Item) -> Any:
        try:
            return original(self, item)
        except TypeError as exc:  # moto's DynamoType refusing a path through a scalar
            raise InvalidUpdateExpressionInvalidDocumentPath() from exc

    return execute


EXECUTORS = ("SetExecutor", "AddExecutor", "RemoveExecutor", "DeleteExecutor")


def install() -> None:
    require(executors, *EXECUTORS)
    for name in EXECUTORS:
        executor: Any = getattr(executors, name)
        executor.execute = _wrap_executor(executor.execute)

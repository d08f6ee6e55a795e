"""PartiQL statements: parameters bound in every statement, parser failures as DynamoDB's errors.

moto hands PartiQL to py_partiql_parser (`moto.dynamodb.parsing.partiql.query` and
`get_query_metadata`), which
- supports `?` parameters only in SELECT and UPDATE: `DELETE ... WHERE k = ?` and
  `INSERT ... VALUE {'k': ?}` (what SDKs send) fail an assertion or a TypeError;
- signals a statement it cannot read by raising whatever its code hits (AssertionError,
  IndexError, ValueError, ...) or by returning None (moto then fails unpacking it).
And moto's `batch_execute_statement` reports each statement's error with the exception's
`name`, which for moto's own errors is werkzeug's "Bad Request" (and a crash for others).

Here, in DELETE and INSERT statements, parameters are written into the statement as PartiQL
literals before parsing (with DynamoDB's message when their count does not match). What the
parser still cannot read (a number literal in UPDATE's SET or in DELETE's WHERE: it reads
quoted strings only) gets the error below; a parameter works there.
Whatever the parser cannot read is DynamoDB's ValidationException "Statement wasn't well
formed, can't be processed", and BatchExecuteStatement's errors carry DynamoDB's codes
(`ValidationError`, `ConditionalCheckFailed`, `ResourceNotFound`, ...).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import moto.dynamodb.parsing.partiql as partiql
from moto.core.exceptions import JsonRESTError
from moto.dynamodb.exceptions import MockValidationException
from moto.dynamodb.models import DynamoDBBackend

from ddbkit.emulator.moto_ext.store import require

NOT_WELL_FORMED = "Statement wasn't well formed, can't be processed: {detail}"
PARAMETER_COUNT = "Number of parameters in request and statement don't match."
BINDS = ("DELETE", "INSERT")  # the parser reads `?` in SELECT and UPDATE only
# DynamoDB's BatchStatementError codes, by the error type moto raises.
BATCH_CODES = {"ConditionalCheckFailedException": "ConditionalCheckFailed",
               "ResourceNotFoundException": "ResourceNotFound",
               "DuplicateItemException": "DuplicateItem",
               "TransactionConflictException": "TransactionConflict",
               "ProvisionedThroughputExceededException": "ProvisionedThroughputExceeded"}
_FIRST_WORD = re.compile(r"\s*([A-Za-z]+)")


def literal(value: Any) -> str:
    """A parameter (an attribute value) as a PartiQL literal."""
    if not isinstance(value, dict) or len(value) != 1:
        raise MockValidationException(NOT_WELL_FORMED.format(detail="unsupported parameter"))
    kind, inner = next(iter(value.items()))
    if kind == "S":
        return "'" + str(inner).replace("'", "''") + "'"
    if kind == "N":
        return str(inner)
    if kind == "BOOL":
        return "true" if inner else "false"
    if kind == "NULL":
        return "null"
    if kind == "M":
        return "{" + ", ".join(f"{literal({'S': k})}: {literal(v)}" for k, v in inner.items()) + "}"
    if kind == "L":
        return "[" + ", ".join(literal(v) for v in inner) + "]"
    if kind in ("SS", "NS"):
        return "<<" + ", ".join(literal({kind[0]: v}) for v in inner) + ">>"
    raise MockValidationException(NOT_WELL_FORMED.format(detail=f"{kind} parameters"))


def bind(statement: str, parameters: list[Any]) -> str:
    """The statement with each `?` outside quotes replaced by the next parameter."""
    out: list[str] = []
    quote = None
    used = 0
    for char in statement:
        if quote is not None:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "?":
            if used == len(parameters):
                raise MockValidationException(PARAMETER_COUNT)
            out.append(literal(parameters[used]))
            used += 1
            continue
        out.append(char)
    if used != len(parameters):
        raise MockValidationException(PARAMETER_COUNT)
    return "".join(out)


def _parsed(call: Callable[..., Any], statement: Any, *args: Any) -> Any:
    try:
        result = call(statement, *args)
    except JsonRESTError:
        raise
    except Exception as exc:
        detail = str(exc) if type(exc).__name__ == "ParserException" else statement
        raise MockValidationException(NOT_WELL_FORMED.format(detail=detail)) from exc
    if result is None:
        raise MockValidationException(NOT_WELL_FORMED.format(detail=statement))
    return result


def _wrap_query(original: Any) -> Any:
    def query(statement: str, source_data: Any, parameters: Any) -> Any:
        match = _FIRST_WORD.match(statement or "")
        if parameters and match is not None and match.group(1).upper() in BINDS:
            statement, parameters = bind(statement, list(parameters)), []
        return _parsed(original, statement, source_data, parameters or [])

    return query


def _wrap_get_query_metadata(original: Any) -> Any:
    def get_query_metadata(statement: str) -> Any:
        return _parsed(original, statement)

    return get_query_metadata


def _error_code(exc: JsonRESTError) -> str:
    kind = str(getattr(exc, "error_type", "")).rpartition("#")[2]
    return BATCH_CODES.get(kind, "ValidationError")


def _wrap_batch_execute_statement(original: Any) -> Any:
    """moto's loop, with each statement's own error code and message."""

    def batch_execute_statement(self: DynamoDBBackend, statements: list[dict[str, Any]]
                                ) -> list[dict[str, Any]]:
        execute = self.execute_statement

        def one(statement: str, parameters: list[Any]) -> list[dict[str, Any]]:
            try:
                return execute(statement=statement, parameters=parameters)
            except JsonRESTError as exc:
                raise _StatementError(exc) from exc

        self.execute_statement = one  # type: ignore[method-assign]
        try:
            responses = original(self, statements)
        finally:
            del self.execute_statement
        return responses  # type: ignore[no-any-return]

    return batch_execute_statement


class _StatementError(Exception):
    """One statement's error, with the `name` and `message` moto's loop reports."""

    def __init__(self, cause: JsonRESTError) -> None:
        super().__init__(cause.message)
        self.name = _error_code(cause)
        self.message = cause.message


def install() -> None:
    require(partiql, "query", "get_query_metadata")
    require(DynamoDBBackend, "execute_statement", "batch_execute_statement")
    module: Any = partiql  # models/__init__ calls partiql.query at run time
    module.query = _wrap_query(module.query)
    module.get_query_metadata = _wrap_get_query_metadata(module.get_query_metadata)
    DynamoDBBackend.batch_execute_statement = _wrap_batch_execute_statement(  # type: ignore[method-assign]
        DynamoDBBackend.batch_execute_statement)

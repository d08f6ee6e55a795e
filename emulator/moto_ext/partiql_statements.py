"""PartiQL statements run as the item operations they stand for.

Replaces `moto.dynamodb.models.DynamoDBBackend.execute_statement`, `execute_transaction` and
`batch_execute_statement`. moto hands every statement to py_partiql_parser together with a
JSON copy of every item of every table (each statement costs the whole store), and that parser
reads WHERE clauses with one comparison at most (`pk = 'a' AND age > 20`, `begins_with`,
nested paths and most `?` parameters fail), treats INSERT of an existing key as an upsert,
writes a transaction's statements one by one without rollback, and returns no items for a
batch's SELECTs.

Here `ddbkit.emulator.partiql` reads the statement into DynamoDB expressions and this module runs
it through moto's own item operations, so conditions, projections and updates are evaluated
as in GetItem/Query/Scan/UpdateItem, and every write goes through `Table.put_item`,
`delete_item` and `DynamoDBBackend.update_item` (indexes, streams, the journal):
- SELECT: the items of the WHERE clause's partition when it fixes the partition key, else
  of the table or index, filtered by the whole WHERE clause, projected;
- INSERT: refused with DuplicateItemException when the key exists (INSERT is no upsert);
- UPDATE / DELETE: the item of the WHERE clause's key equalities (all key attributes are
  required, each of its declared type, as for UpdateItem and DeleteItem's Key), the rest of
  the clause as the condition; UPDATE of a missing item fails its condition, as in DynamoDB;
- ExecuteTransaction: all statements or none (atomic_writes' undo journal), failures as
  TransactionCanceledException with one reason per statement;
- BatchExecuteStatement: each statement on its own, its error in its response entry with
  DynamoDB's codes (`ValidationError`, `ConditionalCheckFailed`, `ResourceNotFound`,
  `DuplicateItem`, ...); a SELECT must name the whole key.
"""

from __future__ import annotations

from typing import Any

from moto.core.exceptions import JsonRESTError
from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.exceptions import (
    ERROR_TYPE_PREFIX,
    MockValidationException,
    TransactionCanceledException,
)
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType

from ddbkit.emulator.moto_ext.atomic_writes import atomic
from ddbkit.emulator.moto_ext.index_keys import check as check_index_types
from ddbkit.emulator.moto_ext.index_keys import check_sizes
from ddbkit.emulator.moto_ext.key_schema import MISMATCH, matches
from ddbkit.emulator.moto_ext.key_values import check as check_key
from ddbkit.emulator.moto_ext.key_values import check_item
from ddbkit.emulator.moto_ext.partiql_paging import window
from ddbkit.emulator.moto_ext.store import request_keys, require, stored_item, table_items
from ddbkit.emulator.partiql.reader import Statement
from ddbkit.emulator.partiql.statements import read, rest_of
from ddbkit.emulator.partiql.tokens import NotWellFormed, ParameterCountError, paren

NOT_WELL_FORMED = "Statement wasn't well formed, can't be processed: {detail}"
PARAMETER_COUNT = "Number of parameters in request and statement don't match."
MISSING_KEY = "Where clause does not contain a mandatory equality on all key attributes"
BATCH_SELECT_KEY = ("Select statements within BatchExecuteStatement must specify the primary "
                    "key in the where clause.")
DUPLICATE = "Duplicate primary key exists in table"
# DynamoDB's BatchStatementError and cancellation codes, by the error type moto raises.
BATCH_CODES = {"ConditionalCheckFailedException": "ConditionalCheckFailed",
               "ResourceNotFoundException": "ResourceNotFound",
               "DuplicateItemException": "DuplicateItem",
               "TransactionConflictException": "TransactionConflict",
               "ProvisionedThroughputExceededException": "ProvisionedThroughputExceeded"}
KEY_PLACEHOLDER = "#ddbkit_key"


def prepare(statement: Any, parameters: Any) -> Statement:
    if not isinstance(statement, str):
        raise MockValidationException(NOT_WELL_FORMED.format(detail="no statement"))
    try:
        return read(statement, list(parameters or []))
    except ParameterCountError:
        raise MockValidationException(PARAMETER_COUNT) from None
    except NotWellFormed as exc:
        raise MockValidationException(NOT_WELL_FORMED.format(detail=str(exc))) from None
    except (TypeError, AttributeError, StopIteration):  # a parameter that is no value
        raise MockValidationException(
            NOT_WELL_FORMED.format(detail="unsupported parameter")) from None


def run(backend: DynamoDBBackend, statement: Statement) -> list[dict[str, Any]]:
    table = backend.get_table(statement.table)
    if statement.kind == "SELECT":
        return _select(table, statement)
    with atomic():
        if statement.kind == "INSERT":
            _insert(backend, table, statement)
        elif statement.kind == "UPDATE":
            backend.update_item(
                statement.table, full_key(table, statement),
                update_expression=statement.update or "",
                expression_attribute_names=statement.names,
                expression_attribute_values=statement.values,
                condition_expression=_must_exist(table, statement))
        else:
            backend.delete_item(statement.table, full_key(table, statement), statement.names,
                                statement.values, rest_of(statement, table.table_key_attrs))
    return []


def full_key(table: Any, statement: Statement) -> dict[str, Any]:
    key = {name: statement.equalities.get(name) for name in table.table_key_attrs}
    if any(value is None for value in key.values()):
        raise MockValidationException(MISSING_KEY)
    if not matches(table, key):  # a list or set there crashed moto's lookup (unhashable)
        raise MockValidationException(MISMATCH)
    return key


def _must_exist(table: Any, statement: Statement) -> str:
    statement.names[KEY_PLACEHOLDER] = table.hash_key_attr
    exists = f"attribute_exists({KEY_PLACEHOLDER})"
    rest = rest_of(statement, table.table_key_attrs)
    return f"{exists} AND {paren(rest)}" if rest else exists


def _insert(backend: DynamoDBBackend, table: Any, statement: Statement) -> None:
    item = statement.item or {}
    for name in table.table_key_attrs:
        if name not in item:
            raise MockValidationException(
                f"One or more parameter values were invalid: Missing the key {name} in the item")
    # The item is validated before the key is looked up, as a put's is before its condition.
    check_item(table, item)
    check_key(table, {name: item[name] for name in table.table_key_attrs})
    check_index_types(table, item)
    check_sizes(table, item)
    keys = request_keys(table, item)
    if keys is not None and stored_item(table, *keys) is not None:
        raise JsonRESTError(ERROR_TYPE_PREFIX + "DuplicateItemException", DUPLICATE)
    backend.put_item(statement.table, item)


def _select(table: Any, statement: Statement) -> list[dict[str, Any]]:
    index = None
    if statement.index is not None:
        index = next((i for i in table.all_indexes() if i.name == statement.index), None)
        if index is None:
            raise MockValidationException(
                f"The table does not have the specified index: {statement.index}")
    condition = get_filter_expression(statement.condition, statement.names,
                                      statement.values) if statement.condition else None
    candidates = _candidates(table, statement, index)
    if statement.descending:
        candidates.reverse()
    candidates = window(candidates)
    found = []
    for item in candidates:
        if index is not None and not all(k["AttributeName"] in item.attrs
                                         for k in index.schema):
            continue
        if condition is not None and not condition.expr(item):
            continue
        if index is not None:
            item = index.project(item)
        attributes = item.to_json()["Attributes"]
        found.append(attributes if statement.projection is None
                     else selected(attributes, statement.projection))
    return found


def selected(attributes: dict[str, Any], paths: list[list[Any]]) -> dict[str, Any]:
    """SELECT's paths of an item, each under its last name (`a.b` answers `b`), as
    DynamoDB's PartiQL answers them; a path the item does not have is left out."""
    out: dict[str, Any] = {}
    for path in paths:
        value: Any = {"M": attributes}
        for segment in path:
            kind, inner = next(iter(value.items()))
            if isinstance(segment, int) and kind == "L" and segment < len(inner):
                value = inner[segment]
            elif isinstance(segment, str) and kind == "M" and segment in inner:
                value = inner[segment]
            else:
                break
        else:
            names = [s for s in path if isinstance(s, str)]
            out[names[-1]] = value
    return out


def _candidates(table: Any, statement: Statement, index: Any) -> list[Any]:
    """The items a SELECT must look at: one partition when the WHERE clause fixes it, in
    the order of its sort key (the order a Query of the table or index answers in)."""
    if index is not None:
        return _index_candidates(table, statement, index)
    value = statement.equalities.get(table.hash_key_attr)
    if value is None:
        return table_items(table)
    hash_key = DynamoType(value)
    if hash_key.type != table.hash_key_type:
        return []
    entry = table.items.get(hash_key)
    if entry is None:
        return []
    if not table.range_key_attr:
        return [entry]
    return sorted(entry.values(), key=lambda item: item.range_key.cast_value)


def _index_candidates(table: Any, statement: Statement, index: Any) -> list[Any]:
    names = {k["KeyType"]: k["AttributeName"] for k in index.schema}
    value = statement.equalities.get(names["HASH"])
    if value is None:
        return table_items(table)
    wanted = DynamoType(value)
    found = [item for item in table_items(table)
             if names["HASH"] in item.attrs and item.attrs[names["HASH"]] == wanted]
    sort = names.get("RANGE")
    if sort is None:
        return found
    return sorted((item for item in found if sort in item.attrs),
                  key=lambda item: item.attrs[sort].cast_value)


def _error_code(exc: JsonRESTError) -> str:
    kind = str(getattr(exc, "error_type", "")).rpartition("#")[2]
    return BATCH_CODES.get(kind, "ValidationError")


def execute_statement(self: DynamoDBBackend, statement: str,
                      parameters: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return run(self, prepare(statement, parameters))


def execute_transaction(self: DynamoDBBackend,
                        statements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    prepared = [prepare(s.get("Statement"), s.get("Parameters")) for s in statements]
    reasons: list[tuple[Any, Any, Any]] = []
    responses: list[dict[str, Any]] = []
    with atomic():
        for statement in prepared:
            try:
                items = run(self, statement)
            except MockValidationException:
                raise  # the request itself is invalid
            except JsonRESTError as exc:
                reasons.append((_error_code(exc), exc.message, None))
                continue
            reasons.append((None, None, None))
            if statement.kind == "SELECT":
                responses.append({"Item": items[0]} if items else {})
        if any(code is not None for code, _, _ in reasons):
            raise TransactionCanceledException(reasons)
    return responses


def batch_execute_statement(self: DynamoDBBackend,
                            statements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    responses = []
    for entry in statements:
        try:
            statement = prepare(entry.get("Statement"), entry.get("Parameters"))
            table = self.get_table(statement.table)
            if statement.kind == "SELECT" and any(
                    name not in statement.equalities for name in table.table_key_attrs):
                raise MockValidationException(BATCH_SELECT_KEY)
            items = run(self, statement)
        except JsonRESTError as exc:
            responses.append({"Error": {"Code": _error_code(exc), "Message": exc.message}})
            continue
        response: dict[str, Any] = {"TableName": statement.table}
        if items:
            response["Item"] = items[0]
        responses.append(response)
    return responses


def install() -> None:
    require(DynamoDBBackend, "execute_statement", "execute_transaction",
            "batch_execute_statement", "get_table", "put_item", "update_item", "delete_item")
    owner: Any = DynamoDBBackend
    owner.execute_statement = execute_statement
    owner.execute_transaction = execute_transaction
    owner.batch_execute_statement = batch_execute_statement

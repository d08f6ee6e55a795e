"""PartiQL statements run as the item operations they stand for (the three PartiQL operations
share this module).

`partiql/statements.py` reads a statement into table, index, key equalities and DynamoDB
expressions; here each kind runs through the stages of its item operation, so checks,
conditions, indexes, streams, undo, journal and capacity are theirs:
- SELECT: a Query's stages on the partition the WHERE clause fixes (of the table or index,
  in sort order, reversed for ORDER BY ... DESC), else a Scan's, the whole clause as the
  filter, Limit items evaluated and a NextToken where the page stopped; its paths answered
  under their last name; `"table"."index"` checked by `read_index` (the one place that
  picks and checks the index a SELECT reads);
- INSERT: a PutItem that must not overwrite (DuplicateItemException);
- UPDATE: an UpdateItem of the WHERE clause's key, the rest of the clause and the item's
  existence as its condition (a missing item fails it, as in DynamoDB), RETURNING as its
  ReturnValues;
- DELETE: a DeleteItem of that key, the rest of the clause as its condition;
- EXISTS (ExecuteTransaction only): the item read as a GetItem reads it (its capacity), the
  rest of the clause checked on it as a write's condition is.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from ddbkit.emulator.moto_ext import calls, reads
from ddbkit.emulator.operations import (
    delete_item,
    get_item,
    item_pages,
    key_schema,
    key_selection,
    pipeline,
    put_item,
    update_item,
    writes,
)
from ddbkit.emulator.operations.call import Call, OperationError, validation_error
from ddbkit.emulator.partiql.reader import Statement
from ddbkit.emulator.partiql.statements import read, rest_of
from ddbkit.emulator.partiql.tokens import NotWellFormed, ParameterCountError, Refused, paren
from ddbkit.emulator.store import backfills, indexes

NOT_WELL_FORMED = "Statement wasn't well formed, can't be processed: {detail}"
PARAMETER_COUNT = "Number of parameters in request and statement don't match."
MISSING_KEY = "Where clause does not contain a mandatory equality on all key attributes"
DUPLICATE = "Duplicate primary key exists in table"
INVALID_TOKEN = "The provided NextToken is not valid for this statement"
EXISTS_ALONE = "EXISTS is only supported within ExecuteTransaction"
NO_INDEX = "The table does not have the specified index"
GSI_CONSISTENT = "Strongly consistent read is not supported on Global Secondary Indexes"
NOT_PROJECTED = ("One or more parameter values were invalid: Global secondary index {index} "
                 "does not project [{names}]")
KEY_PLACEHOLDER = "#ddbkit_key"
PARTITION_PLACEHOLDER = ":ddbkit_partition"


@dataclass
class Outcome:
    """What one statement answered: the items a SELECT found, the capacity it consumed (the
    item operation's ConsumedCapacity document) and, for a SELECT's page, where it stopped."""

    items: list[dict[str, Any]] = field(default_factory=list)
    consumed: dict[str, Any] | None = None
    next_key: dict[str, Any] | None = None


def prepare(statement: Any, parameters: Any) -> Statement:
    if not isinstance(statement, str):
        raise validation_error(NOT_WELL_FORMED.format(detail="no statement"))
    try:
        return read(statement, list(parameters or []))
    except ParameterCountError:
        raise validation_error(PARAMETER_COUNT) from None
    except Refused as exc:
        raise validation_error(str(exc)) from None
    except NotWellFormed as exc:
        raise validation_error(NOT_WELL_FORMED.format(detail=str(exc))) from None
    except (TypeError, AttributeError, StopIteration):  # a parameter that is no value
        raise validation_error(NOT_WELL_FORMED.format(detail="unsupported parameter")) from None


def run(call: Call, statement: Statement, options: dict[str, Any]) -> Outcome:
    """Runs one statement; `options` are the request's ReturnConsumedCapacity, Limit,
    ExclusiveStartKey (decoded) and ReturnValuesOnConditionCheckFailure."""
    if statement.kind == "EXISTS" and call.operation != "ExecuteTransaction":
        raise validation_error(EXISTS_ALONE)
    table = pipeline.resolve_table(call, statement.table)
    if statement.kind == "SELECT":
        key_selection.refuse_partiql(table, statement.index)
        if statement.deferred:
            raise validation_error(statement.deferred)
        return _select(call, table, statement, options)
    if statement.kind == "INSERT":
        return _insert(call, table, statement, options)
    if statement.kind == "EXISTS":
        return _exists(call, table, statement, options)
    request: dict[str, Any] = {"TableName": table.name, "Key": full_key(table, statement),
                               "ExpressionAttributeNames": statement.names,
                               "ExpressionAttributeValues": statement.values,
                               **_passed(options, "ReturnValuesOnConditionCheckFailure")}
    if statement.returning is not None:
        request["ReturnValues"] = statement.returning
    if statement.kind == "UPDATE":
        request["UpdateExpression"] = statement.update or ""
        request["ConditionExpression"] = _must_exist(table, statement)
        return _write(call, "UpdateItem", update_item.run_flat, request, options)
    rest = rest_of(statement, table.table_key_attrs)
    if rest:
        request["ConditionExpression"] = rest
    return _write(call, "DeleteItem", delete_item.run, request, options)


def full_key(table: Any, statement: Statement) -> dict[str, Any]:
    key = {name: statement.equalities.get(name) for name in table.table_key_attrs}
    if any(value is None for value in key.values()):
        raise validation_error(MISSING_KEY)
    return key


def _passed(options: dict[str, Any], *names: str) -> dict[str, Any]:
    return {name: options[name] for name in names if options.get(name) is not None}


def _must_exist(table: Any, statement: Statement) -> str:
    statement.names[KEY_PLACEHOLDER] = table.hash_key_attr
    exists = f"attribute_exists({KEY_PLACEHOLDER})"
    rest = rest_of(statement, table.table_key_attrs)
    return f"{exists} AND {paren(rest)}" if rest else exists


def _insert(call: Call, table: Any, statement: Statement, options: dict[str, Any]) -> Outcome:
    item = statement.item or {}
    for name in table.table_key_attrs:
        if name not in item:
            raise validation_error(
                f"One or more parameter values were invalid: Missing the key {name} in the item")
    request = {"TableName": table.name, "Item": item,
               "ConditionExpression": f"attribute_not_exists({KEY_PLACEHOLDER})",
               "ExpressionAttributeNames": {KEY_PLACEHOLDER: table.hash_key_attr}}
    try:
        return _write(call, "PutItem", put_item.run, request, options)
    except OperationError as exc:
        if exc.error_type == "ConditionalCheckFailedException":
            raise OperationError("DuplicateItemException", DUPLICATE) from None
        raise


def _write(call: Call, operation: str, run_item: Any, request: dict[str, Any],
           options: dict[str, Any]) -> Outcome:
    """The item operation's own run, on the request the statement stands for."""
    request.update(_passed(options, "ReturnConsumedCapacity"))
    _, _, body = run_item(Call(call.service, operation, request, call.account_id,
                                    call.region))
    answered = json.loads(body)
    returned = answered.get("Attributes")
    return Outcome(items=[returned] if returned else [],
                   consumed=answered.get("ConsumedCapacity"))


def key_only(table: Any, statement: Statement) -> bool:
    """A read of one item by its whole primary key and nothing else, as BatchExecuteStatement
    and ExecuteTransaction take a SELECT."""
    return statement.index is None and bool(statement.conjuncts) and \
        all(name in statement.equalities for name in table.table_key_attrs) and \
        rest_of(statement, table.table_key_attrs) is None


def _exists(call: Call, table: Any, statement: Statement, options: dict[str, Any]) -> Outcome:
    """EXISTS(SELECT ...): a ConditionCheck of the item the key names, by the rest of the
    WHERE clause; charged as the read of that item."""
    key = full_key(table, statement)
    condition = writes.conditions({
        "ConditionExpression": rest_of(statement, table.table_key_attrs) or "",
        "ExpressionAttributeNames": statement.names,
        "ExpressionAttributeValues": statement.values})
    request = {"TableName": table.name, "Key": key, "ConsistentRead": True,
               **_passed(options, "ReturnConsumedCapacity")}
    _, _, body = get_item.run(Call(call.service, "GetItem", request, call.account_id,
                                   call.region))
    old = writes.read_old(table, writes.check_key(table, writes.decoded_map(key)))
    writes.check_condition(condition, old)
    return Outcome(consumed=json.loads(body).get("ConsumedCapacity"))


# -- SELECT -------------------------------------------------------------------------------

def _select(call: Call, table: Any, statement: Statement, options: dict[str, Any]) -> Outcome:
    params: dict[str, Any] = {"TableName": table.name, **_passed(
        options, "ReturnConsumedCapacity", "ConsistentRead")}
    index = read_index(table, statement, bool(options.get("ConsistentRead")))
    with calls.moto_refusals():
        backfills.check_readable(table, index)
        values = writes.decoded_map(statement.values)
        condition = writes.parse_condition(statement.condition, statement.names, values,
                                           "FilterExpression", operands=False) \
            if statement.condition else None
        index_name = statement.index
        esk = options.get("ExclusiveStartKey")
        if esk is not None and not key_schema.matches(table, esk, index_name):
            raise validation_error(INVALID_TOKEN)  # made for this statement on another table
        start = indexes.start_key(table, index_name, esk)
        partition_name = table.hash_key_attr if index is None else next(
            k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH")
        value = statement.equalities.get(partition_name)
        partition = None
        following = None
        if value is None:
            candidates: Any = indexes.index_order(table, index_name, start)
        else:
            partition = reads.value(writes.decoded(value))
            if value.keys() != {_declared(table, partition_name)}:
                candidates = iter(())
            else:
                candidates, following = indexes.partition_range(
                    table, index_name, partition, None, [], start, not statement.descending)
    page = item_pages.read_page(candidates, options.get("Limit"), following)
    fetches = index is not None and not reads.is_global(table, index)
    if fetches and statement.projection is not None:
        params["Select"] = "ALL_ATTRIBUTES"  # an LSI reaches the base item's attributes
    _, _, body = item_pages.finish(item_pages.Reading(
        "ExecuteStatement", table, index, params, [], partition, fetches), page, condition)
    answered = json.loads(body)
    items = answered.get("Items") or []
    if statement.projection is not None:
        items = [selected(item, statement.projection) for item in items]
    return Outcome(items, answered.get("ConsumedCapacity"), answered.get("LastEvaluatedKey"))


def read_index(table: Any, statement: Statement, consistent: bool) -> Any:
    """The index a SELECT reads (`"table"."index"`; None: the table), checked as DynamoDB
    checks it: it exists, a GSI is read eventually consistent and projects the paths."""
    if statement.index is None:
        return None
    index = next((i for i in table.all_indexes() if i.name == statement.index), None)
    if index is None:
        raise validation_error(NO_INDEX)
    if not reads.is_global(table, index):
        return index
    if consistent:
        raise validation_error(GSI_CONSISTENT)
    held = reads.projected_names(table, index)
    if held is not None and statement.projection is not None:
        missing = [str(path[0]) for path in statement.projection if path[0] not in held]
        if missing:
            raise validation_error(NOT_PROJECTED.format(index=index.name,
                                                        names=", ".join(missing)))
    return index


def _declared(table: Any, name: str) -> str | None:
    for definition in table.attr or []:
        if definition["AttributeName"] == name:
            return str(definition["AttributeType"])
    return None


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


# -- NextToken: the statement it was made for and the key its page stopped at ---------------

def _fingerprint(statement: Any, parameters: Any) -> str:
    text = json.dumps([statement, parameters], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def next_token(params: dict[str, Any], key: dict[str, Any]) -> str:
    made_for = _fingerprint(params.get("Statement"), params.get("Parameters"))
    return base64.urlsafe_b64encode(json.dumps([made_for, key]).encode()).decode()


def start_key(params: dict[str, Any]) -> dict[str, Any] | None:
    """The ExclusiveStartKey a NextToken stands for (values decoded), or None without one."""
    token = params.get("NextToken")
    if token is None:
        return None
    try:
        made_for, key = json.loads(base64.urlsafe_b64decode(str(token).encode()))
    except (ValueError, TypeError):
        raise validation_error(INVALID_TOKEN) from None
    if made_for != _fingerprint(params.get("Statement"), params.get("Parameters")) or \
            not isinstance(key, dict):
        raise validation_error(INVALID_TOKEN)
    decoded: dict[str, Any] = writes.decoded_map(key)
    return decoded


# -- capacity of many statements, and their error codes -----------------------------------

# DynamoDB's BatchStatementError and cancellation codes, by the error an item operation raised.
CODES = {"ConditionalCheckFailedException": "ConditionalCheckFailed",
         "ResourceNotFoundException": "ResourceNotFound",
         "DuplicateItemException": "DuplicateItem",
         "TransactionConflictException": "TransactionConflict",
         "ProvisionedThroughputExceededException": "ProvisionedThroughputExceeded"}


def code(error: OperationError) -> str:
    return CODES.get(error.error_type, "ValidationError")


def consumed_list(outcomes: list[Outcome], factor: float = 1.0,
                  split: str | None = None) -> list[dict[str, Any]]:
    """The statements' ConsumedCapacity documents summed per table (a transaction's at
    `factor` 2: each of its reads and writes costs twice a plain one's, and each figure is
    repeated under `split`, ReadCapacityUnits or WriteCapacityUnits, as DynamoDB answers)."""
    tables: dict[str, dict[str, Any]] = {}
    for outcome in outcomes:
        if outcome.consumed is not None:
            name = outcome.consumed.get("TableName", "")
            tables[name] = _summed(tables.get(name, {}), outcome.consumed, factor)
    return [_split(document, split) for document in tables.values()] if split else \
        list(tables.values())


def _split(document: dict[str, Any], split: str) -> dict[str, Any]:
    out = {name: _split(value, split) if isinstance(value, dict) else value
           for name, value in document.items()}
    if "CapacityUnits" in out:
        out[split] = out["CapacityUnits"]
    return out


def _summed(into: dict[str, Any], document: dict[str, Any], factor: float) -> dict[str, Any]:
    out = dict(into)
    for name, value in document.items():
        if isinstance(value, dict):
            out[name] = _summed(out.get(name) or {}, value, factor)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            out[name] = out.get(name, 0.0) + value * factor
        else:
            out[name] = value
    return out

"""UpdateTable: changes a table's throughput, billing mode, GSIs, stream or deletion protection.

Read top to bottom as DynamoDB runs it. The endpoint already checked what the request says on
its own (`endpoint/rules/schema.py`: something to change, the stream specification's view
type, billing mode with throughput, the shape of each GSI action and its key attributes'
definitions), in DynamoDB's wording. Here, against the table as it is:
- the table, or ResourceNotFoundException naming it;
- a throughput equal to the current one; throughput for a PAY_PER_REQUEST table;
- the GSI actions: a Create of an index that exists, a Delete or Update of an LSI or of an
  index the table lacks (ResourceNotFoundException), more than one Create or Delete
  (LimitExceededException: DynamoDB builds one index at a time), a new index's throughput
  against the billing mode, its key attributes' definitions (those the table already uses
  keep their type: a new index may not redefine one);
- enabling a stream that is enabled, disabling one that is not;
then the changes, in the store: the new definitions, the GSIs (a new one CREATING, filled
from the table's items by its backfill, `store.backfills`, in the background for a table of
more than a thousand items, then ACTIVE; while it runs, another Create or Delete is refused
as DynamoDB refuses it, LimitExceededException; a deleted one gone, listed DELETING in this
answer), throughput, billing mode, stream (re-enabling one makes a new
stream), deletion protection and warm throughput; AttributeDefinitions keep only attributes
some key uses. The answer is the table's description. The endpoint's bracket journals it.
"""

from __future__ import annotations

from typing import Any

from ddbkit.emulator.operations import pipeline
from ddbkit.emulator.operations.call import (
    Answer,
    Call,
    OperationError,
    not_found,
    validation_error,
)
from ddbkit.emulator.operations.output import shaped_answer
from ddbkit.emulator.store import access, backfills, table_calls
from ddbkit.emulator.store.table_description import describe
from ddbkit.emulator.store.tables import utcnow

INVALID = "One or more parameter values were invalid: "
SAME_THROUGHPUT = (
    "The provisioned throughput for the table will not change. The requested value equals "
    "the current value. Current ReadCapacityUnits provisioned for the table: {read}. Requested "
    "ReadCapacityUnits: {read}. Current WriteCapacityUnits provisioned for the table: {write}. "
    "Requested WriteCapacityUnits: {write}. Refer to the Amazon DynamoDB Developer Guide for "
    "current limits and how to request higher limits.")
ON_DEMAND_THROUGHPUT = ("Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when "
                        "BillingMode is PAY_PER_REQUEST")
ONE_INDEX = ("Subscriber limit exceeded: Only 1 online index can be created or deleted "
             "simultaneously per table")
PAY_PER_REQUEST = "PAY_PER_REQUEST"


def run(call: Call) -> Answer:
    params = call.params
    name = params["TableName"]
    table = access.tables(pipeline.backend(call)).get(name)
    if table is None:
        raise not_found(f"Requested resource not found: Table: {name} not found")
    access.refuse_while_creating(table)
    _check_throughput(table, params)
    updates = params.get("GlobalSecondaryIndexUpdates") or []
    _check_index_actions(table, updates)
    definitions = _definitions(table, params.get("AttributeDefinitions") or [])
    for update in updates:
        if update.get("Create"):
            _check_new_index(table, params, update["Create"], definitions)
    _check_stream(table, params.get("StreamSpecification"))
    deleted = _apply(access.tables(pipeline.backend(call)), table, params, updates,
                     definitions)
    description = describe(table)
    if deleted:
        listed = description["TableDescription"].setdefault("GlobalSecondaryIndexes", [])
        listed.extend(deleted)
    return shaped_answer(call, description)


# -- validate ---------------------------------------------------------------------------

def _check_throughput(table: Any, params: dict[str, Any]) -> None:
    wanted = params.get("ProvisionedThroughput")
    if not wanted:
        return
    billing = params.get("BillingMode")
    if billing is None and table.billing_mode == PAY_PER_REQUEST:
        raise validation_error(ON_DEMAND_THROUGHPUT)
    if params.get("GlobalSecondaryIndexUpdates") or \
            (table.billing_mode or "PROVISIONED") != "PROVISIONED" or \
            (billing or "PROVISIONED") != "PROVISIONED":
        return
    current = table.throughput or {}
    read, write = wanted.get("ReadCapacityUnits"), wanted.get("WriteCapacityUnits")
    if read == current.get("ReadCapacityUnits") and write == current.get("WriteCapacityUnits"):
        raise validation_error(SAME_THROUGHPUT.format(read=read, write=write))


def _check_index_actions(table: Any, updates: list[dict[str, Any]]) -> None:
    globals_ = {index.name for index in table.global_indexes}
    locals_ = {index.name for index in table.indexes}
    for update in updates:
        if (update.get("Create") or {}).get("IndexName") in globals_ | locals_:
            raise validation_error("Attempting to create an index which already exists")
        for action in ("Delete", "Update"):
            index = (update.get(action) or {}).get("IndexName")
            if index in locals_:
                raise validation_error(f"Cannot {action.lower()} an index that is not a "
                                       f"GlobalSecondaryIndex: {index}")
            if index is not None and index not in globals_:
                raise not_found(f"Requested resource not found: Index: {index} not found for "
                                f"table: {table.name}")
    if sum(1 for u in updates if u.get("Create") or u.get("Delete")) > 1:
        raise OperationError("LimitExceededException", ONE_INDEX)
    # one being backfilled counts, unless it is the one deleted
    busy = {index.name for index in table.global_indexes
            if backfills.running(table, index.name)}
    if busy and any(u.get("Create") or (u.get("Delete") or {}).get("IndexName") not in
                    busy | {None} for u in updates):
        raise OperationError("LimitExceededException", ONE_INDEX)


def _definitions(table: Any, requested: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The request's definitions added to the table's; the table's win (an attribute a key
    already uses keeps its type)."""
    merged = {d["AttributeName"]: d for d in table.attr}
    for definition in requested:
        merged.setdefault(definition["AttributeName"], definition)
    return merged


def _check_new_index(table: Any, params: dict[str, Any], create: dict[str, Any],
                     definitions: dict[str, dict[str, Any]]) -> None:
    name = create["IndexName"]
    on_demand = (params.get("BillingMode") or table.billing_mode) == PAY_PER_REQUEST
    if on_demand and create.get("ProvisionedThroughput"):
        raise validation_error(INVALID + "Neither ReadCapacityUnits nor WriteCapacityUnits can "
                               f"be specified for index: {name} when BillingMode is "
                               "PAY_PER_REQUEST")
    if not on_demand and not create.get("ProvisionedThroughput"):
        raise validation_error(INVALID + f"ProvisionedThroughput must be specified for index: "
                               f"{name}")
    keys = [k["AttributeName"] for k in create.get("KeySchema") or []]
    missing = [key for key in keys if key not in definitions]
    if missing:
        raise validation_error(
            INVALID + "Some index key attributes are not defined in AttributeDefinitions. "
            f"Keys: [{', '.join(missing)}], AttributeDefinitions: [{', '.join(definitions)}]")
    requested = {d["AttributeName"]: d["AttributeType"]
                 for d in params.get("AttributeDefinitions") or []}
    for key in keys:
        kind = definitions[key]["AttributeType"]
        if requested.get(key, kind) != kind:
            raise validation_error(
                INVALID + f"Attribute {key} is already defined with type {kind}; index {name} "
                f"cannot define it as {requested[key]}")


def _check_stream(table: Any, specification: Any) -> None:
    if not isinstance(specification, dict) or "StreamEnabled" not in specification:
        return
    enabled = bool((table.stream_specification or {}).get("StreamEnabled"))
    if specification["StreamEnabled"] and enabled:
        raise validation_error(f"Table already has an enabled stream: TableName: {table.name}")
    if not specification["StreamEnabled"] and not enabled:
        raise validation_error(f"Table has no stream to disable: TableName: {table.name}")


# -- execute ----------------------------------------------------------------------------

def _apply(tables: dict[str, Any], table: Any, params: dict[str, Any],
           updates: list[dict[str, Any]],
           definitions: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Makes the changes; the deleted GSIs, as the answer lists them."""
    table.attr = list(definitions.values())
    deleted = _apply_index_updates(tables, table, updates) if updates else []
    if params.get("ProvisionedThroughput"):
        table.throughput = params["ProvisionedThroughput"]
    if params.get("BillingMode"):
        if params["BillingMode"] == PAY_PER_REQUEST != table.billing_mode:
            table.pay_per_request_since = utcnow()
        table.billing_mode = params["BillingMode"]
    if params.get("StreamSpecification"):
        table_calls.set_stream(table, params["StreamSpecification"])
    if params.get("DeletionProtectionEnabled") in (True, False):
        table.deletion_protection_enabled = params["DeletionProtectionEnabled"]
    if params.get("WarmThroughput"):
        table.warm_throughput = {**params["WarmThroughput"], "Status": "ACTIVE"}
    used = set(table.table_key_attrs) | {
        key["AttributeName"] for index in table.all_indexes() for key in index.schema}
    table.attr = [d for d in table.attr if d["AttributeName"] in used]
    return deleted


def _apply_index_updates(tables: dict[str, Any], table: Any,
                         updates: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_name = {index.name: index for index in table.global_indexes}
    deleted = []
    for update in updates:
        if update.get("Delete"):
            gone = by_name.pop(update["Delete"]["IndexName"])
            deleted.append(table_calls.index_as_deleted(gone))
        if update.get("Update"):
            changed = update["Update"]
            table_calls.update_global_index(by_name[changed["IndexName"]], changed)
        if update.get("Create"):
            index = table_calls.new_global_index(update["Create"])
            by_name[index.name] = index
    table_calls.set_global_indexes(tables, table, list(by_name.values()))
    return deleted

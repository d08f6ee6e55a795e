"""TransactGetItems: up to 100 items read as one snapshot, each by its primary key.

Validation beyond the API model (the endpoint already refused more than 100 actions, one
item named twice, bad expressions): an action whose Key does not match its table's key
schema cancels the transaction (TransactionCanceledException, that action's reason
ValidationError, the others None); then each Key's values (empty, too large: a plain
ValidationException); then each action's projection; an unknown table is
ResourceNotFoundException. Reads run under the store lock, so they see one state.

Answered in request order, `{}` for a Key that finds nothing; each item costs 2 units per
4 KB (a miss too), and the ConsumedCapacity list gives ReadCapacityUnits beside
CapacityUnits.
"""

from __future__ import annotations

from typing import Any

from ddbkit.emulator.capacity.rules import TRANSACTIONAL
from ddbkit.emulator.endpoint.protocol import ERROR_NAMESPACE
from ddbkit.emulator.operations import item_reads, keys, pipeline
from ddbkit.emulator.operations.call import Answer, Call, OperationError, answer, validation_error
from ddbkit.emulator.store import access

CANCELLED = ("Transaction cancelled, please refer cancellation reasons for specific reasons "
             "[{}]")


def run(call: Call) -> Answer:
    gets: list[dict[str, Any]] = [action["Get"] for action in call.params["TransactItems"]]
    backend = pipeline.backend(call)
    tables = [access.find_table(backend, get["TableName"]) for get in gets]
    _validate(gets, tables)
    selections = [item_reads.selection(get) for get in gets]
    meter = pipeline.meter("TransactGetItems", call.params, transactional=True)
    responses: list[dict[str, Any]] = []
    for get, table, paths in zip(gets, tables, selections, strict=True):
        if table is None:
            table = pipeline.resolve_table(call, get["TableName"])  # ResourceNotFoundException
        stored, partition = access.stored(table, get["Key"])
        if meter is not None:
            item_reads.charge(meter, table, stored, TRANSACTIONAL, partition)
        responses.append({} if stored is None else {"Item": item_reads.document(stored, paths)})
    if meter is not None:
        admit = pipeline.throughput()
        if admit is not None:
            admit(meter.charges)
    result: dict[str, Any] = {"Responses": responses}
    if meter is not None and meter.mode is not None:
        result["ConsumedCapacity"] = meter.consumed_list()
    return answer(result)


def _validate(gets: list[dict[str, Any]], tables: list[Any]) -> None:
    schemas = [None if table is None else access.key_schema(table) for table in tables]
    reasons = [None if schema is None or keys.matches(schema, get["Key"]) else keys.MISMATCH
               for get, schema in zip(gets, schemas, strict=True)]
    if any(reasons):
        raise cancelled(reasons)
    for get, schema in zip(gets, schemas, strict=True):
        problem = None if schema is None else keys.value_problem(schema, get["Key"])
        if problem is not None:
            raise validation_error(problem)


def cancelled(reasons: list[str | None]) -> OperationError:
    """TransactionCanceledException: one reason per action, in order."""
    codes = ["ValidationError" if reason else "None" for reason in reasons]
    message = CANCELLED.format(", ".join(codes))
    error = OperationError("TransactionCanceledException", message)
    error.document = {
        "__type": ERROR_NAMESPACE + "TransactionCanceledException",
        "CancellationReasons": [{"Code": "ValidationError", "Message": reason} if reason
                                else {"Code": "None"} for reason in reasons],
        "Message": message}
    return error

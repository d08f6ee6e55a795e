"""ExecuteTransaction: PartiQL statements applied all together or not at all.

Every statement is read first (a malformed one refuses the request); each then runs as
ExecuteStatement runs it (operations/statements.py) inside one undo journal, and when any
fails every write is put back (items, indexes, stream records) and the answer is
TransactionCanceledException with one reason per statement, in order. A SELECT answers its
one item. Capacity is twice a plain statement's, as for every transactional read or write.
"""

from __future__ import annotations

from typing import Any

from ddbkit.emulator.endpoint.protocol import ERROR_NAMESPACE
from ddbkit.emulator.operations import pipeline, statements
from ddbkit.emulator.operations.call import (
    Answer,
    Call,
    OperationError,
    answer,
    validation_error,
)
from ddbkit.emulator.partiql.statements import rest_of
from ddbkit.emulator.store.atomic_writes import atomic

CANCELLED = "Transaction cancelled, please refer cancellation reasons for specific reasons [{}]"
TRANSACTIONAL = 2.0
FAILED_IN = "Validation failed in TransactStatements[{}]: "
SELECT_KEY = ("Select statements within ExecuteTransaction must specify the primary key in "
              "the where clause.")
EXISTS_CONDITION = "EXISTS() must contain a single item read with additional condition"


class _Cancelled(Exception):
    pass


def run(call: Call) -> Answer:
    params = call.params
    prepared = [statements.prepare(s.get("Statement"), s.get("Parameters"))
                for s in params.get("TransactStatements") or []]
    for position, statement in enumerate(prepared):
        _check(call, position, statement)
    options = {name: params[name] for name in ("ReturnConsumedCapacity",) if name in params}
    reasons: list[tuple[str, str] | None] = []
    responses: list[dict[str, Any]] = []
    outcomes: list[statements.Outcome] = []
    try:
        with atomic():
            for statement in prepared:
                try:
                    outcome = statements.run(call, statement, options)
                except OperationError as exc:
                    if exc.error_type == "ValidationException":
                        raise  # the request itself is invalid
                    reasons.append((statements.code(exc), exc.message))
                    continue
                reasons.append(None)
                outcomes.append(outcome)
                if statement.kind == "SELECT":  # an EXISTS answers nothing
                    responses.append({"Item": outcome.items[0]} if outcome.items else {})
            if any(reasons):
                raise _Cancelled()
    except _Cancelled:
        raise cancelled(reasons) from None
    result: dict[str, Any] = {"Responses": responses}
    if params.get("ReturnConsumedCapacity") in ("TOTAL", "INDEXES"):
        writes = any(statement.kind != "SELECT" for statement in prepared)
        result["ConsumedCapacity"] = statements.consumed_list(
            outcomes, TRANSACTIONAL, "WriteCapacityUnits" if writes else "ReadCapacityUnits")
    return answer(result)


def _check(call: Call, position: int, statement: Any) -> None:
    """A SELECT reads one item by its whole key and no more; an EXISTS has a condition."""
    if statement.kind not in ("SELECT", "EXISTS"):
        return
    table = pipeline.resolve_table(call, statement.table)
    if statement.kind == "SELECT" and not statements.key_only(table, statement):
        raise validation_error(f"{FAILED_IN.format(position)}{SELECT_KEY}")
    if statement.kind == "EXISTS" and (statement.index is not None or any(
            name not in statement.equalities for name in table.table_key_attrs) or
            rest_of(statement, table.table_key_attrs) is None):
        raise validation_error(f"{FAILED_IN.format(position)}{EXISTS_CONDITION}")


def cancelled(reasons: list[tuple[str, str] | None]) -> OperationError:
    codes = [reason[0] if reason else "None" for reason in reasons]
    message = CANCELLED.format(", ".join(codes))
    error = OperationError("TransactionCanceledException", message)
    error.document = {
        "__type": ERROR_NAMESPACE + "TransactionCanceledException",
        "CancellationReasons": [{"Code": reason[0], "Message": reason[1]} if reason
                                else {"Code": "None"} for reason in reasons],
        "Message": message}
    return error

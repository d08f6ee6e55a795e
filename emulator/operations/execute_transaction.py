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
from ddbkit.emulator.operations import statements
from ddbkit.emulator.operations.call import Answer, Call, OperationError, answer
from ddbkit.emulator.store.atomic_writes import atomic

CANCELLED = "Transaction cancelled, please refer cancellation reasons for specific reasons [{}]"
TRANSACTIONAL = 2.0


class _Cancelled(Exception):
    pass


def run(call: Call) -> Answer:
    params = call.params
    prepared = [statements.prepare(s.get("Statement"), s.get("Parameters"))
                for s in params.get("TransactStatements") or []]
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
                if statement.kind == "SELECT":
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

"""BatchExecuteStatement: up to 25 PartiQL statements, each on its own (no atomicity).

Each runs as ExecuteStatement runs it (operations/statements.py); one that fails answers its
BatchStatementError in its response entry with DynamoDB's code (`ValidationError`,
`ConditionalCheckFailed`, `ResourceNotFound`, `DuplicateItem`, ...), the others still run.
A SELECT must name the whole primary key, and answers its one item.
"""

from __future__ import annotations

from typing import Any

from ddbkit.emulator.operations import key_selection, pipeline, statements
from ddbkit.emulator.operations.call import Answer, Call, OperationError, answer, validation_error

SELECT_KEY = ("Select statements within BatchExecuteStatement must specify the primary "
              "key in the where clause.")


def run(call: Call) -> Answer:
    params = call.params
    options = {name: params[name] for name in ("ReturnConsumedCapacity",) if name in params}
    responses: list[dict[str, Any]] = []
    outcomes: list[statements.Outcome] = []
    for entry in params.get("Statements") or []:
        try:
            statement = statements.prepare(entry.get("Statement"), entry.get("Parameters"))
            table = pipeline.resolve_table(call, statement.table)
            if statement.kind == "SELECT":
                key_selection.refuse_partiql(table, statement.index)
            if statement.kind == "SELECT" and not statements.key_only(table, statement):
                raise validation_error(SELECT_KEY)
            outcome = statements.run(call, statement, {
                **options, **({"ConsistentRead": True} if entry.get("ConsistentRead") else {})})
        except OperationError as exc:
            responses.append({"Error": {"Code": statements.code(exc), "Message": exc.message}})
            continue
        outcomes.append(outcome)
        response: dict[str, Any] = {"TableName": statement.table}
        if outcome.items:
            response["Item"] = outcome.items[0]
        responses.append(response)
    result: dict[str, Any] = {"Responses": responses}
    if params.get("ReturnConsumedCapacity") in ("TOTAL", "INDEXES"):
        result["ConsumedCapacity"] = statements.consumed_list(outcomes)
    return answer(result)

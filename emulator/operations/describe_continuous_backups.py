"""DescribeContinuousBackups: the table's PITR status and, while PITR is on, its window.

The window is DynamoDB's: EarliestRestorableDateTime the latest of when PITR was turned on,
now minus the recovery period and the oldest history kept; LatestRestorableDateTime five
minutes before now (`operations.pitr_window.window`). A table that does not exist is
TableNotFoundException, as DynamoDB answers the PITR operations.
"""

from __future__ import annotations

from typing import Any

from ddbkit.emulator.operations import pipeline
from ddbkit.emulator.operations.call import Answer, Call, OperationError
from ddbkit.emulator.operations.output import shaped_answer
from ddbkit.emulator.operations.pitr_window import DEFAULT_RECOVERY_DAYS, enabled, window
from ddbkit.emulator.store import access

PITR = "PointInTimeRecoveryDescription"


def run(call: Call) -> Answer:
    table = pitr_table(call, call.params["TableName"])
    return shaped_answer(call, {"ContinuousBackupsDescription": continuous_backups(table)})


def pitr_table(call: Call, name: str) -> Any:
    table = access.tables(pipeline.backend(call)).get(name)
    if table is None:
        raise OperationError("TableNotFoundException", f"Table not found: {name}")
    return table


def continuous_backups(table: Any) -> dict[str, Any]:
    """The table's ContinuousBackupsDescription as of now."""
    described: dict[str, Any] = table.continuous_backups
    if not enabled(table):
        return described
    earliest, latest = window(table)
    pitr = {**described[PITR], "EarliestRestorableDateTime": earliest,
            "LatestRestorableDateTime": latest}
    pitr.setdefault("RecoveryPeriodInDays", DEFAULT_RECOVERY_DAYS)
    return {**described, PITR: pitr}

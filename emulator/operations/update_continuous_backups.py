"""UpdateContinuousBackups: turns point-in-time recovery on (with its recovery period) or off.

Turning it on starts the restorable history now (the emulator's clock); asking again while
it is on keeps that start and may change RecoveryPeriodInDays (1-35, checked by the API
model; default 35, or the period already set). Turning it off forgets the window. The answer
is DescribeContinuousBackups'. The change is journaled by the endpoint's bracket, so it
survives a restart.
"""

from __future__ import annotations

from typing import Any

from ddbkit.emulator.operations.call import Answer, Call
from ddbkit.emulator.operations.describe_continuous_backups import (
    PITR,
    continuous_backups,
    pitr_table,
)
from ddbkit.emulator.operations.output import shaped_answer
from ddbkit.emulator.operations.pitr_window import DEFAULT_RECOVERY_DAYS, enabled
from ddbkit.emulator.store.clock import now


def run(call: Call) -> Answer:
    spec: dict[str, Any] = call.params["PointInTimeRecoverySpecification"]
    table = pitr_table(call, call.params["TableName"])
    if spec["PointInTimeRecoveryEnabled"]:
        pitr = dict(table.continuous_backups[PITR]) if enabled(table) else {
            "PointInTimeRecoveryStatus": "ENABLED", "EarliestRestorableDateTime": now()}
        pitr["RecoveryPeriodInDays"] = spec.get(
            "RecoveryPeriodInDays", pitr.get("RecoveryPeriodInDays", DEFAULT_RECOVERY_DAYS))
    else:
        pitr = {"PointInTimeRecoveryStatus": "DISABLED"}
    table.continuous_backups[PITR] = pitr
    return shaped_answer(call, {"ContinuousBackupsDescription": continuous_backups(table)})

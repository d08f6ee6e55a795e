"""Point-in-time recovery's window as DynamoDB reports it, real bounds.

Wraps `DynamoDBBackend.describe_continuous_backups` and `update_continuous_backups`, whose
bounds are the moment PITR was turned on, forever. `enabled` and `window` are also read by
the RestoreTableToPointInTime and ExportTableToPointInTime operations (`emulator/operations/`).

- The window, as `DescribeContinuousBackups` reports it: EarliestRestorableDateTime is the
  latest of when PITR was turned on, now minus the recovery period (`RecoveryPeriodInDays`,
  1-35, default 35) and the oldest history kept; LatestRestorableDateTime is now minus five
  minutes, as on AWS (never before the earliest).
- Without a data dir (`--in-memory`) nothing of the past is kept: the window is the present
  moment.

Times are the emulator's clock (`clock.now()`), so tests move it instead of waiting.
"""

from __future__ import annotations

from typing import Any

from moto.dynamodb.models import DynamoDBBackend

from ddbkit.emulator.durability import hooks
from ddbkit.emulator.moto_ext.clock import now
from ddbkit.emulator.moto_ext.store import require

DEFAULT_RECOVERY_DAYS = 35  # https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/PointInTimeRecovery_Howitworks.html
RESTORE_LAG = 300.0  # LatestRestorableDateTime is typically five minutes before now
DAY = 86400.0


def _description(table: Any) -> dict[str, Any]:
    return table.continuous_backups["PointInTimeRecoveryDescription"]  # type: ignore[no-any-return]


def enabled(table: Any) -> bool:
    return _description(table).get("PointInTimeRecoveryStatus") == "ENABLED"


def window(table: Any) -> tuple[float, float]:
    """(earliest, latest) restorable moments of a table with PITR on, epoch seconds."""
    description, moment = _description(table), now()
    history = hooks.history()
    if history is None:
        return moment, moment
    period = float(description.get("RecoveryPeriodInDays", DEFAULT_RECOVERY_DAYS)) * DAY
    start = history.starts_at()
    earliest = max(float(description.get("EarliestRestorableDateTime") or 0),
                   moment - period, moment if start is None else start)
    return earliest, max(earliest, moment - RESTORE_LAG)


def _wrap_describe(original: Any) -> Any:
    def describe_continuous_backups(self: DynamoDBBackend, table_name: str) -> Any:
        result = original(self, table_name)
        table = self.tables[table_name]
        if not enabled(table):
            return result
        earliest, latest = window(table)
        description = {**_description(table), "EarliestRestorableDateTime": earliest,
                       "LatestRestorableDateTime": latest}
        description.setdefault("RecoveryPeriodInDays", DEFAULT_RECOVERY_DAYS)
        return {**result, "PointInTimeRecoveryDescription": description}

    return describe_continuous_backups


def _wrap_update(original: Any) -> Any:
    def update_continuous_backups(self: DynamoDBBackend, table_name: str,
                                  spec: dict[str, Any]) -> Any:
        table = self.tables.get(table_name)
        was_enabled = table is not None and enabled(table)
        original(self, table_name, spec)
        table = self.tables[table_name]
        if enabled(table) and not was_enabled:
            _description(table)["EarliestRestorableDateTime"] = now()  # history starts here
            _description(table).pop("LatestRestorableDateTime", None)
        return _describe(self, table_name)

    return update_continuous_backups


def _describe(backend: Any, table_name: str) -> Any:
    return backend.describe_continuous_backups(table_name)


def install() -> None:
    require(DynamoDBBackend, "describe_continuous_backups", "update_continuous_backups")
    owner: Any = DynamoDBBackend
    owner.describe_continuous_backups = _wrap_describe(owner.describe_continuous_backups)
    owner.update_continuous_backups = _wrap_update(owner.update_continuous_backups)

"""Point-in-time recovery's window as DynamoDB reports it, real bounds.

moto's own bounds are the moment PITR was turned on, forever. `enabled` and `window` are read
by DescribeContinuousBackups, UpdateContinuousBackups, RestoreTableToPointInTime and
ExportTableToPointInTime.

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

from ddbkit.emulator.durability import hooks
from ddbkit.emulator.store.clock import now

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

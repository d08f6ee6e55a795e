"""Point-in-time recovery as DynamoDB does it: restore the state of a past second, real bounds.

Replaces moto's `DynamoHandler.restore_table_to_point_in_time`, which ignores the time and
copies the current table. DescribeContinuousBackups and UpdateContinuousBackups are ddbkit's
own operations (`operations/`); they read the window from here.

- `RestoreTableToPointInTime` (by `SourceTableName` or `SourceTableArn`, at `RestoreDateTime`
  or `UseLatestRestorableTime`) builds a new table from the source's state at that moment,
  read back from the data dir's history (`durability.history`), with the source's current
  settings and the request's overrides (`restored_tables`). Its errors are DynamoDB's:
  TableNotFoundException, TableAlreadyExistsException, PointInTimeRecoveryUnavailableException,
  InvalidRestoreTimeException.
- The window, as `DescribeContinuousBackups` reports it: EarliestRestorableDateTime is the
  latest of when PITR was turned on, now minus the recovery period (`RecoveryPeriodInDays`,
  1-35, default 35) and the oldest history kept; LatestRestorableDateTime is now minus five
  minutes, as on AWS (never before the earliest).
- Without a data dir (`--in-memory`) nothing of the past is kept: the window is the present
  moment, and `UseLatestRestorableTime` copies the table as it is.

Times are the emulator's clock (`clock.now()`), so tests move it instead of waiting.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from moto.core.exceptions import JsonRESTError
from moto.dynamodb.exceptions import (
    ERROR_TYPE_PREFIX,
    MockValidationException,
    PointInTimeRecoveryUnavailable,
    TableAlreadyExistsException,
    TableNotFoundException,
)
from moto.dynamodb.models.table import RestoredPITTable
from moto.dynamodb.responses import DynamoHandler, DynamoResult

from ddbkit.emulator.durability import hooks
from ddbkit.emulator.durability.history import HistoryUnavailable
from ddbkit.emulator.moto_ext.clock import now
from ddbkit.emulator.moto_ext.indexes import indexes_for
from ddbkit.emulator.moto_ext.restored_tables import restored_table
from ddbkit.emulator.moto_ext.store import require

DEFAULT_RECOVERY_DAYS = 35  # https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/PointInTimeRecovery_Howitworks.html
RESTORE_LAG = 300.0  # LatestRestorableDateTime is typically five minutes before now
DAY = 86400.0


class InvalidRestoreTime(JsonRESTError):
    def __init__(self) -> None:
        super().__init__(ERROR_TYPE_PREFIX + "InvalidRestoreTimeException",
                         "An invalid restore time was specified. RestoreDateTime must be "
                         "between EarliestRestorableDateTime and LatestRestorableDateTime.")


def _description(table: Any) -> dict[str, Any]:
    return table.continuous_backups["PointInTimeRecoveryDescription"]  # type: ignore[no-any-return]


def table_at(name: str, moment: float, refusal: type[Exception]) -> Any:
    """The table as the data dir's history has it at `moment`, or None with no history kept
    (in memory: the present serves). `refusal` when the history cannot say."""
    history = hooks.history()
    if history is None:
        return None
    try:
        past = history.table_as_of(name, moment)
    except HistoryUnavailable as exc:
        raise refusal() from exc
    if past is None:
        raise refusal()
    return past


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


def _source(backend: Any, body: dict[str, Any]) -> Any:
    name: Any = body.get("SourceTableName")
    arn: Any = body.get("SourceTableArn")
    if name is None and arn is None:
        raise MockValidationException("Either SourceTableName or SourceTableArn must be "
                                      "specified")
    if name is not None:
        table = backend.tables.get(name)
    else:
        table = next((t for t in backend.tables.values() if t.table_arn == arn), None)
    if table is None:
        raise TableNotFoundException(name if name is not None else arn)
    return table


def _restore_time(body: dict[str, Any], earliest: float, latest: float) -> float:
    when, latest_wanted = body.get("RestoreDateTime"), body.get("UseLatestRestorableTime")
    if when is not None and latest_wanted:
        raise MockValidationException("Only one of RestoreDateTime or UseLatestRestorableTime "
                                      "can be specified")
    if latest_wanted:
        return latest
    if when is None:
        raise MockValidationException("Either RestoreDateTime or UseLatestRestorableTime "
                                      "must be specified")
    moment = _epoch(when)
    if not earliest <= moment <= latest:
        raise InvalidRestoreTime()
    return moment


def _epoch(value: Any) -> float:
    """A request's timestamp (moto's parser gives datetimes, naive ones in UTC)."""
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return moment.timestamp()
    return float(value)


def restore_table_to_point_in_time(self: DynamoHandler) -> DynamoResult:
    body, backend = self.body, self.dynamodb_backend
    source = _source(backend, body)
    target = body.get("TargetTableName")
    if target in backend.tables:
        raise TableAlreadyExistsException(target)
    if not enabled(source):
        raise PointInTimeRecoveryUnavailable(source.name)
    moment = _restore_time(body, *window(source))
    past = table_at(source.name, moment, InvalidRestoreTime)
    items = restored_items(source) if past is None else past.items
    table = restored_table(RestoredPITTable, target, source, items, body,
                           datetime.fromtimestamp(moment, UTC).replace(tzinfo=None))
    backend.tables[target] = table
    indexes_for(table)  # as CreateTable does: built now, not by the first Query
    return DynamoResult(table.describe())


def restored_items(table: Any) -> Any:
    """A copy of a table's items, sharing nothing the source may change later."""
    return copy.deepcopy(table.items)


def install() -> None:
    require(DynamoHandler, "restore_table_to_point_in_time")
    handler: Any = DynamoHandler
    handler.restore_table_to_point_in_time = restore_table_to_point_in_time

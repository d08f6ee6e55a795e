"""RestoreTableToPointInTime: a new table holding the source's items as they were at a moment
of its recovery window, with the source's current settings and the request's overrides.

moto ignored the time and copied the current table. Here the source is named by
SourceTableName or SourceTableArn, the moment by RestoreDateTime or UseLatestRestorableTime,
and the items are read back from the data dir's history (`past_tables`) off the request
path: the answer describes the new table CREATING, and it turns ACTIVE once its items and
indexes are in place (`restore_jobs`; a moment the history cannot give drops it). In memory
nothing of the past is kept, the window is the present and the table's item map is copied
as it is (`store.item_copies`, a part at a time). The window
is DescribeContinuousBackups' (`operations.pitr_window.window`). DynamoDB's errors:
TableNotFoundException, TableAlreadyExistsException, PointInTimeRecoveryUnavailableException,
InvalidRestoreTimeException.
"""

from __future__ import annotations

from typing import Any

from ddbkit.emulator.durability.hooks import history
from ddbkit.emulator.operations import pipeline, restore_jobs
from ddbkit.emulator.operations.call import Answer, Call, OperationError, validation_error
from ddbkit.emulator.operations.past_tables import table_at
from ddbkit.emulator.operations.pitr_window import enabled, window
from ddbkit.emulator.operations.timestamps import epoch, naive_utc
from ddbkit.emulator.store import backup_calls, restores
from ddbkit.emulator.store.item_map import ItemMap


def invalid_restore_time() -> OperationError:
    return OperationError("InvalidRestoreTimeException",
                          "An invalid restore time was specified. RestoreDateTime must be "
                          "between EarliestRestorableDateTime and LatestRestorableDateTime.")


def pitr_unavailable(name: str) -> OperationError:
    return OperationError("PointInTimeRecoveryUnavailableException",
                          f"Point in time recovery is not enabled for table '{name}'")


def run(call: Call) -> Answer:
    params, backend = call.params, pipeline.backend(call)
    source = _source(backend, params)
    target = params["TargetTableName"]
    if backup_calls.table_named(backend, target) is not None:
        raise OperationError("TableAlreadyExistsException", f"Table already exists: {target}")
    if not enabled(source):
        raise pitr_unavailable(source.name)
    earliest, latest = window(source)
    moment = _restore_time(params, earliest, latest)
    shown, work = (restores.to_point_in_time(target, source, ItemMap(), params,
                                             naive_utc(moment)) for _ in range(2))
    work.created_at = shown.created_at
    backend.tables[target] = shown
    present = backup_calls.items_copy(source) if history() is None else None
    restore_jobs.start(backend, shown, work, lambda: _items(source.name, moment, earliest, present))
    return pipeline.shaped_answer(call, backup_calls.describe(shown))


def _items(name: str, moment: float, earliest: float, present: Any) -> Any:
    """The source's items at `moment` (off the request path), or `present` in memory."""
    if present is not None:
        return present.whole()
    return backup_calls.items_of(table_at(name, moment, invalid_restore_time, earliest))


def _source(backend: Any, params: dict[str, Any]) -> Any:
    name, arn = params.get("SourceTableName"), params.get("SourceTableArn")
    if name is None and arn is None:
        raise validation_error("Either SourceTableName or SourceTableArn must be specified")
    table = (backup_calls.table_named(backend, name) if name is not None
             else backup_calls.table_with_arn(backend, arn))
    if table is None:
        raise OperationError("TableNotFoundException",
                             f"Table not found: {name if name is not None else arn}")
    return table


def _restore_time(params: dict[str, Any], earliest: float, latest: float) -> float:
    when, latest_wanted = params.get("RestoreDateTime"), params.get("UseLatestRestorableTime")
    if when is not None and latest_wanted:
        raise validation_error("Only one of RestoreDateTime or UseLatestRestorableTime can be "
                               "specified")
    if latest_wanted:
        return latest
    if when is None:
        raise validation_error("Either RestoreDateTime or UseLatestRestorableTime must be "
                               "specified")
    moment = epoch(when)
    if not earliest <= moment <= latest:
        raise invalid_restore_time()
    return moment

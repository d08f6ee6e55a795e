"""ListBackups: the on-demand backups, filtered and paged as DynamoDB does, oldest first.

moto read only TableName. Here also BackupType (USER unless given; ALL; none are SYSTEM
here), TimeRangeLowerBound and TimeRangeUpperBound (inclusive, on the emulator's clock),
Limit (1-100, and the page size when none is given) and ExclusiveStartBackupArn. Times
compare to the millisecond, the precision answers give them in, so a backup's own
BackupCreationDateTime, sent back as a bound, finds it.
"""

from __future__ import annotations

from typing import Any

from ddbkit.emulator.operations import pipeline
from ddbkit.emulator.operations.call import Answer, Call, validation_error
from ddbkit.emulator.operations.timestamps import epoch
from ddbkit.emulator.store import backup_calls

MAX_LIMIT = 100  # https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_ListBackups.html


def run(call: Call) -> Answer:
    params = call.params
    table, wanted = params.get("TableName"), params.get("BackupType") or "USER"
    lower, upper = _bound(params, "TimeRangeLowerBound"), _bound(params, "TimeRangeUpperBound")
    limit = int(params.get("Limit") or MAX_LIMIT)
    found = sorted((b for b in backup_calls.entries(pipeline.backend(call))
                    if table in (None, b.table_name, b.table_arn) and wanted in ("ALL", b.type)
                    and (lower is None or _ms(b.created) >= lower)
                    and (upper is None or _ms(b.created) <= upper)),
                   key=lambda b: (b.created, b.arn))
    start = params.get("ExclusiveStartBackupArn")
    if start is not None:
        arns = [b.arn for b in found]
        if start not in arns:
            raise validation_error(f"Invalid ExclusiveStartBackupArn: {start}")
        found = found[arns.index(start) + 1:]
    page = found[:limit]
    result: dict[str, Any] = {"BackupSummaries": [backup_calls.summary(b.backup) for b in page]}
    if len(found) > limit:
        result["LastEvaluatedBackupArn"] = page[-1].arn
    return pipeline.shaped_answer(call, result)


def _bound(params: dict[str, Any], name: str) -> int | None:
    return None if params.get(name) is None else _ms(epoch(params[name]))


def _ms(moment: float) -> int:
    """Epoch milliseconds, truncated as answers truncate them (whole microseconds first:
    a float's last digit is noise)."""
    return round(moment * 1_000_000) // 1000

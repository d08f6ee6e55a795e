"""Which operations ddbkit runs itself: (service, operation) -> the module's `run`.

An operation listed here is never handed to moto's handler; one not listed still is, until
it moves (docs/emulator.md lists both).
"""

from __future__ import annotations

from collections.abc import Callable

from ddbkit.emulator.operations import (
    create_backup,
    delete_backup,
    describe_backup,
    describe_export,
    describe_import,
    describe_time_to_live,
    export_table_to_point_in_time,
    import_table,
    list_backups,
    list_exports,
    list_imports,
    restore_table_from_backup,
    restore_table_to_point_in_time,
    update_time_to_live,
)
from ddbkit.emulator.operations.call import Answer, Call

Run = Callable[[Call], Answer]

_DYNAMODB = {
    "DescribeTimeToLive": describe_time_to_live.run,
    "UpdateTimeToLive": update_time_to_live.run,
    "CreateBackup": create_backup.run,
    "DescribeBackup": describe_backup.run,
    "ListBackups": list_backups.run,
    "DeleteBackup": delete_backup.run,
    "RestoreTableFromBackup": restore_table_from_backup.run,
    "RestoreTableToPointInTime": restore_table_to_point_in_time.run,
    "ExportTableToPointInTime": export_table_to_point_in_time.run,
    "DescribeExport": describe_export.run,
    "ListExports": list_exports.run,
    "ImportTable": import_table.run,
    "DescribeImport": describe_import.run,
    "ListImports": list_imports.run,
}
_STREAMS: dict[str, Run] = {}

OPERATIONS: dict[tuple[str, str], Run] = {
    **{("dynamodb", name): run for name, run in _DYNAMODB.items()},
    **{("dynamodbstreams", name): run for name, run in _STREAMS.items()},
}


def lookup(service: str, operation: str) -> Run | None:
    return OPERATIONS.get((service, operation))

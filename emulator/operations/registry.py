"""Which operations ddbkit runs: (service, operation) -> the module's `run`.

Every operation the emulator serves is listed here; the endpoint answers any other one
UnknownOperationException (docs/emulator.md lists what is served).
"""

from __future__ import annotations

from collections.abc import Callable

from ddbkit.emulator.operations import (
    batch_execute_statement,
    batch_get_item,
    batch_write_item,
    cancel_bulk_operation,
    create_backup,
    create_table,
    delete_backup,
    delete_item,
    delete_resource_policy,
    delete_table,
    describe_backup,
    describe_bulk_operation,
    describe_continuous_backups,
    describe_endpoints,
    describe_export,
    describe_import,
    describe_limits,
    describe_stream,
    describe_table,
    describe_time_to_live,
    execute_statement,
    execute_transaction,
    export_table_to_point_in_time,
    get_item,
    get_records,
    get_resource_policy,
    get_shard_iterator,
    import_table,
    list_backups,
    list_bulk_operations,
    list_exports,
    list_imports,
    list_streams,
    list_tables,
    list_tags_of_resource,
    put_item,
    put_resource_policy,
    query,
    restore_table_from_backup,
    restore_table_to_point_in_time,
    scan,
    start_bulk_put_items,
    tag_resource,
    transact_get_items,
    transact_write_items,
    untag_resource,
    update_continuous_backups,
    update_item,
    update_table,
    update_time_to_live,
)
from ddbkit.emulator.operations.call import Answer, Call

Run = Callable[[Call], Answer]

_DYNAMODB = {
    "BatchExecuteStatement": batch_execute_statement.run,
    "BatchGetItem": batch_get_item.run,
    "BatchWriteItem": batch_write_item.run,
    "CancelBulkOperation": cancel_bulk_operation.run,
    "CreateBackup": create_backup.run,
    "CreateTable": create_table.run,
    "DeleteBackup": delete_backup.run,
    "DeleteItem": delete_item.run,
    "DeleteResourcePolicy": delete_resource_policy.run,
    "DeleteTable": delete_table.run,
    "DescribeBackup": describe_backup.run,
    "DescribeBulkOperation": describe_bulk_operation.run,
    "DescribeContinuousBackups": describe_continuous_backups.run,
    "DescribeEndpoints": describe_endpoints.run,
    "DescribeExport": describe_export.run,
    "DescribeImport": describe_import.run,
    "DescribeLimits": describe_limits.run,
    "DescribeTable": describe_table.run,
    "DescribeTimeToLive": describe_time_to_live.run,
    "ExecuteStatement": execute_statement.run,
    "ExecuteTransaction": execute_transaction.run,
    "ExportTableToPointInTime": export_table_to_point_in_time.run,
    "GetItem": get_item.run,
    "GetResourcePolicy": get_resource_policy.run,
    "ImportTable": import_table.run,
    "ListBackups": list_backups.run,
    "ListBulkOperations": list_bulk_operations.run,
    "ListExports": list_exports.run,
    "ListImports": list_imports.run,
    "ListTables": list_tables.run,
    "ListTagsOfResource": list_tags_of_resource.run,
    "PutItem": put_item.run,
    "PutResourcePolicy": put_resource_policy.run,
    "Query": query.run,
    "RestoreTableFromBackup": restore_table_from_backup.run,
    "RestoreTableToPointInTime": restore_table_to_point_in_time.run,
    "Scan": scan.run,
    "StartBulkPutItems": start_bulk_put_items.run,
    "TagResource": tag_resource.run,
    "TransactGetItems": transact_get_items.run,
    "TransactWriteItems": transact_write_items.run,
    "UntagResource": untag_resource.run,
    "UpdateContinuousBackups": update_continuous_backups.run,
    "UpdateItem": update_item.run,
    "UpdateTable": update_table.run,
    "UpdateTimeToLive": update_time_to_live.run,
}
_STREAMS = {
    "DescribeStream": describe_stream.run,
    "GetRecords": get_records.run,
    "GetShardIterator": get_shard_iterator.run,
    "ListStreams": list_streams.run,
}

OPERATIONS: dict[tuple[str, str], Run] = {
    **{("dynamodb", name): run for name, run in _DYNAMODB.items()},
    **{("dynamodbstreams", name): run for name, run in _STREAMS.items()},
}


def lookup(service: str, operation: str) -> Run | None:
    return OPERATIONS.get((service, operation))

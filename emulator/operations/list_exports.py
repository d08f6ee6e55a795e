"""ListExports: every export, or a table's (TableArn), oldest first, MaxResults a page.

moto required TableArn (DynamoDB takes it as an optional filter) and did not page.
"""

from __future__ import annotations

from typing import Any

from ddbkit.emulator.operations import pipeline
from ddbkit.emulator.operations.call import Answer, Call
from ddbkit.emulator.operations.paging import paged
from ddbkit.emulator.store import backup_calls

MAX_RESULTS = 25  # https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_ListExports.html
SUMMARY_FIELDS = ("ExportArn", "ExportStatus", "ExportType")


def run(call: Call) -> Answer:
    params, table_arn = call.params, call.params.get("TableArn")
    found = [d for d in backup_calls.export_records(pipeline.backend(call)).values()
             if isinstance(d, dict) and table_arn in (None, d["TableArn"])]
    page, token = paged(found, "ExportArn", params.get("NextToken"),
                        int(params.get("MaxResults") or MAX_RESULTS))
    result: dict[str, Any] = {
        "ExportSummaries": [{k: d[k] for k in SUMMARY_FIELDS} for d in page]}
    if token:
        result["NextToken"] = token
    return pipeline.shaped_answer(call, result)

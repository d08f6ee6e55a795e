"""ListImports: every import, or a table's (TableArn), oldest first, PageSize a page
(moto lacked the operation)."""

from __future__ import annotations

from typing import Any

from ddbkit.emulator.moto_ext import backup_calls
from ddbkit.emulator.operations import pipeline
from ddbkit.emulator.operations.call import Answer, Call
from ddbkit.emulator.operations.paging import paged

PAGE_SIZE = 25  # https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_ListImports.html
SUMMARY_FIELDS = ("ImportArn", "ImportStatus", "TableArn", "S3BucketSource", "InputFormat",
                  "StartTime", "EndTime")


def run(call: Call) -> Answer:
    params, table_arn = call.params, call.params.get("TableArn")
    found = [d for d in backup_calls.import_records(pipeline.backend(call)).values()
             if isinstance(d, dict) and table_arn in (None, d["TableArn"])]
    page, token = paged(found, "ImportArn", params.get("NextToken"),
                        int(params.get("PageSize") or PAGE_SIZE))
    result: dict[str, Any] = {
        "ImportSummaryList": [{k: d[k] for k in SUMMARY_FIELDS if k in d} for d in page]}
    if token:
        result["NextToken"] = token
    return pipeline.shaped_answer(call, result)

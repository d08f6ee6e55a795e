"""ListImports: every import, or a table's (TableArn), oldest first, PageSize a page
(moto lacked the operation).

The API model wants a NextToken of hex digits in groups of 16, at least 112 of them (as
DynamoDB's own tokens are): the next page's import ARN is sent hex-encoded and padded so.
"""

from __future__ import annotations

from typing import Any

from ddbkit.emulator.operations import pipeline
from ddbkit.emulator.operations.call import Answer, Call, validation_error
from ddbkit.emulator.operations.paging import paged
from ddbkit.emulator.store import backup_calls

PAGE_SIZE = 25  # https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_ListImports.html
TOKEN_LENGTH = 112  # NextToken's minimum length in the API model
SUMMARY_FIELDS = ("ImportArn", "ImportStatus", "TableArn", "S3BucketSource", "InputFormat",
                  "StartTime", "EndTime")


def run(call: Call) -> Answer:
    params, table_arn = call.params, call.params.get("TableArn")
    found = [d for d in backup_calls.import_records(pipeline.backend(call)).values()
             if isinstance(d, dict) and table_arn in (None, d["TableArn"])]
    page, last = paged(found, "ImportArn", _arn(params.get("NextToken")),
                       int(params.get("PageSize") or PAGE_SIZE))
    result: dict[str, Any] = {
        "ImportSummaryList": [{k: d[k] for k in SUMMARY_FIELDS if k in d} for d in page]}
    if last:
        result["NextToken"] = _token(last)
    return pipeline.shaped_answer(call, result)


def _token(arn: str) -> str:
    text = arn.encode().hex()  # an ARN holds no NUL byte, so "00" padding reads back off
    return text.ljust(max(TOKEN_LENGTH, -(-len(text) // 16) * 16), "0")


def _arn(token: Any) -> str | None:
    if token is None:
        return None
    try:
        return bytes.fromhex(token).rstrip(b"\0").decode()
    except (TypeError, ValueError):
        raise validation_error(f"Invalid NextToken: {token}") from None

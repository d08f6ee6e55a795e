"""ListStreams: the streams of every table, or of `TableName`'s, paged by stream ARN.

A table whose stream was disabled is still listed: its old stream stays readable
(DescribeStream shows it DISABLED). A TableName that names no table lists nothing, as on
DynamoDB. The endpoint already refused a Limit outside 1..100 and an
ExclusiveStartStreamArn shorter than an ARN (botocore's model); one that is not formed as a
stream's ARN is a ValidationException, as DescribeStream's.
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_ListStreams.html
"""

from __future__ import annotations

from typing import Any

from ddbkit.emulator.operations import pipeline, stream_views
from ddbkit.emulator.operations.call import Answer, Call, answer
from ddbkit.emulator.operations.paging import page

DEFAULT_LIMIT = 100  # AWS: at most 100 streams a page, 100 when no Limit is given


def run(call: Call) -> Answer:
    params = call.params
    if (start := params.get("ExclusiveStartStreamArn")) is not None:
        pipeline.check_stream_arn(start)
    streams = stream_views.streams(pipeline.backend(call), params.get("TableName"))
    listed = [{"StreamArn": s.arn, "TableName": s.table_name, "StreamLabel": s.label}
              for s in streams]
    chosen, last = page(listed, lambda entry: entry["StreamArn"],
                        params.get("ExclusiveStartStreamArn"), params.get("Limit"),
                        DEFAULT_LIMIT)
    result: dict[str, Any] = {"Streams": chosen}
    if last is not None:
        result["LastEvaluatedStreamArn"] = last
    return answer(result)

"""Waiting for an export: ExportTableToPointInTime answers IN_PROGRESS, as DynamoDB does, and
DescribeExport says when the files are written."""

from __future__ import annotations

import time
from typing import Any


def finished(client: Any, answer: dict[str, Any], timeout: float = 120) -> dict[str, Any]:
    """The export's description once it is no longer IN_PROGRESS (`answer`: the
    ExportTableToPointInTime answer or its ExportDescription)."""
    arn = answer.get("ExportDescription", answer)["ExportArn"]
    deadline = time.monotonic() + timeout
    while True:
        found: dict[str, Any] = client.describe_export(ExportArn=arn)["ExportDescription"]
        if found["ExportStatus"] != "IN_PROGRESS":
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"export {arn} still IN_PROGRESS after {timeout:.0f} s")
        time.sleep(0.02)

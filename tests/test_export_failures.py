"""An export whose writer fails in a way it does not expect ends FAILED, not IN_PROGRESS for
ever: the worker settles it (InternalError), removes what it wrote and logs the traceback.
Store objects only, no journal: nothing in the server makes the writer fail on purpose."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import pytest

from ddbkit.emulator.operations import export_jobs

ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/t/export/01"


def _broken_history() -> None:
    raise RuntimeError("the history reader broke")


def test_an_export_whose_writer_breaks_ends_failed(tmp_path: Path,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    partial = tmp_path / "bucket" / "p" / "AWSDynamoDB" / "01" / "data"
    partial.mkdir(parents=True)
    (partial / "half.json.gz").write_bytes(b"half")
    records = {ARN: {"ExportArn": ARN, "ExportStatus": "IN_PROGRESS"}}
    export = export_jobs.Export(records, ARN, "01", tmp_path / "bucket", "p", "arn:t", "id",
                                False, None, past=_broken_history)
    with caplog.at_level(logging.ERROR, logger="ddbkit"):
        export_jobs._write(export, threading.Event())
    described = records[ARN]
    assert described["ExportStatus"] == "FAILED" and described["FailureCode"] == "InternalError"
    assert "see the server's log" in described["FailureMessage"] and "EndTime" in described
    assert not (tmp_path / "bucket" / "p" / "AWSDynamoDB" / "01").exists()
    assert "the history reader broke" in caplog.text  # the traceback, in the log

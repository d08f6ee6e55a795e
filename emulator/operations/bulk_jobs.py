"""StartBulkPutItems' work, off the request path: the items of the DYNAMODB_JSON files under
the input prefix (gzip or plain, `s3_folders`) put into the existing table, one worker
thread ("bulk"), operations one at a time.

Each record goes through PutItem's stages (`record_puts`: indexes, stream record), `CHUNK`
records per hold of the store lock, each chunk journaled as the TTL reaper's are. A line that
is no item, or an item that does not fit the table, is counted in FailedItemCount (it is
also in ProcessedItemCount, as on AWS) and, when OutputType lists ERROR, written to the
output prefix as one JSON line (`ERRORS_FILE`); the operation then ends
COMPLETED_WITH_ERRORS. A missing bucket or prefix, an unreadable file, or the table deleted
meanwhile: FAILED with FailureCode and FailureMessage (what was written stays, as on AWS).
MaxWriteRequestUnits caps the rate: after each chunk the worker sleeps until the write
request units written (one per KB of each item, as PutItem's) fit the rate since it began.
CancelBulkOperation turns it CANCELLING; the worker stops at the next chunk: CANCELLED.

The operations' descriptions are kept in memory (the catalog's `bulk_operations`): a
restart forgets them (the items written stay: they were journaled).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ddbkit.emulator.capacity.rules import write_units
from ddbkit.emulator.capacity.sizes import item_size
from ddbkit.emulator.durability import hooks
from ddbkit.emulator.durability.journal import JournalError
from ddbkit.emulator.operations.import_table import ImportFailed, data_files
from ddbkit.emulator.operations.record_puts import put_record
from ddbkit.emulator.operations.timestamps import aware_utc
from ddbkit.emulator.store.access import STORE_LOCK
from ddbkit.emulator.store.background import worker
from ddbkit.emulator.store.clock import now
from ddbkit.fixtures import aws_layout

log = logging.getLogger("ddbkit")

IN_PROGRESS, COMPLETED, COMPLETED_WITH_ERRORS = "IN_PROGRESS", "COMPLETED", \
    "COMPLETED_WITH_ERRORS"
CANCELLING, CANCELLED, FAILED = "CANCELLING", "CANCELLED", "FAILED"
TERMINAL = (COMPLETED, COMPLETED_WITH_ERRORS, CANCELLED, FAILED)
CHUNK = 500  # records per hold of the store lock
ERRORS_FILE = "errors.json"  # under <S3KeyPrefix>/AWSDynamoDB/BulkOperations/<id>/


@dataclass
class BulkPut:
    records: dict[str, Any]  # the catalog's BulkOperationDescriptions, by ARN
    arn: str
    operation_id: str
    tables: dict[str, Any]  # the catalog's tables: the table may go meanwhile
    table: Any
    input_folder: Path
    input_prefix: str
    errors_to: Path | None  # the errors file, when OutputType lists ERROR
    max_units: int | None
    counts: dict[str, int] = field(default_factory=lambda: {
        "ProcessedItemCount": 0, "FailedItemCount": 0, "ProcessedInputBytes": 0})


def submit(job: BulkPut) -> None:
    worker("bulk").submit(lambda stop: _run(job, stop))


def errors_path(folder: Path, prefix: str, operation_id: str) -> Path:
    root = f"{prefix.strip('/')}/" if prefix else ""
    return folder / f"{root}{aws_layout.EXPORTS_FOLDER}/BulkOperations/{operation_id}" \
        / ERRORS_FILE


def _run(job: BulkPut, stop: threading.Event) -> None:
    try:
        files = data_files(job.input_folder, job.input_prefix)
        _update(job, TotalInputBytes=sum(path.stat().st_size for path in files))
        started, units = time.monotonic(), 0.0
        for chunk, read in _chunks(job, files):
            if stop.is_set():
                _settle(job, FAILED, FailureCode="EmulatorStopped",
                        FailureMessage="The emulator stopped before the operation finished")
                return
            if _status(job) == CANCELLING:
                _settle(job, CANCELLED, FailureCode="UserCancelled",
                        FailureMessage="The bulk operation was cancelled")
                return
            units += _write(job, chunk, read)
            _pace(job.max_units, units, started, stop)
    except ImportFailed as exc:
        _settle(job, FAILED, FailureCode=exc.code, FailureMessage=str(exc))
        return
    except aws_layout.LayoutError as exc:
        _settle(job, FAILED, FailureCode="InvalidDataFile",
                FailureMessage=str(exc).replace(str(job.input_folder), ""))
        return
    except OSError as exc:
        _settle(job, FAILED, FailureCode="S3Error",
                FailureMessage=f"Cannot write to the output bucket's folder: {exc}")
        return
    _settle(job, COMPLETED_WITH_ERRORS if job.counts["FailedItemCount"] else COMPLETED)


def _chunks(job: BulkPut, files: list[Path]
            ) -> Iterator[tuple[list[tuple[str, bytes]], int]]:
    """The records in `CHUNK`s, each with the bytes of the input files read to their end
    since the last chunk (ProcessedInputBytes counts them as stored: compressed, as
    TotalInputBytes does)."""
    chunk: list[tuple[str, bytes]] = []
    read = 0
    for path in files:
        for where, line in aws_layout.iter_data_lines(path):
            chunk.append((where.replace(str(job.input_folder), "").lstrip("/"), line))
            if len(chunk) == CHUNK:
                yield chunk, read
                chunk, read = [], 0
        read += path.stat().st_size
    if chunk or read:
        yield chunk, read


def _write(job: BulkPut, chunk: list[tuple[str, bytes]], read: int) -> float:
    """Puts one chunk's records, journaled; the write request units it used."""
    failures: list[dict[str, Any]] = []
    units = 0.0
    with STORE_LOCK:
        if job.tables.get(job.table.name) is not job.table:
            raise ImportFailed("ResourceNotFoundException",
                               f"Requested resource not found: Table: {job.table.name} "
                               "not found")
        try:
            with hooks.journaled(None):
                for where, line in chunk:
                    reason, size = _put(job.table, where, line)
                    if reason is None:
                        units += write_units(size)
                    else:
                        failures.append({"Source": where, "ErrorCode": "ValidationError",
                                         "ErrorMessage": reason})
        except JournalError as exc:  # undone: every record of the chunk failed
            failures = [{"Source": where, "ErrorCode": "InternalServerError",
                         "ErrorMessage": str(exc)} for where, _ in chunk]
            units = 0.0
        counts = job.counts
        counts["ProcessedItemCount"] += len(chunk)
        counts["FailedItemCount"] += len(failures)
        counts["ProcessedInputBytes"] += read
        _replace(job, **counts)
    if failures and job.errors_to is not None:
        job.errors_to.parent.mkdir(parents=True, exist_ok=True)
        with open(job.errors_to, "a", encoding="utf-8") as out:
            out.writelines(json.dumps(failure) + "\n" for failure in failures)
    return units


def _put(table: Any, where: str, line: bytes) -> tuple[str | None, int]:
    """(None, the item's size) once stored, else (why not, 0)."""
    try:
        item = aws_layout.decode_item(line, where)
    except aws_layout.LayoutError as exc:
        return str(exc).partition(": ")[2], 0
    reason = put_record(table, item)
    return reason, (0 if reason is not None else item_size(item))


def _pace(max_units: int | None, units: float, started: float, stop: threading.Event) -> None:
    """Waits until `units` written since `started` are within `max_units` a second."""
    if max_units:
        ahead = units / max_units - (time.monotonic() - started)
        if ahead > 0:
            stop.wait(ahead)


def _status(job: BulkPut) -> str:
    with STORE_LOCK:
        return str(job.records[job.arn]["BulkOperationStatus"])


def _update(job: BulkPut, **fields: Any) -> None:
    with STORE_LOCK:
        _replace(job, **fields)


def _replace(job: BulkPut, **fields: Any) -> None:
    """The description replaced by a new one (never changed in place: an answer being
    written holds the old one)."""
    job.records[job.arn] = {**job.records[job.arn], **fields}


def _settle(job: BulkPut, status: str, **fields: Any) -> None:
    with STORE_LOCK:
        _replace(job, BulkOperationStatus=status, EndTime=aware_utc(now()), **fields)
    log.warning("ddbkit: bulk operation %s: %s (%d items processed, %d failed)", job.arn,
                status, job.counts["ProcessedItemCount"], job.counts["FailedItemCount"])

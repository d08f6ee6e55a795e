"""An export's writing, off the request path: ExportTableToPointInTime answers IN_PROGRESS
and this writes the files in the background (one worker thread, exports one at a time).

It reads a consistent view: the table's item map as it was when the request was answered,
copied a part at a time (`store.item_copies`; the items themselves are shared: a stored item
never changes in place), or, for a past ExportTime, the table as the data dir's history holds
it (`past_tables`), read here, without the store lock. Done, the export's description turns
COMPLETED (ItemCount, BilledSizeBytes, ExportManifest, EndTime) or FAILED (FailureCode,
FailureMessage: a folder that cannot be written, a history that cannot say) in a journaled
change (an "E" record). Stopping the emulator interrupts it between items and removes what it
had written; the record, still IN_PROGRESS in the journal, is FAILED at the next start
(`fail_interrupted`): an export is never IN_PROGRESS across a restart. Progress is in
ddbkit's log (started, items, finished).
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ddbkit.emulator.durability import hooks
from ddbkit.emulator.durability.images import item_image
from ddbkit.emulator.durability.journal import JournalError
from ddbkit.emulator.operations.call import OperationError
from ddbkit.emulator.operations.past_tables import table_at
from ddbkit.emulator.operations.timestamps import aware_utc
from ddbkit.emulator.shapes import WireItem
from ddbkit.emulator.store.access import STORE_LOCK
from ddbkit.emulator.store.background import worker
from ddbkit.emulator.store.buckets import collector_paused, release
from ddbkit.emulator.store.clock import now
from ddbkit.emulator.store.item_copies import ItemsCopy
from ddbkit.emulator.store.item_map import ItemMap
from ddbkit.emulator.turns import give_way
from ddbkit.fixtures import aws_layout

log = logging.getLogger("ddbkit")

IN_PROGRESS, COMPLETED, FAILED = "IN_PROGRESS", "COMPLETED", "FAILED"
PROGRESS_EVERY = 200_000  # keys between progress lines in the log
MAX_IN_PROGRESS = 300  # concurrent exports per account: DynamoDB's quota
INTERRUPTED = ("The emulator stopped before the export finished; run it again",
               "EmulatorStopped")


class Interrupted(Exception):
    """The emulator is stopping."""


@dataclass
class Export:
    records: dict[str, Any]  # the catalog's ExportDescriptions, by ARN
    arn: str
    export_id: str
    folder: Path  # the bucket's
    prefix: str | None
    table_arn: str
    table_id: str
    range_key: bool  # whether `items` is hash -> {range -> item}
    items: Any  # the item map's copy (`ItemsCopy`, then its map); None: `past`'s
    past: Callable[[], Any] | None = None  # the table at ExportTime, from the history


def in_progress(records: dict[str, Any]) -> int:
    return sum(1 for d in records.values() if isinstance(d, dict) and
               d.get("ExportStatus") == IN_PROGRESS)


def submit(export: Export) -> None:
    worker("export").submit(lambda stop: _write(export, stop))


def past_reader(name: str, moment: float, refusal: Callable[[], OperationError],
                earliest: float) -> Callable[[], Any]:
    """The table at `moment`, read when called (off the request path)."""
    return lambda: table_at(name, moment, refusal, earliest)


def _write(export: Export, stop: threading.Event) -> None:
    try:
        _write_files(export, stop)
    except Exception:  # a bug here must not leave the export IN_PROGRESS for ever
        log.exception("ddbkit: export %s failed", export.arn)
        _remove(export)
        _settle(export, FAILED, FailureCode="InternalError",
                FailureMessage="The export failed inside the emulator; see the server's log.")
    finally:  # a past table's million items freed in one go held every request for 0.2 s
        if isinstance(export.items, ItemMap):
            release(export.items)


def _write_files(export: Export, stop: threading.Event) -> None:
    described = export.records[export.arn]
    started = time.perf_counter()
    try:
        copying, ranged = export.items, export.range_key
        if isinstance(copying, ItemsCopy):
            copied = copying.finished(stop)
            if copied is None:
                raise Interrupted
            export.items = copied.items
            del copied
        if copying is None and export.past is not None:
            with collector_paused():  # the past table: millions of objects, no cycles
                past = export.past()  # None: no history kept (in memory), never reached here
            export.items, ranged = past.items, past.range_key_attr is not None
            del past
        log.warning("ddbkit: export %s: writing", export.arn)
        info = aws_layout.write_export(
            export.folder, table_arn=export.table_arn, table_id=export.table_id,
            export_time=described["ExportTime"], start_time=described["StartTime"],
            s3_prefix=export.prefix, export_id=export.export_id,
            items=_wire_items(export.arn, export.items, ranged, stop))
    except Interrupted:
        _remove(export)
        return
    except OperationError as exc:
        _settle(export, FAILED, FailureCode=exc.error_type, FailureMessage=exc.message)
        return
    except OSError as exc:
        _remove(export)
        code = "AccessDenied" if isinstance(exc, PermissionError) else "S3Error"
        _settle(export, FAILED, FailureCode=code,
                FailureMessage=f"Cannot write to the bucket's folder: {exc}")
        return
    base = f"{export.prefix.strip('/')}/" if export.prefix else ""
    _settle(export, COMPLETED, BilledSizeBytes=info.billed_size_bytes,
            ItemCount=info.item_count,
            ExportManifest=f"{base}{aws_layout.EXPORTS_FOLDER}/{export.export_id}/"
                           f"{aws_layout.SUMMARY}")
    log.warning("ddbkit: export %s: COMPLETED, %d items in %.2f s", export.arn, info.item_count,
             time.perf_counter() - started)


def _wire_items(arn: str, entries: ItemMap, ranged: bool,
                stop: threading.Event) -> Iterator[WireItem]:
    for count, entry in enumerate(entries.values()):
        if count % 1000 == 0:
            if stop.is_set():
                raise Interrupted
            give_way()  # a waiting request gets the interpreter (`turns`)
            if count and count % PROGRESS_EVERY == 0:
                log.warning("ddbkit: export %s: %d of %d keys written", arn, count, len(entries))
        for item in (entry.values() if ranged else (entry,)):
            yield item_image(item)  # its binaries and sets made wire-like as written


def _settle(export: Export, status: str, **fields: Any) -> None:
    """The export's description replaced (never changed in place: the journal notices a new
    one) by its final one, journaled."""
    with STORE_LOCK:
        described = export.records.get(export.arn)
        if not isinstance(described, dict):
            return
        final = {**described, "ExportStatus": status, "EndTime": aware_utc(now()), **fields}
        if status == FAILED:
            log.warning("ddbkit: export %s: FAILED: %s", export.arn, fields["FailureMessage"])
        try:
            with hooks.journaled("ExportTableToPointInTime"):
                export.records[export.arn] = final
        except JournalError:  # undone: kept in memory (a restart marks it FAILED)
            export.records[export.arn] = final
            log.warning("ddbkit: export %s: %s, but the journal refused the change",
                        export.arn, status)


def _remove(export: Export) -> None:
    """What an export that did not finish wrote (its manifests come last: none)."""
    root = f"{export.prefix.strip('/')}/" if export.prefix else ""
    shutil.rmtree(export.folder / root / aws_layout.EXPORTS_FOLDER / export.export_id,
                  ignore_errors=True)


def fail_interrupted(records: dict[str, Any], moment: float) -> int:
    """At start: an export the last run left IN_PROGRESS is FAILED (the caller journals it).
    Returns how many."""
    stuck = [arn for arn, d in records.items()
             if isinstance(d, dict) and d.get("ExportStatus") == IN_PROGRESS]
    message, code = INTERRUPTED
    for arn in stuck:
        records[arn] = {**records[arn], "ExportStatus": FAILED, "EndTime": aware_utc(moment),
                        "FailureCode": code, "FailureMessage": message}
    return len(stuck)

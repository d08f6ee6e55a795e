"""Local stream triggers: a poller per handler with a Lambda event source mapping's semantics.

Per trigger: read the table's stream (public API), batch records (BatchSize,
MaximumBatchingWindowInSeconds), call the handler with `{"Records": [...]}` in order, and on
an error retry (MaximumRetryAttempts, -1 = until the records expire, as on AWS), bisect
(BisectBatchOnFunctionError), honour `batchItemFailures` (ReportBatchItemFailures), drop
records older than MaximumRecordAgeInSeconds, and write what is given up on to a JSON-lines
on-failure file. The position is checkpointed after every batch, so a restarted poller goes
on after the last record it delivered.
https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html

Throughput: the poller runs in the emulator's process, so its per-record work is taken from
the server's. It reads up to 1,000 records per GetRecords (as Lambda's pollers do) and keeps
them until they are delivered or given up on, so BatchSize only shapes invocations, not reads;
records stay the JSON GetRecords sent (no boto3 parsing, no conversion back to Lambda's
shape); one pipe round trip to the handler's process per batch.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ddbkit.emulator.streams.handler_process import HandlerProcess, Invocation
from ddbkit.emulator.streams.reader import (
    MAX_RECORDS_PER_CALL,
    StartingPosition,
    StreamFollower,
    lambda_record_as_sent,
    latest_stream_arn,
)

log = logging.getLogger("ddbkit.triggers")

Batch = list[tuple[str, dict[str, Any]]]  # (shard id, GetRecords record as sent)


@dataclass(frozen=True)
class TriggerConfig:
    table: str  # spec table key, e.g. "bookings"
    handler: str  # package.module:function
    batch_size: int = 100
    maximum_batching_window_seconds: float = 0.0
    starting_position: StartingPosition = "TRIM_HORIZON"
    maximum_retry_attempts: int = -1
    bisect_batch_on_function_error: bool = False
    report_batch_item_failures: bool = False
    maximum_record_age_seconds: float = -1
    on_failure: str | None = None  # path of a JSON-lines file
    timeout_seconds: float = 30.0
    code_paths: tuple[str, ...] = field(default_factory=lambda: (os.getcwd(),))

    @property
    def name(self) -> str:
        return f"{self.table}-{self.handler.replace(':', '.')}"


class Checkpoint:
    """Last delivered sequence number per shard, for one stream ARN, in a JSON file; in
    memory when `path` is None (an emulator that keeps nothing on disk, `up --in-memory`)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._dir_made = False
        self._saved: dict[str, Any] = {}

    def load(self, stream_arn: str) -> dict[str, str]:
        try:
            saved = self._saved if self.path is None else json.loads(self.path.read_text())
        except (OSError, ValueError):
            return {}
        # A re-created table has a new stream: its old positions mean nothing.
        return dict(saved["shards"]) if saved.get("streamArn") == stream_arn else {}

    def save(self, stream_arn: str, shards: dict[str, str]) -> None:
        if self.path is None:
            self._saved = {"streamArn": stream_arn, "shards": dict(shards)}
            return
        if not self._dir_made:  # once: this runs after every batch
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._dir_made = True
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"streamArn": stream_arn, "shards": shards}))
        tmp.replace(self.path)


class TriggerPoller:
    def __init__(self, config: TriggerConfig, dynamodb: Any, streams: Any, table_name: str,
                 state_dir: Path | None, env: dict[str, str] | None = None,
                 clock: Callable[[], float] = time.time, poll_interval: float = 0.25) -> None:
        self.config = config
        self.dynamodb = dynamodb
        self.streams = streams
        self.table_name = table_name
        self.checkpoint = Checkpoint(None if state_dir is None
                                     else state_dir / "triggers" / f"{config.name}.json")
        self.clock = clock
        self.poll_interval = poll_interval
        self.handler = HandlerProcess(config.handler, paths=list(config.code_paths),
                                      env=env, timeout=config.timeout_seconds)
        self.delivered = 0
        self.failed = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._follower: StreamFollower | None = None
        self._delivered_to: dict[str, str] = {}
        # Read, not yet delivered or given up on, in stream order: a batch leaves only once
        # the checkpoint is past it, so a failure mid-delivery retries it instead of losing it.
        self._unsettled: Batch = []

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> TriggerPoller:
        self.handler.start()  # fail now, in the caller, if the handler cannot be imported
        self._open()
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, daemon=True,
                                        name=f"ddbkit-trigger {self.config.name}")
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.config.timeout_seconds + 10)
            self._thread = None
        self.handler.stop()

    def _open(self) -> None:
        arn = latest_stream_arn(self.dynamodb, self.table_name)
        positions = self.checkpoint.load(arn)
        self._delivered_to = dict(positions)
        self._follower = StreamFollower(self.streams, arn, self.config.starting_position,
                                        positions, as_sent=True)
        self._unsettled = []

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                if not self.run_once():
                    self._stop.wait(self.poll_interval)
            except Exception:
                log.exception("trigger %s: polling failed", self.config.name)
                self._stop.wait(1.0)

    def behind(self, shard_id: str, oldest: int, newest: int | None) -> int:
        """How many records of the stream's shard `shard_id` (holding `oldest` to `newest`)
        this trigger has not settled yet: its lag, for /metrics."""
        if newest is None:
            return 0
        position = self._delivered_to.get(shard_id)
        if position is not None:
            return max(0, newest - int(position))
        unsettled = list(self._unsettled[:1])  # nothing settled yet: from the first one read
        if unsettled:
            return max(0, newest - int(unsettled[0][1]["dynamodb"]["SequenceNumber"]) + 1)
        if self.config.starting_position == "TRIM_HORIZON":
            return newest - oldest + 1  # every record kept is still to come
        return 0

    # -- one batch -------------------------------------------------------------------------
    def run_once(self) -> int:
        """Read one batch (waiting up to the batching window) and deliver it; returns its size."""
        if self._follower is None:
            self._open()
        size = self.config.batch_size
        self._read_ahead(size)
        deadline = time.monotonic() + self.config.maximum_batching_window_seconds
        while self._unsettled and len(self._unsettled) < size \
                and time.monotonic() < deadline and not self._stop.is_set():
            time.sleep(min(self.poll_interval, max(0.0, deadline - time.monotonic())))
            self._read_ahead(size)
        batch = self._unsettled[:size]
        if batch:
            try:
                self._deliver(batch)
            finally:
                self._settle()
        return len(batch)

    def _read_ahead(self, wanted: int) -> None:
        """Read until `wanted` records are unsettled or the stream has no more (bounded:
        at most enough full GetRecords pages for one batch)."""
        assert self._follower is not None
        for _ in range(-(-wanted // MAX_RECORDS_PER_CALL)):
            if len(self._unsettled) >= wanted:
                return
            page = self._follower.read(MAX_RECORDS_PER_CALL)
            self._unsettled += page
            if not page:
                return

    def _settle(self) -> None:
        """Forget the unsettled records the checkpoint has moved past."""
        done = 0
        for shard_id, record in self._unsettled:
            position = self._delivered_to.get(shard_id)
            if position is None or int(record["dynamodb"]["SequenceNumber"]) > int(position):
                break
            done += 1
        del self._unsettled[:done]

    def _deliver(self, batch: Batch) -> None:
        pending: list[tuple[Batch, int]] = [(batch, 0)]  # (records, retries so far), in order
        while pending:
            records, retries = pending.pop(0)
            records = self._drop_expired(records)
            if not records:
                continue
            outcome = self.handler.invoke(self._event(records))
            failed_from = self._failed_index(outcome, records)
            if failed_from is None:
                self._advance(records, delivered=True)
                continue
            self._advance(records[:failed_from], delivered=True)
            rest = records[failed_from:]
            log.warning("trigger %s: %s on records %s", self.config.name,
                        outcome.error or "batchItemFailures", _seq_range(rest))
            if not outcome.ok and self.config.bisect_batch_on_function_error and len(rest) > 1:
                half = len(rest) // 2
                pending[:0] = [(rest[:half], retries), (rest[half:], retries)]
            elif 0 <= self.config.maximum_retry_attempts <= retries:
                self._give_up(rest, "RetryAttemptsExhausted", outcome.error or "batchItemFailures")
            else:
                self._stop.wait(min(5.0, 0.1 * 2 ** retries))  # Lambda backs off between retries
                pending.insert(0, (rest, retries + 1))

    def _failed_index(self, outcome: Invocation, records: Batch) -> int | None:
        """None when the batch succeeded; else the index from which records must be retried."""
        if not outcome.ok:
            return 0
        if not self.config.report_batch_item_failures or not isinstance(outcome.result, dict):
            return None
        failures = outcome.result.get("batchItemFailures") or []
        sequence = [r["dynamodb"]["SequenceNumber"] for _, r in records]
        try:
            ids = [f["itemIdentifier"] for f in failures]
            return min(sequence.index(i) for i in ids) if ids else None
        except (TypeError, KeyError, ValueError):
            return 0  # an unusable response fails the whole batch, as on AWS

    def _drop_expired(self, records: Batch) -> Batch:
        max_age = self.config.maximum_record_age_seconds
        if max_age < 0:
            return records
        now = self.clock()
        fresh: Batch = []
        stale: Batch = []
        for pair in records:
            age = now - pair[1]["dynamodb"]["ApproximateCreationDateTime"]  # epoch seconds
            (fresh if age <= max_age else stale).append(pair)
        if stale:
            self._give_up(stale, "RecordAgeExceeded", f"older than {max_age:g} s")
        return fresh

    def _event(self, records: Batch) -> dict[str, Any]:
        assert self._follower is not None
        arn = self._follower.stream_arn
        return {"Records": [lambda_record_as_sent(r, arn) for _, r in records]}

    def _advance(self, records: Batch, delivered: bool) -> None:
        """Checkpoint past `records`: delivered, or given up on (the stream moves on)."""
        if not records:
            return
        for shard_id, record in records:
            self._delivered_to[shard_id] = record["dynamodb"]["SequenceNumber"]
        assert self._follower is not None
        self.checkpoint.save(self._follower.stream_arn, self._delivered_to)
        if delivered:
            self.delivered += len(records)
        else:
            self.failed += len(records)

    def _give_up(self, records: Batch, condition: str, error: str) -> None:
        log.error("trigger %s: giving up on records %s (%s: %s)", self.config.name,
                  _seq_range(records), condition, error)
        if self.config.on_failure:
            assert self._follower is not None
            times = [_iso(r["dynamodb"]["ApproximateCreationDateTime"]) for _, r in records]
            entry = {
                "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.clock())),
                "condition": condition, "error": error, "handler": self.config.handler,
                "DDBStreamBatchInfo": {
                    "shardId": records[0][0], "streamArn": self._follower.stream_arn,
                    "startSequenceNumber": records[0][1]["dynamodb"]["SequenceNumber"],
                    "endSequenceNumber": records[-1][1]["dynamodb"]["SequenceNumber"],
                    "approximateArrivalOfFirstRecord": times[0],
                    "approximateArrivalOfLastRecord": times[-1],
                    "batchSize": len(records)},
            }
            path = Path(self.config.on_failure)
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "a") as out:
                out.write(json.dumps(entry) + "\n")
        self._advance(records, delivered=False)


def _iso(epoch_seconds: float) -> str:
    """As Lambda writes times in an on-failure record: 2019-11-14T00:38:04.835Z."""
    moment = datetime.fromtimestamp(epoch_seconds, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _seq_range(records: Batch) -> str:
    first = records[0][1]["dynamodb"]["SequenceNumber"]
    last = records[-1][1]["dynamodb"]["SequenceNumber"]
    return first if first == last else f"{first}..{last}"

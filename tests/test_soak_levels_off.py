"""A short writing soak: once the data stops growing, the server's RSS and data dir stop too.

A durable `ddbkit up` takes overwrites (PutItem, UpdateItem, a few DeleteItems) of a small,
fixed set of keys from two boto3 clients, 6,000 in all; its RSS (VmRSS) and the data dir's
size are sampled every half second. The first half of the writes fills the tables and warms
up; over the second half the data no longer grows, so neither may the server: RSS by at most 8 MB (the
allocator's noise) plus 0.5 KB per write (issue 23's bar: 60,000 writes to a stream table,
30 MB at most); the data dir, when no table keeps point-in-time history (a snapshot and
the journal since are all it needs), holds a median over the second half no more than 2 MB
above the most it held in the first half (a sample inside a compaction, both snapshots on
disk, is a peak, not growth).
Sizes per write only: how fast the writes go never changes the verdict. The long
version, with ops/s and latency per minute, is bench/bench_soak_writes.py.
"""

from __future__ import annotations

import re
import statistics
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from ddbkit.emulator.connect.clients import make_client

STAGE = "levels"
BOOKINGS, USERS = (f"marketplace-{STAGE}-{key}-table" for key in ("bookings", "users"))
WRITES = 6000  # in all; sampled every half second
BOUND = 300.0  # seconds: a safety bound only (a quiet machine writes them in ~15 s)
KEYS = 300
PAD = "x" * 4000  # items of about 4 KB: a stream record holds two images


def _rss_bytes(pid: int) -> int:
    match = re.search(r"^VmRSS:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text(), re.M)
    assert match is not None
    return int(match[1]) * 1024


def _disk_bytes(data_dir: Path) -> int:
    return sum(p.stat().st_size for p in data_dir.rglob("*") if p.is_file())


def _booking(n: int, seed: int) -> dict[str, Any]:
    return {"bookingId": {"S": f"b{n:04d}"}, "status": {"S": "PENDING"},
            "providerId": {"S": f"p{n % 5}"}, "customerId": {"S": f"c{seed % 50}"},
            "scheduledDate": {"S": "2026-01-10"}, "createdAt": {"S": f"2025-12-{n % 28 + 1:02d}"},
            "version": {"N": str(seed)}, "notes": {"S": PAD}}


def _user(n: int, seed: int) -> dict[str, Any]:
    return {"userId": {"S": f"u{n:04d}"}, "email": {"S": f"u{n}@example.com"},
            "userType": {"S": "CUSTOMER"}, "createdAt": {"S": f"2025-{seed % 12 + 1:02d}-01"},
            "version": {"N": str(seed)}, "bio": {"S": PAD}}


def _writer(url: str, table: str, key: str, make: Any, offset: int, stop: threading.Event,
            writes: list[int]) -> None:
    """Overwrites that change each item (a new version: a stream record every time)."""
    client = make_client(endpoint_url=url)
    n = 0
    while not stop.is_set():
        k = (offset + n * 7) % KEYS
        if n % 10 == 9:
            client.update_item(TableName=table, Key={key: {"S": make(k, n)[key]["S"]}},
                               UpdateExpression="ADD visits :one",
                               ExpressionAttributeValues={":one": {"N": "1"}})
        elif n % 50 == 49:
            client.delete_item(TableName=table, Key={key: {"S": make(k, n)[key]["S"]}})
        else:
            client.put_item(TableName=table, Item=make(k, n))
        n += 1
        writes.append(1)


def _soak(durable_up: Any, data_dir: Path, table: str, key: str, make: Any,
          pitr_off: bool, journal_max_mb: int) -> tuple[list[tuple[int, int, int]], int]:
    """Samples (writes so far, RSS, data dir bytes) over WRITES writes, and the pid."""
    proc = durable_up(data_dir, "--stage", STAGE, "--no-seed", "--ttl-interval", "0",
                      "--journal-max-mb", str(journal_max_mb)).start()
    assert proc.pid is not None
    if pitr_off:
        client = make_client(endpoint_url=proc.endpoint_url)
        for name in client.list_tables()["TableNames"]:
            client.update_continuous_backups(
                TableName=name,
                PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": False})
    stop, writes = threading.Event(), [[], []]  # type: ignore[var-annotated]
    threads = [threading.Thread(target=_writer, daemon=True,
                                args=(proc.endpoint_url, table, key, make, n * KEYS // 2,
                                      stop, writes[n])) for n in range(2)]
    samples = []
    started = time.monotonic()
    for thread in threads:
        thread.start()
    try:
        while sum(map(len, writes)) < WRITES and time.monotonic() - started < BOUND:
            samples.append((sum(map(len, writes)), _rss_bytes(proc.pid),
                            _disk_bytes(data_dir)))
            time.sleep(0.5)
    finally:
        stop.set()
        for thread in threads:
            thread.join(30)
    samples.append((sum(map(len, writes)), _rss_bytes(proc.pid), _disk_bytes(data_dir)))
    assert proc.stop() == 0
    return samples, proc.pid


def _halfway(samples: list[tuple[int, int, int]]) -> tuple[int, int, int]:
    """The first sample taken once half the writes were made."""
    return next(sample for sample in samples if sample[0] >= samples[-1][0] // 2)


@pytest.mark.slow
def test_rss_levels_off_under_overwrites_of_a_stream_table(tmp_path: Path,
                                                           durable_up: Any) -> None:
    # no snapshot meanwhile: its transient buffers, freed, would hide growth after them
    samples, _ = _soak(durable_up, tmp_path / "data", BOOKINGS, "bookingId", _booking,
                       pitr_off=False, journal_max_mb=1024)
    middle, last = _halfway(samples), samples[-1]
    writes = last[0] - middle[0]
    assert writes > 0
    grown = last[1] - middle[1]
    allowed = 8 * 2**20 + 512 * writes
    assert grown <= allowed, (f"RSS grew {grown / 2**20:.1f} MB over the second half's "
                              f"{writes} writes (allowed {allowed / 2**20:.1f} MB); samples "
                              f"(writes, RSS MB): {[(w, r >> 20) for w, r, _ in samples]}")


@pytest.mark.slow
def test_the_data_dir_levels_off_when_no_table_keeps_history(tmp_path: Path,
                                                            durable_up: Any) -> None:
    """Point-in-time recovery off on every table: a snapshot and the journal since are all
    the data dir needs, so overwrites of the same keys stop growing it (users: no stream,
    whose 24 hours of records would rightly grow it)."""
    data_dir = tmp_path / "data"
    samples, _ = _soak(durable_up, data_dir, USERS, "userId", _user, pitr_off=True,
                       journal_max_mb=1)
    half = samples.index(_halfway(samples))
    assert samples[-1][0] - samples[half][0] > 0
    before = max(d for _, _, d in samples[:half])
    # the second half's median: a sample landing in a compaction, while the old and new
    # snapshots are both on disk, is a peak that says nothing of growth; growth moves it
    after = statistics.median(d for _, _, d in samples[half:])
    assert after <= before + 2 * 2**20, (
        f"the data dir reached {before / 1e6:.1f} MB in the first half and a median of "
        f"{after / 1e6:.1f} MB in the second; samples (writes, disk MB): "
        f"{[(w, round(d / 1e6, 1)) for w, _, d in samples]}")

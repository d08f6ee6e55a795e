"""Point-in-time history compacts without losing a restorable second, and a cap bounds it.

A durable emulator in a child process whose clock the test moves (`clocked_emulator`), real
boto3 against it. Old journal segments are merged (`durability.history_merge`): of the
changes to an item within one second only the last stays, so a restore to each second must
read the same state after the merge as before it. `--history-max-mb` drops the oldest history
and DescribeContinuousBackups moves EarliestRestorableDateTime forward.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from clocked_emulator import clocked_emulator
from refusals import refused
from restored import restored

from ddbkit.emulator.connect.clients import make_client
from ddbkit.emulator.durability.service import CHECK_INTERVAL

BOOKINGS = "marketplace-pitr-bookings-table"
DEADLINE = 180  # seconds to wait for a background compaction (checked once a second)


def _at(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def booking(key: str, version: int) -> dict[str, Any]:
    return {"bookingId": {"S": key}, "status": {"S": f"S{version % 3}"},
            "providerId": {"S": "p1"}, "customerId": {"S": "c1"},
            "scheduledDate": {"S": "2025-12-10T10:00:00Z"},
            "createdAt": {"S": "2025-12-01T10:00:00Z"}, "v": {"N": str(version)}}


def _restored(client: Any, target: str, second: int) -> list[tuple[str, str]]:
    client.restore_table_to_point_in_time(SourceTableName=BOOKINGS, TargetTableName=target,
                                          RestoreDateTime=_at(second))
    restored(client, target)
    found = sorted((i["bookingId"]["S"], i["v"]["N"])
                   for i in client.scan(TableName=target)["Items"])
    client.delete_table(TableName=target)
    return found


def _wait_for(what: Callable[[], bool], why: str) -> None:
    deadline = time.monotonic() + DEADLINE
    while not what():
        assert time.monotonic() < deadline, why
        time.sleep(0.1)


def _one_day_window(client: Any) -> None:
    """History is kept for the longest recovery period of any table: one day, on all."""
    for name in client.list_tables()["TableNames"]:
        client.update_continuous_backups(TableName=name, PointInTimeRecoverySpecification={
            "PointInTimeRecoveryEnabled": True, "RecoveryPeriodInDays": 1})


def _settled(data_dir: Path) -> bool:
    """No compaction under way: no temporary file, no segment older than the newest
    snapshot left to merge."""
    newest = max(_names(data_dir, "snapshot-*.snap"), default="snapshot-00000000")[9:17]
    return not _names(data_dir, "*.tmp") and all(
        name[8:16] >= newest for name in _names(data_dir, "journal-*.log"))


def _names(data_dir: Path, pattern: str) -> list[str]:
    return sorted(p.name for p in data_dir.glob(pattern))


def test_merged_history_restores_every_second_as_before(tmp_path: Path) -> None:
    """Several changes to the same items within each second, over ~30 seconds; restores to
    every one of those seconds before and after the segments are merged agree."""
    data_dir = tmp_path / "data"
    with clocked_emulator(data_dir) as emulator:  # no compaction: the journal stays raw
        client = make_client(endpoint_url=emulator.endpoint_url)
        first = int(emulator.now()) + 1
        for version in range(120):
            key = f"k{version % 4}"
            if version % 11 == 10:
                client.delete_item(TableName=BOOKINGS, Key={"bookingId": {"S": key}})
            elif version % 5 == 4:
                client.update_item(TableName=BOOKINGS, Key={"bookingId": {"S": key}},
                                   UpdateExpression="SET v = :v",
                                   ExpressionAttributeValues={":v": {"N": str(version)}})
            else:
                client.put_item(TableName=BOOKINGS, Item=booking(key, version))
            emulator.advance(0.25)  # about four changes a second, to four keys
        last = int(emulator.now()) + 1
        emulator.advance(600)  # the seconds written are now inside the window
        window = client.describe_continuous_backups(TableName=BOOKINGS)[
            "ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
        opened = math.ceil(window["EarliestRestorableDateTime"].timestamp())
        seconds = list(range(max(first - 1, opened), last + 1))  # none before the window
        before = {s: _restored(client, f"before-{s}", s) for s in seconds}
        offset = emulator.now() - time.time()
    assert len({tuple(v) for v in before.values()}) > 20  # the seconds differ
    raw = sum(p.stat().st_size for p in data_dir.glob("journal-*.log"))
    # a small journal limit: the restart snapshots at once, and merges the segment before
    with clocked_emulator(data_dir, journal_max_bytes=1, offset_seconds=offset) as emulator:
        _wait_for(lambda: _names(data_dir, "history-*.log") and _settled(data_dir),
                  "no history was merged")
        assert _names(data_dir, "journal-00000001.log") == []  # replaced by the merged file
        merged = sum(p.stat().st_size for p in data_dir.glob("history-*.log"))
        assert merged < raw
        client = make_client(endpoint_url=emulator.endpoint_url)
        after = {s: _restored(client, f"after-{s}", s) for s in seconds}
    assert after == before


def _compacted(client: Any, data_dir: Path, key: str) -> None:
    """Writes to `key` until a compaction took a newer snapshot (the journal must outgrow
    the last snapshot: a few hundred KB of item changes)."""
    before = _names(data_dir, "snapshot-*.snap")
    for version in range(2000):
        client.put_item(TableName=BOOKINGS, Item={**booking(key, version),
                                                  "pad": {"S": "x" * 2000}})
        if version % 50 == 49 and _names(data_dir, "snapshot-*.snap") != before:
            return
    _wait_for(lambda: _names(data_dir, "snapshot-*.snap") != before, "no compaction")


def test_the_cap_moves_the_earliest_restorable_time_forward(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with clocked_emulator(data_dir, journal_max_bytes=1, history_max_bytes=1) as emulator:
        client = make_client(endpoint_url=emulator.endpoint_url)
        client.put_item(TableName=BOOKINGS, Item=booking("early", 1))
        emulator.advance(600)
        early = emulator.now()
        emulator.advance(600)
        for _ in range(3):  # compactions, each dropping all older history (the cap)
            _compacted(client, data_dir, "late")
            emulator.advance(60)
        emulator.advance(600)
        # the cap keeps the current state only: one snapshot, its journal, nothing merged
        _wait_for(lambda: _settled(data_dir), "the compaction did not finish")
        assert len(_names(data_dir, "snapshot-*.snap")) == 1
        assert _names(data_dir, "history-*.log") == []
        window = client.describe_continuous_backups(TableName=BOOKINGS)[
            "ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
        assert window["EarliestRestorableDateTime"].timestamp() > early + 600
        code, _ = refused(lambda: client.restore_table_to_point_in_time(
            SourceTableName=BOOKINGS, TargetTableName="too-early",
            RestoreDateTime=_at(early)))
        assert code == "InvalidRestoreTimeException"
        client.restore_table_to_point_in_time(SourceTableName=BOOKINGS, TargetTableName="latest",
                                              UseLatestRestorableTime=True)
        restored(client, "latest")
        found = {i["bookingId"]["S"] for i in client.scan(TableName="latest")["Items"]}
        assert found == {"early", "late"}


def test_without_a_cap_the_window_keeps_the_history(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with clocked_emulator(data_dir, journal_max_bytes=1) as emulator:
        client = make_client(endpoint_url=emulator.endpoint_url)
        client.put_item(TableName=BOOKINGS, Item=booking("early", 1))
        emulator.advance(600)
        early = emulator.now()
        emulator.advance(600)
        for _ in range(3):
            _compacted(client, data_dir, "late")
            emulator.advance(60)
        emulator.advance(600)
        _wait_for(lambda: _settled(data_dir), "the compaction did not finish")
        assert _names(data_dir, "history-*.log")  # the old segments, merged
        window = client.describe_continuous_backups(TableName=BOOKINGS)[
            "ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
        assert window["EarliestRestorableDateTime"].timestamp() < early
        client.restore_table_to_point_in_time(SourceTableName=BOOKINGS, TargetTableName="then",
                                              RestoreDateTime=_at(early))
        restored(client, "then")
        found = {i["bookingId"]["S"] for i in client.scan(TableName="then")["Items"]}
        assert found == {"early"}


USERS = "marketplace-pitr-users-table"  # no stream: snapshots are the items alone


def user(key: str, version: int) -> dict[str, Any]:
    return {"userId": {"S": key}, "email": {"S": f"{key}@example.com"},
            "userType": {"S": "CUSTOMER"}, "createdAt": {"S": "2025-12-01T10:00:00Z"},
            "v": {"N": str(version)}, "pad": {"S": "x" * 200}}


@pytest.mark.parametrize("cap_bytes", [None, 300_000])
def test_disk_levels_off_under_a_steady_overwrite_load(tmp_path: Path,
                                                       cap_bytes: int | None) -> None:
    """Overwrites of 50 items, the clock moving 2 hours a round with a one-day recovery
    period: history older than the window goes (or, capped, older than the cap allows), so
    the data dir stops growing once a day of history is kept."""
    data_dir = tmp_path / "data"
    sizes: list[int] = []
    with clocked_emulator(data_dir, journal_max_bytes=40_000,
                          history_max_bytes=cap_bytes) as emulator:
        client = make_client(endpoint_url=emulator.endpoint_url)
        _one_day_window(client)
        for round_number in range(36):  # three days
            before = _names(data_dir, "snapshot-*.snap")
            for version in range(150):
                client.put_item(TableName=USERS,
                                Item=user(f"u{version % 50}", round_number * 1000 + version))
            # the journal outgrew its limit: wait for the compaction it is due (once a second)
            _wait_for(lambda b=before: _names(data_dir, "snapshot-*.snap") != b  # type: ignore[misc]
                      and _settled(data_dir), "no compaction")
            emulator.advance(7200)
            sizes.append(sum(p.stat().st_size for p in data_dir.iterdir() if p.is_file()))
    first_day, last_day = sizes[:12], sizes[-12:]
    assert max(last_day) <= 1.5 * max(first_day), sizes  # no growth beyond the window's
    if cap_bytes is not None:
        assert max(sizes[12:]) <= cap_bytes + 150_000, sizes  # the cap, plus one compaction


@pytest.mark.slow
def test_kill_9_while_history_compacts_loses_nothing_acknowledged(
        tmp_path: Path, durable_up: Any) -> None:
    """The crash test's load (`test_durability_crash`) with a journal limit so small that
    snapshots, history merges and drops run all the time; SIGKILL at random moments. After
    each restart every acknowledged write is there, and the merged history still restores."""
    from test_durability_crash import STAGE, Model, check_restored, run_round

    data_dir = tmp_path / "data"
    args = ("--no-seed", "--stage", STAGE, "--ttl-interval", "0", "--journal-max-mb", "0.05")
    rng = random.Random(2323)
    model = Model()
    proc = durable_up(data_dir, *args).start()
    merged_seen = False
    for _ in range(4):
        run_round(proc, model, rng)
        merged_seen = merged_seen or bool(_names(data_dir, "history-*.log"))
        proc = durable_up(data_dir, *args).start()
        assert "items restored from" in proc.ready_line, proc.output
        check_restored(proc.endpoint_url, model)
    assert merged_seen or _names(data_dir, "history-*.log"), sorted(
        p.name for p in data_dir.iterdir())
    client = make_client(endpoint_url=proc.endpoint_url)
    table = f"marketplace-{STAGE}-bookings-table"
    # five minutes ago is before the load: the window is its start, read from merged history
    client.restore_table_to_point_in_time(SourceTableName=table, TargetTableName="oldest",
                                          UseLatestRestorableTime=True)
    restored(client, "oldest")
    assert client.scan(TableName="oldest")["Items"] == []
    assert proc.stop() == 0


def test_a_due_compaction_waits_for_a_running_background_job(tmp_path: Path) -> None:
    """A snapshot is not begun while a background job (a backup's copy, an export, an admin
    call) runs beside requests: two background threads split the turns a request gets
    (`turns`). The compaction takes place once the job ends."""
    data_dir = tmp_path / "data"
    with clocked_emulator(data_dir, journal_max_bytes=1, job=True) as emulator:
        before = _names(data_dir, "snapshot-*.snap")
        client = make_client(endpoint_url=emulator.endpoint_url)
        for version in range(50):  # the journal outgrows the limit and any snapshot
            client.put_item(TableName=BOOKINGS, Item={**booking("k", version),
                                                      "pad": {"S": "x" * 2000}})
        time.sleep(3 * CHECK_INTERVAL + 0.5)  # the compaction looked three times, due
        assert _names(data_dir, "snapshot-*.snap") == before
        assert not _names(data_dir, "*.tmp")
        emulator.end_job()
        _wait_for(lambda: _names(data_dir, "snapshot-*.snap") != before,
                  "no compaction after the job ended")

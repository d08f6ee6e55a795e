"""A journal cut or damaged after the fact is damage; a crash's torn tail is not.

Each test cuts a real journal written by a real `ddbkit up` (stopped cleanly, or killed), then
starts `ddbkit up` on it again: damage refuses to start and changes no file; a torn tail is
dropped with a warning; a data dir holding items is never seeded over.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from test_durability import booking, fingerprint, table, up_once, wait_for

from ddbkit.emulator.connect.clients import make_client
from ddbkit.emulator.durability.framing import frame

STAGE = "cut"


def _written(tmp_path: Path, durable_up: Any, *args: str, items: int = 40) -> Path:
    """A data dir whose journal holds a table and `items` bookings, stopped cleanly."""
    data_dir = tmp_path / "data"
    proc = durable_up(data_dir, "--stage", STAGE, "--no-seed", "--ttl-interval", "0",
                      *args).start()
    client = make_client(endpoint_url=proc.endpoint_url)
    for n in range(items):
        client.put_item(TableName=table(STAGE, "bookings"), Item=booking(f"b{n}"))
    assert proc.stop() == 0
    return data_dir


def _refused(data_dir: Path) -> str:
    """Starts `ddbkit up` on a damaged dir: one error line, exit 2, no file changed."""
    before = fingerprint(data_dir)
    result = up_once(data_dir, "--stage", STAGE, "--no-seed")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "ddbkit ready" not in result.stdout and "Traceback" not in result.stderr
    line, = result.stderr.strip().splitlines()
    assert line.startswith(f"ddbkit: error: cannot restore data dir {data_dir}: ")
    assert "Nothing was changed" in line
    assert fingerprint(data_dir) == before
    return line


def test_a_journal_truncated_in_the_middle_is_damage(tmp_path: Path, durable_up: Any) -> None:
    data_dir = _written(tmp_path, durable_up)
    journal = max(data_dir.glob("journal-*.log"))
    whole = journal.stat().st_size
    os.truncate(journal, whole // 2)  # mid-record: it looks like a torn tail, but is not

    line = _refused(data_dir)
    assert f"{journal.name} is damaged: its records end at byte " in line
    assert f"but {whole} bytes of it had reached the disk" in line
    assert "removing journal.synced accepts what is left" in line


def test_a_journal_truncated_at_a_record_boundary_is_damage(tmp_path: Path,
                                                            durable_up: Any) -> None:
    """Whole records only: nothing torn to see, and still half the data is gone."""
    data_dir = _written(tmp_path, durable_up)
    journal = max(data_dir.glob("journal-*.log"))
    data = journal.read_bytes()
    offsets, offset = [], 0
    while offset < len(data):
        offsets.append(offset)
        offset += 12 + int.from_bytes(data[offset:offset + 4], "little")
    os.truncate(journal, offsets[len(offsets) // 2])

    line = _refused(data_dir)
    assert f"{journal.name} is damaged: its records end at byte {offsets[len(offsets) // 2]}" \
        in line


def test_a_journal_damaged_in_the_middle_is_damage(tmp_path: Path, durable_up: Any) -> None:
    data_dir = _written(tmp_path, durable_up)
    journal = max(data_dir.glob("journal-*.log"))
    data = bytearray(journal.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 64] = bytes(64)  # zeros mid-file, whole records after them
    journal.write_bytes(bytes(data))

    line = _refused(data_dir)
    assert f"{journal.name} is damaged" in line


def test_a_journal_zeroed_from_the_middle_to_its_end_is_damage(tmp_path: Path,
                                                               durable_up: Any) -> None:
    """What a crash with a lazy fsync can leave at the very end, but over data on disk."""
    data_dir = _written(tmp_path, durable_up)
    journal = max(data_dir.glob("journal-*.log"))
    data = bytearray(journal.read_bytes())
    middle = len(data) // 2
    data[middle:] = bytes(len(data) - middle)
    journal.write_bytes(bytes(data))

    assert f"{journal.name} is damaged" in _refused(data_dir)


def test_a_torn_tail_after_a_kill_is_dropped_and_the_rest_restored(tmp_path: Path,
                                                                    durable_up: Any) -> None:
    """kill -9, then a power loss's leftovers past what reached the disk: normal, restored."""
    data_dir = tmp_path / "data"
    proc = durable_up(data_dir, "--stage", STAGE, "--no-seed", "--ttl-interval", "0",
                      "--fsync", "always").start()
    client = make_client(endpoint_url=proc.endpoint_url)
    for n in range(30):
        client.put_item(TableName=table(STAGE, "bookings"), Item=booking(f"b{n}"))
    journal = max(data_dir.glob("journal-*.log"))
    wait_for(lambda: (data_dir / "journal.synced").exists(), "the first synced mark")
    proc.kill()
    record = frame(json.dumps({"n": 999, "t": 0, "ops": [["D", "x"]]}).encode())
    with open(journal, "ab") as out:
        out.write(record[:-5])

    again = durable_up(data_dir, "--stage", STAGE, "--no-seed", "--ttl-interval", "0").start()
    assert "30 items restored" in again.ready_line
    warnings = [line for line in again.output if "warning" in line]
    assert len(warnings) == 1 and journal.name in warnings[0] and "cut short" in warnings[0]


def test_a_seeded_dir_whose_journal_lost_its_end_is_never_seeded_over(
        tmp_path: Path, durable_up: Any) -> None:
    """The reported case: the cut took the "initialized" mark with it. Once the damage is
    accepted (journal.synced removed), what is left is served as restored, saying so."""
    data_dir = tmp_path / "data"
    first = durable_up(data_dir, "--stage", STAGE, "--ttl-interval", "0",
                       "--count", "bookings=300").start()
    assert "items seeded into a new data dir" in first.ready_line
    assert first.stop() == 0
    journal = max(data_dir.glob("journal-*.log"))
    os.truncate(journal, journal.stat().st_size * 3 // 4)
    assert "is damaged" in _refused(data_dir)

    (data_dir / "journal.synced").unlink()
    again = durable_up(data_dir, "--stage", STAGE, "--ttl-interval", "0",
                       "--count", "bookings=300").start()
    assert "items restored from" in again.ready_line
    assert "its first seed never finished, so it was not seeded again: --reseed starts " \
        "afresh" in again.ready_line
    assert not any(line.startswith("ddbkit: seeding") for line in again.output)
    restored = int(again.ready_line.split("(cut tables, ")[1].split()[0])
    count = make_client(endpoint_url=again.endpoint_url).scan(
        TableName=table(STAGE, "bookings"), Select="COUNT")["Count"]
    assert 0 < count < 300 and restored > 0


def test_a_clean_restart_after_reseed_forgets_the_old_mark(tmp_path: Path,
                                                           durable_up: Any) -> None:
    """--reseed discards the journal and its mark: the new, shorter journal is not damage."""
    data_dir = _written(tmp_path, durable_up, items=60)
    proc = durable_up(data_dir, "--stage", STAGE, "--no-seed", "--reseed").start()
    assert proc.stop() == 0
    again = durable_up(data_dir, "--stage", STAGE, "--no-seed").start()
    assert "0 items restored" in again.ready_line


def test_an_older_segment_cut_at_a_record_boundary_is_damage(tmp_path: Path,
                                                             durable_up: Any) -> None:
    """What a crash mid-compaction leaves (a new segment, no snapshot yet) holds two
    segments to replay; the newer one's header says where the older one ended."""
    from ddbkit.emulator.durability.recovery import journal_header
    from ddbkit.emulator.spec import ACCOUNT_ID

    data_dir = _written(tmp_path, durable_up)
    first = data_dir / "journal-00000001.log"
    whole = first.stat().st_size
    header = journal_header(2, ACCOUNT_ID, "us-east-1", 0.0, previous=whole)
    (data_dir / "journal-00000002.log").write_bytes(frame(header))
    data = first.read_bytes()
    last_record = 0
    while (end := last_record + 12 + int.from_bytes(data[last_record:last_record + 4],
                                                    "little")) < whole:
        last_record = end
    os.truncate(first, last_record)  # whole records only: the last one is gone

    assert (f"journal-00000001.log is damaged: it holds {last_record} bytes, but it ended at "
            f"byte {whole} when the next segment began") in _refused(data_dir)

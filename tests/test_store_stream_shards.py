"""ddbkit's stream shard (`emulator/store/stream_shards.py`) and its records
(`stream_records.py`), used directly: appends and their sequence numbers, 24-hour trimming on
a clock the test sets, closed shards, reads by position, count and size, journal replay."""

from __future__ import annotations

import copy
import tracemalloc
from pathlib import Path

import pytest

from ddbkit.emulator.store import stream_records, stream_shards, stream_spill
from ddbkit.emulator.store.stream_shards import (
    FIRST_SEQUENCE,
    MAX_READ_BYTES,
    RETENTION_SECONDS,
    TAIL_BYTES,
    TRIM_SLACK_SECONDS,
    Shard,
)

T0 = 1_767_225_600.0  # 2026-01-01T00:00:00Z
KEY = {"pk": {"S": "a"}}


def item(n: int, **more: dict[str, object]) -> dict[str, object]:
    return {**KEY, "n": {"N": str(n)}, **more}


def put(shard: Shard, n: int, now: float, view_type: str = "NEW_AND_OLD_IMAGES") -> None:
    old = None if n == 0 else item(n - 1)
    stream_records.add(shard, view_type, KEY, old, item(n), now, "eu-west-1")


def numbers(shard: Shard, sequence: int, limit: int = 1000) -> list[int]:
    return [stream_records.sequence_of(stream_records.decode(raw))
            for raw in shard.read(sequence, limit)]


def test_records_are_numbered_from_the_shards_first_sequence_number() -> None:
    shard = Shard(created=T0)
    assert (shard.start, shard.next_sequence, shard.last_sequence) == (
        FIRST_SEQUENCE, FIRST_SEQUENCE, None)
    for n in range(3):
        put(shard, n, T0 + n)
    assert numbers(shard, shard.start) == [FIRST_SEQUENCE, FIRST_SEQUENCE + 1,
                                           FIRST_SEQUENCE + 2]
    assert shard.next_sequence == FIRST_SEQUENCE + 3
    assert shard.last_sequence == FIRST_SEQUENCE + 2
    assert len(shard) == 3


def test_a_record_reads_back_as_getrecords_answers_it() -> None:
    shard = Shard(created=T0)
    stream_records.add(shard, "NEW_AND_OLD_IMAGES", KEY, None,
                       item(1, blob={"B": b"\x00\xff"}), T0 + 0.1234567, "eu-west-1")
    stream_records.add(shard, "NEW_AND_OLD_IMAGES", KEY, item(1), None, T0 + 2, "eu-west-1",
                       by_service=True)
    insert, remove = map(stream_records.decode, shard.read(shard.start, 10))
    assert insert["eventName"] == "INSERT" and remove["eventName"] == "REMOVE"
    assert (insert["eventVersion"], insert["awsRegion"], insert["eventSource"]) == (
        "1.1", "eu-west-1", "aws:dynamodb")
    change = insert["dynamodb"]
    assert change["ApproximateCreationDateTime"] == T0 + 0.123  # to the millisecond
    assert remove["dynamodb"]["ApproximateCreationDateTime"] == int(T0 + 2)  # whole: an int
    assert change["Keys"] == KEY and "OldImage" not in change
    assert change["NewImage"]["blob"] == {"B": b"\x00\xff"}  # bytes, for the wire's base64
    assert remove["dynamodb"]["OldImage"] == item(1) and "NewImage" not in remove["dynamodb"]
    assert remove["userIdentity"] == {"Type": "Service",
                                      "PrincipalId": "dynamodb.amazonaws.com"}
    assert "userIdentity" not in insert
    assert insert["eventID"] != remove["eventID"]


@pytest.mark.parametrize(("view_type", "images"), [
    ("KEYS_ONLY", set()), ("NEW_IMAGE", {"NewImage"}), ("OLD_IMAGE", {"OldImage"}),
    ("NEW_AND_OLD_IMAGES", {"NewImage", "OldImage"})])
def test_a_modify_keeps_the_images_its_view_type_names(view_type: str,
                                                        images: set[str]) -> None:
    shard = Shard(created=T0)
    put(shard, 1, T0, view_type)
    (record,) = map(stream_records.decode, shard.read(shard.start, 1))
    assert record["eventName"] == "MODIFY"
    assert {"NewImage", "OldImage"} & set(record["dynamodb"]) == images
    assert record["dynamodb"]["StreamViewType"] == view_type
    assert record["dynamodb"]["SizeBytes"] > len('{"Keys": {"pk": {"S": "a"}}}')


def test_records_past_24_hours_are_trimmed_and_numbers_stay() -> None:
    shard = Shard(created=T0)
    put(shard, 0, T0)
    put(shard, 1, T0 + 3600)
    first = shard.start
    # Within the slack minute nothing is trimmed yet; past it, every record past 24 h goes.
    assert shard.trim(T0 + RETENTION_SECONDS + TRIM_SLACK_SECONDS - 1) == 0
    assert shard.trim(T0 + RETENTION_SECONDS + TRIM_SLACK_SECONDS + 1) == 1
    assert (shard.start, shard.next_sequence) == (first + 1, first + 2)
    assert numbers(shard, shard.start) == [first + 1]
    assert numbers(shard, first) == [first + 1]  # a position before the start reads from it
    # An append trims as it goes.
    put(shard, 2, T0 + 3600 + RETENTION_SECONDS + TRIM_SLACK_SECONDS + 1)
    assert numbers(shard, shard.start) == [first + 2]
    assert shard.first_sequence == first  # the settings keep where the shard began


def test_trim_before_removes_exactly_the_older_records() -> None:
    shard = Shard(created=T0)
    for n in range(5):
        put(shard, n, T0 + n)
    assert shard.trim_before(T0 + 2) == 2
    assert numbers(shard, shard.start) == [FIRST_SEQUENCE + 2, FIRST_SEQUENCE + 3,
                                           FIRST_SEQUENCE + 4]
    assert shard.trim_before(T0) == 0


def test_reads_by_position_count_and_size() -> None:
    shard = Shard(created=T0)
    for n in range(10):
        put(shard, n, T0 + n)
    start = shard.start
    assert numbers(shard, start + 3, limit=2) == [start + 3, start + 4]
    assert numbers(shard, start + 9, limit=5) == [start + 9]
    assert shard.read(shard.next_sequence, 5) == []
    size = len(shard.read(start, 1)[0])
    assert len(shard.read(start, 10, max_bytes=size * 3 + size // 2)) == 3
    assert len(shard.read(start, 10, max_bytes=1)) == 1  # at least one record
    assert shard.since(start + 8) == shard.read(start + 8, 100)
    start_then, records = shard.snapshot()
    assert (start_then, len(records), records.first_at(T0 + 3)) == (start, 10, 3)


def test_a_closed_shard_takes_no_records_and_ends_at_its_last() -> None:
    shard = Shard(created=T0)
    put(shard, 0, T0)
    assert shard.ending_sequence is None
    shard.close()
    put(shard, 1, T0 + 1)
    assert len(shard) == 1
    assert shard.ending_sequence == shard.last_sequence == FIRST_SEQUENCE
    assert Shard(created=T0).ending_sequence is None


def test_truncate_withdraws_a_rolled_back_writes_records() -> None:
    shard = Shard(created=T0)
    put(shard, 0, T0)
    mark = shard.next_sequence
    put(shard, 1, T0 + 1)
    put(shard, 2, T0 + 2)
    shard.truncate(mark)
    assert numbers(shard, shard.start) == [FIRST_SEQUENCE]
    put(shard, 3, T0 + 3)  # numbering goes on from the withdrawn position
    assert numbers(shard, shard.start) == [FIRST_SEQUENCE, FIRST_SEQUENCE + 1]


def test_records_replayed_from_the_journal_keep_their_numbers() -> None:
    source = Shard(created=T0)
    for n in range(4):
        put(source, n, T0 + n)
    images = [stream_records.decode(raw) for raw in source.since(source.start)]
    # A snapshot's stream starts past trimmed records; a record appended twice is skipped.
    copy = Shard(created=T0)
    copy.reset(FIRST_SEQUENCE + 1)
    assert [stream_records.load(copy, dict(image)) for image in images[1:]] == [True] * 3
    assert stream_records.load(copy, stream_records.decode(source.since(source.start)[3])) \
        is False
    assert copy.since(copy.start) == source.since(source.start + 1)
    # An empty shard takes its start from the first record it is given.
    empty = Shard(created=T0)
    assert stream_records.load(empty, stream_records.decode(source.since(source.start)[2]))
    assert empty.start == FIRST_SEQUENCE + 2
    with pytest.raises(ValueError, match="is followed by"):
        stream_records.load(empty, stream_records.decode(source.since(source.start)[3]) | {
            "dynamodb": {**images[3]["dynamodb"], "SequenceNumber": str(FIRST_SEQUENCE + 9)}})


def test_a_journal_record_with_full_precision_time_reads_to_the_millisecond() -> None:
    shard = Shard(created=T0)
    put(shard, 0, T0)
    image = stream_records.decode(shard.since(shard.start)[0])
    image["dynamodb"]["ApproximateCreationDateTime"] = T0 + 5.123456  # as format 2 wrote it
    other = Shard(created=T0)
    stream_records.load(other, image)
    (record,) = map(stream_records.decode, other.read(other.start, 1))
    assert record["dynamodb"]["ApproximateCreationDateTime"] == T0 + 5.123
    assert other.trim_before(T0 + 5.2) == 1  # trimming reads the time it was made


def test_a_table_object_holds_its_shard() -> None:
    class Table:
        pass

    table = Table()
    assert stream_shards.of(table) is None
    shard = Shard(created=T0)
    stream_shards.attach(table, shard)
    assert stream_shards.of(table) is shard
    stream_shards.attach(table, None)
    assert stream_shards.of(table) is None


def test_a_deep_copy_for_a_backup_keeps_the_identity_not_the_records() -> None:
    shard = Shard("shardId-x", T0, FIRST_SEQUENCE)
    put(shard, 0, T0)
    put(shard, 1, T0 + 1)
    copied = copy.deepcopy(shard)
    assert (copied.shard_id, copied.created, copied.first_sequence) == (
        "shardId-x", T0, FIRST_SEQUENCE)
    assert len(copied) == 0 and copied.next_sequence == shard.next_sequence
    assert len(shard) == 2


def test_a_snapshot_decodes_a_streams_records_a_chunk_at_a_time() -> None:
    """Writing a stream to a snapshot holds one chunk of decoded records, not all of them:
    five times the records, about the same peak (it once held every record decoded: +300 MB
    for 75,000 bookings during a load)."""
    import contextlib
    import os
    import threading
    import time
    from datetime import UTC, datetime, timedelta
    from pathlib import Path

    from ddbkit.emulator.durability.snapshot import SnapshotWriter, TablePlan
    from ddbkit.emulator.store import stream_records
    from ddbkit.emulator.store.stream_shards import Shard

    def peak(count: int) -> int:
        shard, now = Shard(), time.time()
        image = {"pk": {"S": "k"}, "v": {"S": "x" * 300}, "n": {"N": "12"}}
        for _ in range(count):
            stream_records.add(shard, "NEW_AND_OLD_IMAGES", {"pk": {"S": "k"}}, image, image,
                               now, "us-east-1")
        start, records = shard.snapshot()
        plan = TablePlan("t", None, b"{}", start, records, None, None, None)
        writer = SnapshotWriter(Path("unused"), {}, [plan], contextlib.nullcontext(),
                                timedelta(hours=24), lambda: datetime.now(UTC).replace(
                                    tzinfo=None), threading.Event())
        tracemalloc.start()
        with open(os.devnull, "wb") as sink:  # what is written is not the writer's to hold
            writer._stream(sink, plan)
        found = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return found

    assert peak(20_000) < 2 * peak(4_000)


# Records of about 40 KB (both images of a 20 KB item): a few hundred fill a segment file.
BIG = {"big": {"S": "x" * 20_000}}


def put_big(shard: Shard, n: int, now: float) -> None:
    old = None if n == 0 else item(n - 1, **BIG)
    stream_records.add(shard, "NEW_AND_OLD_IMAGES", KEY, old, item(n, **BIG), now, "eu-west-1")


def big_shard(count: int) -> Shard:
    shard = Shard(created=T0)
    for n in range(count):
        put_big(shard, n, T0 + n)
    return shard


def read_all(shard: Shard) -> list[int]:
    """Every record's n, read as GetRecords pages through them from the oldest."""
    found: list[int] = []
    position = shard.start
    while position < shard.next_sequence:
        page = shard.read(position, 1000)
        assert sum(map(len, page)) <= MAX_READ_BYTES or len(page) == 1
        for raw in page:
            record = stream_records.decode(raw)
            assert stream_records.sequence_of(record) == position
            found.append(int(record["dynamodb"]["NewImage"]["n"]["N"]))
            position += 1
    return found


def test_older_records_move_to_disk_and_read_back_in_order() -> None:
    shard = big_shard(1_000)
    assert shard.held_bytes <= TAIL_BYTES  # only the newest in memory
    assert len(shard.files()) >= 2 and all(path.exists() for path in shard.files())
    assert read_all(shard) == list(range(1_000))
    # One read across the line between disk and memory; `since` from the middle.
    spilled_end = shard.start + len(shard) - len(shard.since(shard.start + 990)) + 10
    assert len(shard.read(shard.start + 990, 5)) == 5
    assert shard.since(spilled_end - 10) == shard.read(spilled_end - 10, 100)
    last = stream_records.decode(shard.read(shard.last_sequence or 0, 1)[0])
    assert last["dynamodb"]["NewImage"]["n"] == {"N": "999"}


def test_trimming_past_24_hours_deletes_whole_segment_files() -> None:
    shard = big_shard(1_000)
    first_files = shard.files()
    assert shard.trim_before(T0 + 600) == 600
    assert read_all(shard) == list(range(600, 1_000))
    gone = [path for path in first_files if path not in shard.files()]
    assert gone and not any(path.exists() for path in gone)
    assert all(path.exists() for path in shard.files())
    shard.trim_before(T0 + 5_000)
    assert len(shard) == 0 and shard.files() == []
    assert not any(path.exists() for path in first_files)
    put_big(shard, 0, T0 + 5_000)  # numbering goes on
    assert shard.start == FIRST_SEQUENCE + 1_000 and read_all(shard) == [0]


def test_a_snapshot_reads_records_the_shard_has_trimmed_since() -> None:
    shard = big_shard(800)
    start, records = shard.snapshot()
    files = shard.files()
    shard.trim_before(T0 + 10_000)  # every record
    put_big(shard, 0, T0 + 10_000)
    assert all(path.exists() for path in files)  # kept while the snapshot reads them
    numbers = [stream_records.sequence_of(stream_records.decode(raw)) for raw in records]
    assert numbers == list(range(start, start + 800)) and len(records) == 800
    assert stream_records.sequence_of(stream_records.decode(records[-1])) == start + 799
    assert [stream_records.sequence_of(stream_records.decode(raw))
            for raw in records[100:103]] == [start + 100, start + 101, start + 102]
    assert len(records[790:]) == 10 and len(records[5:2]) == 0
    del records
    assert not any(path.exists() for path in files)  # the last reader let go


def test_a_rolled_back_write_withdraws_records_already_on_disk() -> None:
    shard = big_shard(300)
    assert len(shard.files()) == 1 and len(shard) > len(shard.since(shard.start + 10))
    shard.truncate(shard.start + 10)
    assert read_all(shard) == list(range(10))
    for n in range(10, 400):
        put_big(shard, n, T0 + n)
    assert read_all(shard) == list(range(400))


def test_a_dropped_shard_deletes_its_files() -> None:
    shard = big_shard(100)
    files = shard.files()
    assert files and all(path.exists() for path in files)
    del shard
    assert not any(path.exists() for path in files)


def test_a_spill_folder_beside_a_data_dir_is_emptied_when_taken(tmp_path: Path) -> None:
    parent = tmp_path / stream_spill.FOLDER_NAME
    (parent / "left-by-a-killed-process").mkdir(parents=True)
    (parent / "left-by-a-killed-process" / "a.seg").write_bytes(b"old")
    stream_spill.use(parent)
    try:
        shard = big_shard(100)
        files = shard.files()
        assert files and all(path.parent.parent == parent for path in files)
        assert [p.name for p in parent.iterdir()] == [files[0].parent.name]
        assert read_all(shard) == list(range(100))
    finally:
        stream_spill.use(None)  # later shards of this process: its temp folder
    del shard
    assert not any(path.exists() for path in files)


def test_memory_holds_the_newest_records_and_a_few_bytes_a_batch_on_disk() -> None:
    """A day of records is kept mostly on disk: what memory keeps of those grows with the
    batches written (half a MB each), not with the records (20 bytes each, once)."""
    shard, raw = Shard(created=T0), b"x" * 200
    for n in range(5_000):  # the tail full: what follows adds only records on disk
        shard.append(raw, T0 + n / 100)
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for n in range(5_000, 205_000):
        shard.append(raw, T0 + n / 100)
    grown = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    assert grown < 200_000, grown  # 200,000 records: 4 MB at 20 bytes a record
    assert shard.read(shard.start + 100_000, 2) == [raw, raw]
    assert shard.trim_before(T0 + 1_000.005) == 100_001  # to the record, inside a batch
    assert shard.start == FIRST_SEQUENCE + 100_001 and len(shard) == 104_999

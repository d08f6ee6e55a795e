"""A snapshot taken while writes go on, plus the journal since, gives back the exact state.

Its query indexes too: installed from the snapshot's index sections and kept current by the
journal's writes, they equal indexes built afresh from the restored items; a snapshot
without index sections (an older one) restores the same, its indexes built at start.

On-demand backups made meanwhile (journaled as "the table's items at this point") come
back exactly as made: one made while the snapshot is written (the snapshot writes it whole),
one after (rebuilt from the replayed state at its record).

The fuzzy snapshot's claim, checked deterministically: random writes (puts, in-place
updates, deletes, on a table with a stream and a GSI, and a table created mid-snapshot) run
between every chunk the snapshot copies, as requests would between its lock holds, and are
journaled as requests are. Restored into another region, every table's settings, items,
stream records and DescribeTable figures (the snapshot's, moved by the journal's writes)
equal the source's. It runs in a child process: journaling wraps moto's
write methods for the life of the process.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCENARIO = r'''
import random, sys, time
from datetime import timedelta
from pathlib import Path

from moto.core.utils import utcnow

from ddbkit.emulator.durability import encoding
from ddbkit.emulator.durability.files import DataDir
from ddbkit.emulator.durability.framing import frame
from ddbkit.emulator.durability.images import item_image
from ddbkit.emulator.durability.recorder import Recorder
from ddbkit.emulator.durability.recovery import Recovery, journal_header
from ddbkit.emulator.durability import index_sections, snapshot
from ddbkit.emulator.durability.framing import read_frames
from ddbkit.emulator.store.indexes import TableIndexes, indexes_for, layouts, signature
from ddbkit.emulator.durability.snapshot import SnapshotWriter, plan
from ddbkit.emulator.store import item_map, table_description
from ddbkit.emulator.store import changes
from ddbkit.emulator.store.table_calls import create_new_table
from ddbkit.emulator.operations import create_backup, delete_item, put_item, update_item
from ddbkit.emulator.operations.call import Call, OperationError
from ddbkit.emulator.store import stream_records, stream_shards
from ddbkit.emulator.store.catalog import catalog

ACCOUNT, SOURCE, TARGET = "123456789012", "eu-west-1", "eu-central-1"
snapshot.CHUNK_ITEMS = 16  # many chunks (of whole parts), so writes land between many
item_map.PART, item_map.SPARSE = 8, 1  # of them
changes.record(True)
source = catalog(ACCOUNT, SOURCE)
rng = random.Random(int(sys.argv[2]))


def create(name):
    create_new_table(source, {
        "TableName": name, "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                         {"AttributeName": "sk", "KeyType": "RANGE"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                                 {"AttributeName": "sk", "AttributeType": "N"},
                                 {"AttributeName": "g", "AttributeType": "S"}],
        "GlobalSecondaryIndexes": [{"IndexName": "g-index",
                                    "Projection": {"ProjectionType": "ALL"},
                                    "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}]}],
        "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        "BillingMode": "PAY_PER_REQUEST"})


def run(module, operation, params):
    """ddbkit's own operation, as the server runs it."""
    module.run(Call("dynamodb", operation, params, ACCOUNT, SOURCE))


def write(name):
    key = {"pk": {"S": f"p{rng.randrange(150)}"}, "sk": {"N": str(rng.randrange(8))}}
    roll = rng.random()
    if roll < 0.5:
        run(put_item, "PutItem", {"TableName": name, "Item": {
            **key, "g": {"S": f"g{rng.randrange(9)}"},
            "m": {"M": {"l": {"L": [{"N": str(rng.randrange(99))}]}}},
            "b": {"B": bytes([rng.randrange(256)])}}})
    elif roll < 0.8:
        # ddbkit's own UpdateItem, as the server runs it (it never calls moto's update_item).
        try:
            update_item.run(Call("dynamodb", "UpdateItem", {
                "TableName": name, "Key": key, "UpdateExpression": "ADD c :one SET g = :g",
                "ExpressionAttributeValues": {":one": {"N": "1"},
                                              ":g": {"S": f"g{rng.randrange(9)}"}}},
                ACCOUNT, SOURCE))
        except OperationError:
            pass
    else:
        run(delete_item, "DeleteItem", {"TableName": name, "Key": key})


journal = []
recorder = Recorder(source.tables, journal.append, backups=source.backups)
create("fuzzy")
recorder.commit("CreateTable")
for _ in range(3000):
    write("fuzzy")
    recorder.commit("PutItem")
journal.clear()  # all of it is in the snapshot's instant: only what follows is journaled


def backup(name):
    run(create_backup, "CreateBackup", {"TableName": "fuzzy", "BackupName": name})
    recorder.commit("CreateBackup")


class Requests:
    """The store lock as the snapshot takes it: requests run while it is not held."""
    created = False
    holds = 0

    def __enter__(self):
        for _ in range(rng.randrange(12)):
            write("fuzzy")
            recorder.commit("UpdateItem")
        Requests.holds += 1
        if Requests.holds == 3:
            create("late")
            recorder.commit("CreateTable")
            Requests.created = True
        if Requests.created:
            write("late")
            recorder.commit("PutItem")
        if Requests.holds == 5:  # journaled as "fuzzy's items now": the snapshot writes it
            backup("mid-snapshot")


    def __exit__(self, *exc):
        return None


data = Path(sys.argv[1])
data.mkdir()
plans = plan(source.tables)
header = {"generation": 2, "account": ACCOUNT, "region": TARGET, "sequence": 0,
          "rotated_at": time.time(), "initialized": True}
SnapshotWriter(data / "snapshot-00000002.snap", header, plans, Requests(),
               timedelta(hours=24), utcnow, backups=lambda: list(source.backups.items())).write()
for number in range(200):
    write("fuzzy")
    recorder.commit("DeleteItem")
    if number == 100:  # rebuilt from the replayed state at its record
        backup("after-snapshot")
(data / "journal-00000002.log").write_bytes(
    frame(journal_header(2, ACCOUNT, TARGET, time.time())) + b"".join(journal))
snap = data / "snapshot-00000002.snap"
payloads = list(read_frames(open(snap, "rb"), snap.stat().st_size))
sections = [p for p in payloads if index_sections.is_section(p)]
# the fuzzy table's, an opening and a piece per index (late is in the journal only)
assert {index_sections.decode(p)[0] for p in sections} == {"fuzzy"}, len(sections)
WITH_INDEXES = sys.argv[3] == "with"
if not WITH_INDEXES:  # as an older snapshot was written
    snap.write_bytes(b"".join(frame(p) for p in payloads if not index_sections.is_section(p)))

target = catalog(ACCOUNT, TARGET)
Recovery(DataDir(data), target.tables, ACCOUNT, TARGET, utcnow(), timedelta(hours=24),
         backups=target.backups).run()
assert len(source.backups) == 2 and sorted(source.backups) == sorted(target.backups)
for arn, made in source.backups.items():  # each exactly the table at its CreateBackup
    assert ({(i.hash_key.value, i.range_key.value): item_image(i)
             for entry in made.table.items.values() for i in entry.values()}
            == {(i.hash_key.value, i.range_key.value): item_image(i)
                for entry in target.backups[arn].table.items.values()
                for i in entry.values()}), arn
# the snapshot's figures, moved by the journal's puts and deletes: not counted again
assert target.tables["fuzzy"].figures is not None
installed = target.tables["fuzzy"].index_set
assert installed is not None  # installed, or (without sections) built before serving


def index_entries(table, found):
    """Per index and partition, the entry keys and items in order (items: their images, and
    whether each is the very item the table stores)."""
    def stored(item):
        return table.items[item.hash_key][item.range_key] is item
    return {name: {partition: (bucket.sorted_keys(), [item_image(i) for i in bucket],
                               all(stored(i) for i in bucket))
                   for partition, bucket in index.partitions.items()}
            for name, index in found.indexes.items()}


for table in target.tables.values():
    fresh = TableIndexes(table, signature(table), layouts(table)).build()
    current = table.index_set  # as the restart left them: built or installed, current
    assert current is not None and current.signature == signature(table), table.name
    assert index_entries(table, current) == index_entries(table, fresh), table.name
    assert current.indexes["g-index"].partitions, table.name


def figures(table):
    described = table_description.describe(table)["TableDescription"]
    return (described["ItemCount"], described["TableSizeBytes"],
            [(i["ItemCount"], i["IndexSizeBytes"]) for i in described["GlobalSecondaryIndexes"]])


def state(backend):
    found = {}
    for name, table in backend.tables.items():
        items = {(i.hash_key.value, i.range_key.value): item_image(i)
                 for entry in table.items.values() for i in entry.values()}
        shard = stream_shards.of(table)
        records = [(r["dynamodb"]["SequenceNumber"], r["eventName"], r["dynamodb"].get("NewImage"))
                   for r in map(stream_records.decode, shard.since(shard.start))]
        settings = {k: v for k, v in vars(table).items()
                    if k in ("schema", "attr", "latest_stream_label", "created_at", "ttl")}
        found[name] = (encoding.canonical(settings), items, shard.start,
                       records, len(table.global_indexes), figures(table))
    return found


assert Requests.created, "the scenario never created a table mid-snapshot"
mine, restored = state(source), state(target)
assert sorted(mine) == sorted(restored) == ["fuzzy", "late"], (sorted(mine), sorted(restored))
for name in mine:
    assert mine[name] == restored[name], name
print("items", {name: len(found[1]) for name, found in mine.items()}, "holds", Requests.holds,
      "records", {name: len(found[3]) for name, found in mine.items()})
'''


def _scenario(directory: Path, seed: int, sections: str) -> None:
    result = subprocess.run([sys.executable, "-c", SCENARIO, str(directory), str(seed),
                             sections], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("items "), result.stdout


def test_a_snapshot_taken_under_writes_plus_the_journal_is_exact(tmp_path: Path) -> None:
    for seed in (1, 2, 3):
        _scenario(tmp_path / f"d{seed}", seed, "with")


def test_a_snapshot_without_index_sections_restores_and_builds_them_at_start(
        tmp_path: Path) -> None:
    _scenario(tmp_path / "d", 4, "without")

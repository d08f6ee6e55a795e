"""Store shapes for issue 25, measured in isolation: (a) in-memory compact items, (b) SQLite WAL.

Both hold the spec's bookings table (primary key and GSIs read from `emulator/spec.py`) with
items from ddbkit's own generator (`fixtures/generate.py`, scaled so providers, customers and
statuses keep their seeded ratios), and do what a store must do, nothing of HTTP or moto:

- mem:CODEC  primary key -> encoded item bytes in a dict; per GSI a SortedList of
             (gsi hash, gsi range, primary key), key strings shared and interned; a snapshot
             copies the key list under the lock, then writes items chunk by chunk while writers
             record the old value of any key they change in an overlay (copy-on-write).
- sqlite:CODEC  stdlib sqlite3, WAL, synchronous=NORMAL, one writer and one reader connection
             (the page cache split between them), checkpoints (PASSIVE, every 0.5 s) by a
             thread of their own; a WITHOUT ROWID table of primary key, one
             column per GSI key attribute and the encoded item; one partial index per GSI; a
             snapshot is the online backup API from a third connection in another thread.

CODECs: `json` (DynamoDB JSON bytes), `marshal` (a flat tuple of name, type code, value),
`packed` (the same with attribute names as ids into a per-table name table).

Per shape, in a fresh subprocess each (one at a time): RSS per item (VmRSS before/after loading
N items streamed from a file), the bulk load rate, p50/p99 of GetItem (read + decode), PutItem
(encode, old image read, GSI upkeep; an overwrite that moves status and scheduledDate) and a
GSI Query of up to 20 items (decoded), the longest GetItem/PutItem while a snapshot of every
item is written by another thread, and, in another fresh subprocess, the restart: from the
snapshot file (mem) or the db file (sqlite) to the first GSI query answered. Both shapes would
also append each write to the journal; that common cost is printed once.
Numbers, no assertions; a shared 2-core machine makes them noisy: compare ratios.

    .venv/bin/python bench/bench_store_shapes.py [--items 100000] [--ops 20000]
        [--shapes mem:json,mem:marshal,mem:packed,sqlite:packed,sqlite:json] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import base64
import gc
import heapq
import itertools
import json
import marshal
import os
import random
import re
import sqlite3
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

from sortedcontainers import SortedList

from ddbkit.emulator.spec import TableSpec, get_table

TABLE = get_table("bookings")
SEED_ANCHOR = date(2025, 12, 4)  # fixed, so every run holds the same items
Item = dict[str, dict[str, Any]]
LEN = struct.Struct("<I")
CHUNK = 2048  # items per lock hold and per snapshot frame

# -- codecs ----------------------------------------------------------------------------------

TAGS = ("S", "N", "B", "BOOL", "NULL", "L", "M", "SS", "NS", "BS")
TAG_ID = {t: i for i, t in enumerate(TAGS)}


class JsonCodec:
    def __init__(self) -> None:
        self.names: list[str] = []

    def encode(self, item: Item) -> bytes:
        return json.dumps(item, separators=(",", ":")).encode()

    def decode(self, blob: bytes) -> Item:
        return json.loads(blob)  # type: ignore[no-any-return]

    def attrs(self, blob: bytes, names: tuple[str, ...]) -> Item:
        item = json.loads(blob)
        return {n: item[n] for n in names if n in item}


class MarshalCodec:
    """A flat tuple (name, type code, value, ...); `name_ids` swaps names for table-wide ids."""

    def __init__(self, name_ids: bool) -> None:
        self.name_ids = name_ids
        self.names: list[str] = []
        self._ids: dict[str, int] = {}

    def load_names(self, names: list[str]) -> None:
        self.names = names
        self._ids = {n: i for i, n in enumerate(names)}

    def _name(self, name: str) -> str | int:
        if not self.name_ids:
            return name
        i = self._ids.get(name)
        if i is None:
            i = self._ids[name] = len(self.names)
            self.names.append(name)
        return i

    def _flat(self, item: Item) -> tuple[Any, ...]:
        out: list[Any] = []
        for name, av in item.items():
            (tag, value), = av.items()
            out += (self._name(name), TAG_ID[tag], self._value(tag, value))
        return tuple(out)

    def _value(self, tag: str, value: Any) -> Any:
        if tag == "B":
            return base64.b64decode(value)
        if tag == "BS":
            return tuple(base64.b64decode(v) for v in value)
        if tag in ("SS", "NS"):
            return tuple(value)
        if tag == "M":
            return self._flat(value)
        if tag == "L":
            return tuple(itertools.chain.from_iterable(
                (TAG_ID[t], self._value(t, v)) for av in value for t, v in av.items()))
        return value

    def _wire(self, code: int, value: Any) -> Any:
        tag = TAGS[code]
        if tag == "B":
            return base64.b64encode(value).decode()
        if tag == "BS":
            return [base64.b64encode(v).decode() for v in value]
        if tag in ("SS", "NS"):
            return list(value)
        if tag == "M":
            return self._item(value)
        if tag == "L":
            return [{TAGS[value[i]]: self._wire(value[i], value[i + 1])}
                    for i in range(0, len(value), 2)]
        return value

    def _av(self, code: int, value: Any) -> dict[str, Any]:
        return {TAGS[code]: value if code < 2 else self._wire(code, value)}  # S, N: as stored

    def _item(self, flat: tuple[Any, ...]) -> Item:
        names = self.names if self.name_ids else None
        return {(names[flat[i]] if names else flat[i]):
                self._av(flat[i + 1], flat[i + 2]) for i in range(0, len(flat), 3)}

    def encode(self, item: Item) -> bytes:
        return marshal.dumps(self._flat(item))

    def decode(self, blob: bytes) -> Item:
        return self._item(marshal.loads(blob))

    def attrs(self, blob: bytes, names: tuple[str, ...]) -> Item:
        flat = marshal.loads(blob)
        wanted = {self._ids[n] if self.name_ids else n for n in names
                  if n in self._ids or not self.name_ids}
        table = self.names
        return {(table[flat[i]] if self.name_ids else flat[i]):
                self._av(flat[i + 1], flat[i + 2]) for i in range(0, len(flat), 3)
                if flat[i] in wanted}


Codec = JsonCodec | MarshalCodec


def make_codec(name: str) -> Codec:
    return {"json": JsonCodec, "marshal": lambda: MarshalCodec(False),
            "packed": lambda: MarshalCodec(True)}[name]()


def key_value(av: dict[str, Any]) -> Any:
    """A key attribute as it sorts: S and B by bytes (interned, shared), N by value."""
    (tag, value), = av.items()
    if tag == "S":
        return sys.intern(value)
    return Decimal(value) if tag == "N" else base64.b64decode(value)


def write_frame(out: BinaryIO, section: int, payload: list[Any]) -> None:
    data = marshal.dumps((section, payload))
    out.write(LEN.pack(len(data)) + data)


# -- (a) in-memory ---------------------------------------------------------------------------

_UNSET = object()


class MemStore:
    def __init__(self, spec: TableSpec, codec: Codec) -> None:
        if spec.primary.sort is not None:
            raise SystemExit("this bench holds hash-key tables only (a dict); bookings is one")
        self.codec, self.pk = codec, spec.primary.partition
        self.gsi_keys = [g.key.attributes for g in spec.gsis]
        self.key_names = tuple(a for a in spec.key_attributes if a != self.pk)
        self.items: dict[str, bytes] = {}
        self.indexes = [SortedList() for _ in spec.gsis]
        self.lock = threading.Lock()
        self.overlay: dict[str, bytes | None] | None = None

    def _entries(self, pk: str, item: Item) -> list[tuple[Any, ...] | None]:
        values = {n: key_value(item[n]) for n in self.key_names if n in item}
        return [(*(values[a] for a in attrs), pk) if all(a in values for a in attrs) else None
                for attrs in self.gsi_keys]

    def put(self, item: Item) -> bytes | None:
        blob = self.codec.encode(item)
        pk = item[self.pk]["S"]
        new = self._entries(pk, item)
        with self.lock:
            old = self.items.get(pk)
            if self.overlay is not None and pk not in self.overlay:
                self.overlay[pk] = old
            self.items[pk] = blob
            gone = (self._entries(pk, self.codec.attrs(old, self.key_names)) if old is not None
                    else [None] * len(new))
            for index, before, after in zip(self.indexes, gone, new, strict=True):
                if before != after:
                    if before is not None:
                        index.remove(before)
                    if after is not None:
                        index.add(after)
        return old  # the stream's OldImage

    def get(self, pk: str) -> Item | None:
        blob = self.items.get(pk)  # one dict read: atomic under the GIL, no lock needed
        return None if blob is None else self.codec.decode(blob)

    def query(self, gsi: int, hash_value: str, since: str, limit: int) -> list[Item]:
        with self.lock:
            hits = itertools.takewhile(lambda e: e[0] == hash_value,
                                       self.indexes[gsi].irange(minimum=(hash_value, since)))
            blobs = [self.items[e[-1]] for e in itertools.islice(hits, limit)]
        return [self.codec.decode(b) for b in blobs]

    def snapshot(self, path: Path) -> float:
        """Every item as of the call, then each GSI's entries in order, written while writers
        go on; entries are sorted here, off the request path, so a restart neither decodes
        items nor sorts. Returns the longest hold of the store's lock (s)."""
        t0 = time.perf_counter()
        with self.lock:
            keys = list(self.items)
            self.overlay = {}
        held, ordinal = time.perf_counter() - t0, 0
        wanted = (self.pk, *self.key_names)
        runs: list[list[list[tuple[Any, ...]]]] = [[] for _ in self.indexes]
        with path.open("wb") as out:
            for start in range(0, len(keys), CHUNK):
                t0 = time.perf_counter()
                with self.lock:
                    overlay, items = self.overlay, self.items
                    pairs = [(k, overlay[k] if k in overlay else items[k])
                             for k in keys[start:start + CHUNK]]
                held = max(held, time.perf_counter() - t0)
                pairs = [p for p in pairs if p[1] is not None]
                columns: list[list[tuple[Any, ...]]] = [[] for _ in self.indexes]
                for _, blob in pairs:
                    entries = self._entries(ordinal, self.codec.attrs(blob, wanted))
                    for column, entry in zip(columns, entries, strict=True):
                        if entry is not None:
                            column.append(entry)
                    ordinal += 1
                for run, column in zip(runs, columns, strict=True):
                    run.append(sorted(column))  # short sorts: the GIL is let go between
                write_frame(out, -1, pairs)
            for section, run in enumerate(runs):
                merged = heapq.merge(*run)
                while chunk := list(itertools.islice(merged, CHUNK)):
                    write_frame(out, section, chunk)
            write_frame(out, -2, list(self.codec.names))
        with self.lock:
            self.overlay = None
        return held

    @classmethod
    def restore(cls, spec: TableSpec, codec: Codec, path: Path) -> MemStore:
        """From a snapshot: items by (key, bytes) pairs, GSIs from sorted entries whose
        key strings are shared again (one object per distinct value)."""
        store = cls(spec, codec)
        items, keys = store.items, []
        columns: list[list[tuple[Any, ...]]] = [[] for _ in store.indexes]
        share = {}.setdefault
        data, pos = memoryview(path.read_bytes()), 0
        while pos < len(data):
            (size,) = LEN.unpack_from(data, pos)
            section, payload = marshal.loads(data[pos + 4:pos + 4 + size])
            pos += 4 + size
            if section == -1:
                items.update(payload)
                keys += [p[0] for p in payload]
            elif section == -2 and isinstance(codec, MarshalCodec):
                codec.load_names(payload)
            elif section >= 0:
                columns[section] += [
                    (share(e[0], e[0]), share(e[1], e[1]), keys[e[2]]) if len(e) == 3
                    else (share(e[0], e[0]), keys[e[1]]) for e in payload]
        store.indexes = [SortedList(c) for c in columns]  # in order already: a linear pass
        return store

    def sizes(self) -> dict[str, float]:
        """Bytes per item by structure (sys.getsizeof; shared strings counted once)."""
        n = len(self.items) or 1
        seen: set[int] = {id(k) for k in self.items}
        strings = 0
        for index in self.indexes:
            for entry in index:
                for value in entry[:-1]:
                    if id(value) not in seen:
                        seen.add(id(value))
                        strings += sys.getsizeof(value)
        tuples = sum(sys.getsizeof(e) + 8 for index in self.indexes for e in index)
        return {"item bytes objects": sum(map(sys.getsizeof, self.items.values())) / n,
                "primary dict": sys.getsizeof(self.items) / n,
                "primary key strs": sum(map(sys.getsizeof, self.items)) / n,
                "GSI entry tuples + list slots": tuples / n,
                "GSI key strs (distinct)": strings / n}


# -- (b) SQLite ------------------------------------------------------------------------------


class SqliteStore:
    def __init__(self, spec: TableSpec, codec: Codec, path: Path, cache_mb: int,
                 checkpoint_thread: bool) -> None:
        self.codec, self.pk, self.path = codec, spec.primary.partition, path
        self.key_names = tuple(a for a in spec.key_attributes if a != self.pk)
        self.col = {name: f"k{i}" for i, name in enumerate(self.key_names)}
        cache_kb = cache_mb * 1024 // 2  # split between the writer and the reader
        self.writer, self.reader = (self.connect(path, cache_kb) for _ in range(2))
        cols = "".join(f", {c}" for c in self.col.values())
        self.writer.executescript(
            f"CREATE TABLE IF NOT EXISTS items (pk TEXT PRIMARY KEY{cols}, item BLOB NOT NULL)"
            " WITHOUT ROWID; CREATE TABLE IF NOT EXISTS names (id INTEGER PRIMARY KEY, name);"
            + "".join(f"CREATE INDEX IF NOT EXISTS gsi{i} ON items({', '.join(c)})"
                      f" WHERE {' AND '.join(f'{x} IS NOT NULL' for x in c)};"
                      for i, c in enumerate([self.col[a] for a in g.key.attributes]
                                            for g in spec.gsis)))
        self.gsi_sql = [self._query_sql(g.key.attributes) for g in spec.gsis]
        self.put_sql = (f"INSERT OR REPLACE INTO items VALUES (?{', ?' * len(self.col)}, ?)")
        if isinstance(codec, MarshalCodec):
            codec.load_names([r[0] for r in self.reader.execute("SELECT name FROM names"
                                                                " ORDER BY id")])
        self.saved_names = len(codec.names)
        # Checkpoints off the request path: an auto-checkpoint runs inside a writer's COMMIT
        # (with an fsync), and retries on every COMMIT while a backup pins the WAL.
        self.stop = threading.Event()
        self.checkpointer = threading.Thread(target=self._checkpoint, daemon=True)
        if checkpoint_thread:
            self.writer.execute("PRAGMA wal_autocheckpoint=0")
            self.checkpointer.start()

    def _checkpoint(self) -> None:
        conn = self.connect(self.path, 1024)
        while not self.stop.wait(0.5):
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        conn.close()

    def close(self) -> None:
        self.stop.set()
        if self.checkpointer.is_alive():
            self.checkpointer.join()
        self.writer.close()
        self.reader.close()

    @staticmethod
    def connect(path: Path, cache_kb: int) -> sqlite3.Connection:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        conn.executescript(f"PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                           f" PRAGMA cache_size=-{cache_kb};")
        return conn

    def _query_sql(self, attrs: tuple[str, ...]) -> str:
        hash_col, *rest = (self.col[a] for a in attrs)
        order = rest[0] if rest else "pk"
        return (f"SELECT item FROM items WHERE {hash_col} = ? AND {order} >= ?"
                f" ORDER BY {order} LIMIT ?")

    def _row(self, item: Item) -> tuple[Any, ...]:
        keys = [key_value(item[n]) if n in item else None for n in self.key_names]
        return (item[self.pk]["S"], *keys, self.codec.encode(item))

    def _write(self, rows: list[tuple[Any, ...]]) -> list[bytes | None]:
        w = self.writer
        w.execute("BEGIN")
        olds = [(r := w.execute("SELECT item FROM items WHERE pk = ?", (row[0],)).fetchone())
                and r[0] for row in rows]
        w.executemany(self.put_sql, rows)
        if len(self.codec.names) > self.saved_names:
            w.executemany("INSERT INTO names VALUES (?, ?)",
                          list(enumerate(self.codec.names))[self.saved_names:])
            self.saved_names = len(self.codec.names)
        w.execute("COMMIT")
        return olds  # the stream's OldImages

    def put(self, item: Item) -> bytes | None:
        return self._write([self._row(item)])[0]

    def put_batch(self, items: list[Item]) -> None:
        self._write([self._row(i) for i in items])

    def get(self, pk: str) -> Item | None:
        row = self.reader.execute("SELECT item FROM items WHERE pk = ?", (pk,)).fetchone()
        return None if row is None else self.codec.decode(row[0])

    def query(self, gsi: int, hash_value: str, since: str, limit: int) -> list[Item]:
        rows = self.reader.execute(self.gsi_sql[gsi], (hash_value, since, limit)).fetchall()
        return [self.codec.decode(r[0]) for r in rows]

    def snapshot(self, path: Path) -> float:
        src, dst = sqlite3.connect(self.path), sqlite3.connect(path)
        src.backup(dst)  # all pages in one step: one read transaction, writers go on (WAL)
        dst.close()
        src.close()
        return 0.0  # no lock of ours


# -- measuring -------------------------------------------------------------------------------


def rss_mb() -> float:
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)[1]) / 1024  # type: ignore[index]


def quantiles(ns: list[int]) -> dict[str, float]:
    ns = sorted(ns)
    return {"p50": ns[len(ns) // 2] / 1000, "p99": ns[len(ns) * 99 // 100] / 1000,
            "max": ns[-1] / 1000}


class GcPauses:
    """The longest cyclic-GC pause since `reset()` (a stall a request can meet)."""

    def __init__(self) -> None:
        self.longest, self._t0 = 0.0, 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._t0 = time.perf_counter()
        else:
            self.longest = max(self.longest, time.perf_counter() - self._t0)

    def reset(self) -> None:
        self.longest = 0.0


def timed(fn: Callable[[Any], object], args: list[Any]) -> list[int]:
    out = []
    for arg in args:
        t0 = time.perf_counter_ns()
        fn(arg)
        out.append(time.perf_counter_ns() - t0)
    return out


def stream_items(path: Path) -> Iterator[Item]:
    with path.open("rb") as f:
        for line in f:
            yield json.loads(line)


def sample(path: Path, n_items: int, k: int) -> list[Item]:
    stride = max(1, n_items // k)
    with path.open("rb") as f:
        return [json.loads(line) for i, line in enumerate(f) if i % stride == 0][:k]


Store = MemStore | SqliteStore


def build(args: argparse.Namespace) -> Store:
    if args.shape == "mem":
        return MemStore(TABLE, make_codec(args.codec))
    db = Path(args.workdir) / f"sqlite-{args.codec}.db"
    return SqliteStore(TABLE, make_codec(args.codec), db, args.cache_mb,
                       args.checkpoints == "thread")


def load(store: Store, items_file: Path) -> None:
    if isinstance(store, SqliteStore):
        batch: list[Item] = []
        for item in stream_items(items_file):
            batch.append(item)
            if len(batch) == 25:  # BatchWriteItem's size: one transaction each
                store.put_batch(batch)
                batch = []
        if batch:
            store.put_batch(batch)
    else:
        for item in stream_items(items_file):
            store.put(item)


def rewritten(items: list[Item], rng: random.Random) -> list[Item]:
    """Overwrites that move two GSIs: a new status and a rescheduled date."""
    statuses = sorted({i["status"]["S"] for i in items})
    out = []
    for item in items:
        new = dict(item)
        new["status"] = {"S": rng.choice(statuses)}
        new["scheduledDate"] = {"S": f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
                                     f"T{rng.randint(8, 17):02d}:00:00Z"}
        out.append(new)
    return out


def run_main(args: argparse.Namespace, items_file: Path) -> dict[str, Any]:
    workdir, rng = Path(args.workdir), random.Random(7)
    gc.collect()
    before = rss_mb()
    store = build(args)
    t0 = time.perf_counter()
    load(store, items_file)
    load_s = time.perf_counter() - t0
    gc.collect()
    gc.freeze()  # what a server would do after a load or restore: full GCs skip the store
    result: dict[str, Any] = {"rss_before_mb": before, "rss_after_mb": rss_mb(),
                              "load_items_s": args.items / load_s}
    result["rss_per_item"] = (result["rss_after_mb"] - before) * 2**20 / args.items
    if isinstance(store, MemStore):
        result["sizes"] = store.sizes()
    else:
        files = (store.path, store.path.with_name(store.path.name + "-wal"))
        result["disk_per_item"] = sum(f.stat().st_size for f in files if f.exists()) / args.items
    picked = sample(items_file, args.items, args.ops)
    keys = [i[TABLE.primary.partition]["S"] for i in picked]
    status_gsi = next(n for n, g in enumerate(TABLE.gsis) if g.key.partition == "status")
    queries = [(i["status"]["S"], i["createdAt"]["S"]) for i in picked[:args.queries]]
    rng.shuffle(keys)
    writes = rewritten(picked, rng)
    gc.collect()
    result["get"] = quantiles(timed(store.get, keys))
    result["put"] = quantiles(timed(store.put, writes))
    returned: list[int] = []
    result["query"] = quantiles(timed(
        lambda q: returned.append(len(store.query(status_gsi, q[0], q[1], 20))), queries))
    result["query"]["items"] = statistics.mean(returned)
    pauses = GcPauses()
    result["during_snapshot"] = during_snapshot(store, workdir, keys, writes, pauses)
    if isinstance(store, SqliteStore):
        store.close()
    return result


def during_snapshot(store: Store, workdir: Path, keys: list[str],
                    writes: list[Item], pauses: GcPauses) -> dict[str, float]:
    """The longest GetItem and PutItem while another thread writes a snapshot of every item."""
    path = workdir / f"snapshot-{type(store).__name__}.bin"
    held: list[float] = []
    worker = threading.Thread(target=lambda: held.append(store.snapshot(path)))
    gets: list[int] = []
    puts: list[int] = []
    t0 = time.perf_counter()
    pauses.reset()
    worker.start()
    for n in itertools.count():
        if not worker.is_alive():
            break
        gets += timed(store.get, [keys[n % len(keys)]])
        puts += timed(store.put, [writes[n % len(writes)]])
    worker.join()
    return {"snapshot_s": time.perf_counter() - t0, "ops": len(puts),
            "get_max_ms": max(gets, default=0) / 1e6, "put_max_ms": max(puts, default=0) / 1e6,
            "put_p99_ms": quantiles(puts)["p99"] / 1000 if puts else 0,
            "lock_held_ms": held[0] * 1000 if held else 0, "gc_max_ms": pauses.longest * 1000,
            "snapshot_mb": path.stat().st_size / 2**20}


def run_reload(args: argparse.Namespace) -> dict[str, Any]:
    """A restart: from the persistent form to the first GSI query answered."""
    workdir = Path(args.workdir)
    status_gsi = next(n for n, g in enumerate(TABLE.gsis) if g.key.partition == "status")
    before = rss_mb()
    t0 = time.perf_counter()
    store: Store
    if args.shape == "mem":
        store = MemStore.restore(TABLE, make_codec(args.codec), workdir / "snapshot-MemStore.bin")
    else:
        store = build(args)
    first = store.query(status_gsi, "CONFIRMED", "", 20)
    seconds = time.perf_counter() - t0
    gc.collect()
    return {"reload_s": seconds, "first_query_items": len(first),
            "rss_after_reload_mb": rss_mb(), "rss_reload_per_item":
            (rss_mb() - before) * 2**20 / args.items}


# -- the parent: data, children, table -------------------------------------------------------


def items_file(workdir: Path, n: int) -> Path:
    """N bookings from ddbkit's generator, one DynamoDB-JSON item a line (made once)."""
    from ddbkit.fixtures.generate import Generator
    from ddbkit.fixtures.options import DatasetOptions

    path = workdir / f"bookings-{n}.jsonl"
    if path.exists():
        return path
    gen = Generator(DatasetOptions(scale=n / TABLE.deployed_item_count, anchor=SEED_ANCHOR,
                                   counts=((TABLE.key, n),)))
    partial = path.with_suffix(".partial")
    with partial.open("w") as out:
        for start in range(0, n, 10_000):
            out.writelines(json.dumps(i, separators=(",", ":")) + "\n"
                           for i in gen.items(TABLE.key, start, start + 10_000))
            print(f"  generated {min(n, start + 10_000):,} of {n:,}", file=sys.stderr)
    partial.rename(path)
    return path


def journal_append_us(workdir: Path, record: bytes, n: int = 20_000) -> dict[str, float]:
    """What both shapes also pay per write: one write(2) of the record to the journal."""
    fd = os.open(workdir / "journal.bin", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        return quantiles(timed(lambda _: os.write(fd, record), [None] * n))
    finally:
        os.close(fd)


def child(args: argparse.Namespace, phase: str, shape: str) -> dict[str, Any]:
    kind, codec = shape.split(":")
    cmd = [sys.executable, __file__, "--child", phase, "--shape", kind, "--codec", codec,
           "--items", str(args.items), "--ops", str(args.ops), "--queries", str(args.queries),
           "--cache-mb", str(args.cache_mb), "--checkpoints", args.checkpoints,
           "--workdir", str(args.workdir)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout)
    if done.returncode:
        raise SystemExit(f"{shape} {phase} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.splitlines()[-1])  # type: ignore[no-any-return]


def report(results: dict[str, dict[str, Any]], journal: dict[str, float], n: int) -> None:
    rows = [
        ("RSS per item after load (B)", lambda r: f"{r['rss_per_item']:.0f}"),
        ("RSS after load (MB, process)", lambda r: f"{r['rss_after_mb']:.0f}"),
        ("bulk load (items/s)", lambda r: f"{r['load_items_s']:,.0f}"),
        ("GetItem p50 / p99 (us)", lambda r: f"{r['get']['p50']:.1f} / {r['get']['p99']:.1f}"),
        ("PutItem p50 / p99 (us)", lambda r: f"{r['put']['p50']:.1f} / {r['put']['p99']:.1f}"),
        ("Query 20 p50 / p99 (us)",
         lambda r: f"{r['query']['p50']:.0f} / {r['query']['p99']:.0f}"),
        ("  items per query (mean)", lambda r: f"{r['query']['items']:.1f}"),
        ("snapshot/backup (s)", lambda r: f"{r['during_snapshot']['snapshot_s']:.2f}"),
        ("  snapshot file (MB)", lambda r: f"{r['during_snapshot']['snapshot_mb']:.0f}"),
        ("  writes during it", lambda r: f"{r['during_snapshot']['ops']:,}"),
        ("  longest PutItem (ms)", lambda r: f"{r['during_snapshot']['put_max_ms']:.1f}"),
        ("  PutItem p99 (ms)", lambda r: f"{r['during_snapshot']['put_p99_ms']:.2f}"),
        ("  longest GetItem (ms)", lambda r: f"{r['during_snapshot']['get_max_ms']:.1f}"),
        ("  our lock held, max (ms)", lambda r: f"{r['during_snapshot']['lock_held_ms']:.1f}"),
        ("  longest GC pause (ms)", lambda r: f"{r['during_snapshot']['gc_max_ms']:.1f}"),
        ("restart to 1st query (s)", lambda r: f"{r['reload']['reload_s']:.2f}"),
        ("  RSS per item after restart (B)",
         lambda r: f"{r['reload']['rss_reload_per_item']:.0f}"),
        ("disk per item, db file (B)",
         lambda r: f"{r['disk_per_item']:.0f}" if "disk_per_item" in r else "-"),
    ]
    names = list(results)
    width = max(len(r[0]) for r in rows)
    print(f"\n{n:,} bookings items; {TABLE.key}: {len(TABLE.gsis)} GSIs; python "
          f"{sys.version.split()[0]}, sqlite {sqlite3.sqlite_version}")
    print(f"{'':{width}} | " + " | ".join(f"{s:>15}" for s in names))
    for label, cell in rows:
        print(f"{label:{width}} | " + " | ".join(f"{cell(results[s]):>15}" for s in names))
    print(f"common to both: journal append p50 {journal['p50']:.1f} us, p99 "
          f"{journal['p99']:.1f} us")
    for shape, r in results.items():
        if "sizes" in r:
            parts = ", ".join(f"{k} {v:.0f}" for k, v in r["sizes"].items())
            print(f"{shape} bytes per item by structure (getsizeof): {parts}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--ops", type=int, default=20_000, help="GetItems and PutItems timed")
    parser.add_argument("--queries", type=int, default=5_000)
    parser.add_argument("--shapes", default="mem:json,mem:marshal,mem:packed,sqlite:packed,"
                                            "sqlite:json")
    parser.add_argument("--cache-mb", type=int, default=64, help="SQLite page cache, in all")
    parser.add_argument("--checkpoints", choices=("auto", "thread"), default="auto",
                        help="SQLite WAL checkpoints: in the writer's COMMIT, or a thread")
    parser.add_argument("--workdir", help="kept (and its items file reused) when given")
    parser.add_argument("--timeout", type=float, default=1800, help="per child process (s)")
    parser.add_argument("--child", choices=("main", "reload"), help=argparse.SUPPRESS)
    parser.add_argument("--shape", help=argparse.SUPPRESS)
    parser.add_argument("--codec", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        path = Path(args.workdir) / f"bookings-{args.items}.jsonl"
        out = run_main(args, path) if args.child == "main" else run_reload(args)
        print(json.dumps(out))
        return
    temp = None if args.workdir else tempfile.TemporaryDirectory(prefix="store-shapes-")
    args.workdir = args.workdir or temp.name  # type: ignore[union-attr]
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    data = items_file(workdir, args.items)
    for stale in [*workdir.glob("sqlite-*"), *workdir.glob("snapshot-*")]:
        stale.unlink()
    with data.open("rb") as f:
        journal = journal_append_us(workdir, f.readline())
    results: dict[str, dict[str, Any]] = {}
    for shape in args.shapes.split(","):
        print(f"  {shape}: load, ops, snapshot ...", file=sys.stderr)
        results[shape] = child(args, "main", shape)
        print(f"  {shape}: restart ...", file=sys.stderr)
        results[shape]["reload"] = child(args, "reload", shape)
        for stale in workdir.glob("snapshot-*"):
            stale.unlink()  # the next mem codec writes its own
    report(results, journal, args.items)
    if temp is not None:
        temp.cleanup()


if __name__ == "__main__":
    main()

"""The two store shapes of bench_store_shapes.py: codecs, (a) MemStore, (b) SqliteStore.

Minimal but honest: each does what issue 25's store must (items, primary key, sparse GSIs kept
on every write, the old image for the stream, a consistent snapshot while writes go on), and
nothing of HTTP, validation or moto.
"""

from __future__ import annotations

import base64
import heapq
import itertools
import json
import marshal
import sqlite3
import struct
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

from sortedcontainers import SortedList

from ddbkit.emulator.spec import TableSpec

Item = dict[str, dict[str, Any]]
LEN = struct.Struct("<I")
CHUNK = 2048  # items per lock hold and per snapshot frame
WAL_LIMIT = 64 * 2**20  # bytes of WAL before a "bounded" checkpointer truncates it

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
                 checkpoints: str) -> None:
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
        # "auto": SQLite's own, inside a writer's COMMIT (with an fsync), retried on every
        # COMMIT while a backup pins the WAL. "thread": PASSIVE ones by a thread, off COMMIT,
        # which never finish under steady writes, so the WAL grows. "bounded": that, plus a
        # TRUNCATE (writers wait for the little PASSIVE left) once the WAL passes WAL_LIMIT,
        # never while a backup holds its read transaction (it would wait for the backup).
        self.checkpoints, self.backing_up = checkpoints, False
        self.stop = threading.Event()
        self.checkpointer = threading.Thread(target=self._checkpoint, daemon=True)
        if checkpoints != "auto":
            self.writer.execute("PRAGMA wal_autocheckpoint=0")
            self.checkpointer.start()

    def _checkpoint(self) -> None:
        conn = self.connect(self.path, 1024)
        wal = self.path.with_name(self.path.name + "-wal")
        pause = 0.5 if self.checkpoints == "thread" else 0.1
        while not self.stop.wait(pause):
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
            if (self.checkpoints == "bounded" and not self.backing_up and wal.exists()
                    and wal.stat().st_size > WAL_LIMIT):
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
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
        w.execute("BEGIN IMMEDIATE")  # the write lock first: no upgrade to fail mid-way
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
        self.backing_up = True
        try:
            src.backup(dst)  # all pages in one step: one read transaction, writers go on (WAL)
        finally:
            self.backing_up = False
            dst.close()
            src.close()
        return 0.0  # no lock of ours

"""Items and index entries in one SQLite database (WAL), outside the Python heap.

The shape chosen by docs/store-shapes.md's measurements: memory bounded by SQLite's page
cache instead of growing with the table, readers never blocked by the writer, an online
backup that copies pages in C while writes go on, and a restart that opens a file.

- `items`: one row per item, keyed (table, partition key, sort key), with its body (the
  caller's encoding; DynamoDB JSON keeps a GetItem without projection a splice) and its
  size in bytes as DynamoDB bills it.
- `entries`: one row per item in each GSI or LSI that holds it, keyed (index, index hash
  key, index range key, table keys): an index Query is one range read, in DynamoDB's order.
Key values are `key_bytes` encodings (byte order is key order); a missing sort key is b"",
which no DynamoDB key value can be (a key is at least one byte long).

Reads and writes go through one connection, from one thread at a time (ddbkit's store lock);
a request's writes go inside `transaction()` and commit or roll back together (a batch, a
transaction, a write the throughput model refuses). Work off the request path (`backup`)
opens a connection of its own, which sees the last committed state and blocks no one.
Checkpoints run on a thread of their own (`checkpoints`), never inside a write.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ddbkit.emulator.store.checkpoints import WAL_LIMIT, Checkpointer

__all__ = ["Bounds", "Entry", "ItemStore", "prefix_bounds"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    t INTEGER NOT NULL, pk BLOB NOT NULL, sk BLOB NOT NULL, body BLOB NOT NULL,
    size INTEGER NOT NULL, PRIMARY KEY (t, pk, sk)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS entries (
    ix INTEGER NOT NULL, hk BLOB NOT NULL, rk BLOB NOT NULL, t INTEGER NOT NULL,
    pk BLOB NOT NULL, sk BLOB NOT NULL, PRIMARY KEY (ix, hk, rk, pk, sk)) WITHOUT ROWID;
"""
NO_SORT_KEY = b""


@dataclass(frozen=True, slots=True)
class Entry:
    """An item's place in one index: the index's id and the item's key values there."""

    index: int
    hash: bytes
    range: bytes = NO_SORT_KEY


@dataclass(frozen=True, slots=True)
class Bounds:
    """A sort key range: each end None (open) or bytes, inclusive or not."""

    lower: bytes | None = None
    upper: bytes | None = None
    lower_inclusive: bool = True
    upper_inclusive: bool = True

    def sql(self, column: str) -> tuple[str, list[bytes]]:
        clauses, args = [], []
        if self.lower is not None:
            clauses.append(f"{column} {'>=' if self.lower_inclusive else '>'} ?")
            args.append(self.lower)
        if self.upper is not None:
            clauses.append(f"{column} {'<=' if self.upper_inclusive else '<'} ?")
            args.append(self.upper)
        return "".join(f" AND {c}" for c in clauses), args


def prefix_bounds(prefix: bytes) -> Bounds:
    """Every value that begins with `prefix` (begins_with on a sort key)."""
    stripped = prefix.rstrip(b"\xff")
    if not stripped:
        return Bounds(lower=prefix)
    upper = stripped[:-1] + bytes([stripped[-1] + 1])
    return Bounds(lower=prefix, upper=upper, upper_inclusive=False)


class ItemStore:
    """Every table's items and index entries, in the database file at `path`."""

    def __init__(self, path: Path, *, durable: bool = True, cache_mb: int = 32,
                 wal_limit: int = WAL_LIMIT) -> None:
        self.path = path
        self._sync = "NORMAL" if durable else "OFF"
        self._cache_kb = cache_mb * 1024
        self._db = self._connect()
        self._db.executescript(SCHEMA + "PRAGMA wal_autocheckpoint=0;")
        self._depth = 0
        self.checkpoints = Checkpointer(self._connect, path, limit=wal_limit).start()

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, isolation_level=None,
                                     check_same_thread=False)
        connection.executescript(f"PRAGMA journal_mode=WAL; PRAGMA synchronous={self._sync};"
                                 f" PRAGMA cache_size=-{self._cache_kb};")
        return connection

    def close(self) -> None:
        self.checkpoints.stop()
        self._db.close()

    # -- writes --------------------------------------------------------------------------

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """The block's writes commit together or, when it raises, not at all. Nested blocks
        are savepoints: an inner one that raises undoes only its own writes."""
        name = f"s{self._depth}"
        first = self._depth == 0
        if first:
            self.checkpoints.admit()
        self._db.execute("BEGIN IMMEDIATE" if first else f"SAVEPOINT {name}")
        self._depth += 1
        try:
            yield
        except BaseException:
            self._depth -= 1
            if first:
                self._db.execute("ROLLBACK")
            else:
                self._db.execute(f"ROLLBACK TO {name}")
                self._db.execute(f"RELEASE {name}")
            raise
        self._depth -= 1
        self._db.execute("COMMIT" if first else f"RELEASE {name}")

    def put(self, table: int, pk: bytes, sk: bytes, body: bytes, size: int,
            old_entries: tuple[Entry, ...] = (), new_entries: tuple[Entry, ...] = ()) -> None:
        """Stores the item, replacing what was under its key, and moves its index entries
        from `old_entries` (the replaced item's) to `new_entries`."""
        with self.transaction():
            self._db.execute("INSERT OR REPLACE INTO items VALUES (?, ?, ?, ?, ?)",
                                 (table, pk, sk, body, size))
            self._move(table, pk, sk, old_entries, new_entries)

    def delete(self, table: int, pk: bytes, sk: bytes,
               old_entries: tuple[Entry, ...] = ()) -> None:
        with self.transaction():
            self._db.execute("DELETE FROM items WHERE t = ? AND pk = ? AND sk = ?",
                                 (table, pk, sk))
            self._move(table, pk, sk, old_entries, ())

    def _move(self, table: int, pk: bytes, sk: bytes, old: tuple[Entry, ...],
              new: tuple[Entry, ...]) -> None:
        gone = [e for e in old if e not in new]
        added = [e for e in new if e not in old]
        if gone:
            self._db.executemany(
                "DELETE FROM entries WHERE ix = ? AND hk = ? AND rk = ? AND pk = ? AND sk = ?",
                [(e.index, e.hash, e.range, pk, sk) for e in gone])
        if added:
            self._db.executemany(
                "INSERT OR REPLACE INTO entries VALUES (?, ?, ?, ?, ?, ?)",
                [(e.index, e.hash, e.range, table, pk, sk) for e in added])

    def drop_table(self, table: int, indexes: tuple[int, ...] = ()) -> None:
        """Every item of the table and every entry of its indexes."""
        with self.transaction():
            self._db.execute("DELETE FROM items WHERE t = ?", (table,))
            self._db.executemany("DELETE FROM entries WHERE ix = ?",
                                     [(i,) for i in indexes])

    def drop_index(self, index: int) -> None:
        with self.transaction():
            self._db.execute("DELETE FROM entries WHERE ix = ?", (index,))

    # -- reads ---------------------------------------------------------------------------

    def get(self, table: int, pk: bytes, sk: bytes = NO_SORT_KEY) -> bytes | None:
        row = self._db.execute("SELECT body FROM items WHERE t = ? AND pk = ? AND sk = ?",
                                   (table, pk, sk)).fetchone()
        return None if row is None else bytes(row[0])

    def partition(self, table: int, pk: bytes, bounds: Bounds = Bounds(), *,
                  forward: bool = True, after: bytes | None = None,
                  limit: int = -1) -> list[tuple[bytes, bytes, int]]:
        """(sort key, body, size) of the partition's items within `bounds`, in sort key
        order (or reversed), after the sort key `after` in that order."""
        where, args = bounds.sql("sk")
        if after is not None:
            where += f" AND sk {'>' if forward else '<'} ?"
            args.append(after)
        rows = self._db.execute(
            f"SELECT sk, body, size FROM items WHERE t = ? AND pk = ?{where}"
            f" ORDER BY sk {'ASC' if forward else 'DESC'} LIMIT ?",
            (table, pk, *args, limit)).fetchall()
        return [(bytes(sk), bytes(body), size) for sk, body, size in rows]

    def index_range(self, index: int, hash_value: bytes, bounds: Bounds = Bounds(), *,
                    forward: bool = True, after: tuple[bytes, bytes, bytes] | None = None,
                    limit: int = -1) -> list[tuple[bytes, bytes, bytes, bytes, int]]:
        """(index range key, pk, sk, body, size) of the index partition's items within
        `bounds`, in the index's order (range key, then the table's keys), after `after`."""
        where, args = bounds.sql("e.rk")
        if after is not None:
            where += f" AND (e.rk, e.pk, e.sk) {'>' if forward else '<'} (?, ?, ?)"
            args.extend(after)
        direction = "ASC" if forward else "DESC"
        rows = self._db.execute(
            "SELECT e.rk, e.pk, e.sk, i.body, i.size FROM entries e JOIN items i"
            " ON i.t = e.t AND i.pk = e.pk AND i.sk = e.sk"
            f" WHERE e.ix = ? AND e.hk = ?{where}"
            f" ORDER BY e.rk {direction}, e.pk {direction}, e.sk {direction} LIMIT ?",
            (index, hash_value, *args, limit)).fetchall()
        return [(bytes(rk), bytes(pk), bytes(sk), bytes(body), size)
                for rk, pk, sk, body, size in rows]

    def scan(self, table: int, *, after: tuple[bytes, bytes] | None = None,
             limit: int = -1) -> list[tuple[bytes, bytes, bytes, int]]:
        """(pk, sk, body, size) of the table's items in key order, after `after`."""
        where, args = "", []
        if after is not None:
            where, args = " AND (pk, sk) > (?, ?)", list(after)
        rows = self._db.execute(
            f"SELECT pk, sk, body, size FROM items WHERE t = ?{where} ORDER BY pk, sk LIMIT ?",
            (table, *args, limit)).fetchall()
        return [(bytes(pk), bytes(sk), bytes(body), size) for pk, sk, body, size in rows]

    def figures(self, table: int) -> tuple[int, int]:
        """(item count, total size) of the table: one pass over its rows."""
        count, size = self._db.execute(
            "SELECT count(*), coalesce(sum(size), 0) FROM items WHERE t = ?",
            (table,)).fetchone()
        return count, size

    # -- copies --------------------------------------------------------------------------

    def backup(self, target: Path) -> None:
        """A consistent copy of the whole store at `target`, made from a connection of its
        own: one read transaction, in SQLite's C code; writers go on meanwhile (WAL)."""
        source = self._connect()
        destination = sqlite3.connect(target)
        self.checkpoints.reading(True)
        try:
            source.backup(destination)
        finally:
            self.checkpoints.reading(False)
            destination.close()
            source.close()

"""Start-up: the data dir read back into the store, or refused without touching a file.

The newest snapshot is applied, then every journal segment from its generation on, in order
(all segments from 1 when there is no snapshot yet). One thing may be wrong and is repaired:
the last segment may end in a torn record (a write a crash cut short, never acknowledged with
`--fsync always`); it is dropped with a warning once everything else has been read. Anything
else (a damaged record with data after it, a damaged or incomplete snapshot, a missing
segment, another region's data, a segment shorter than what had reached the disk by
`watermark` or by its successor's header) raises `DataDirError` naming the file, and no file
is changed: the caller exits and the data dir is exactly as it was, for the user to inspect.

Stream records older than the stream's retention are left out (their shard then starts at
the first record kept, which keeps moto's `sequence = start + index`).

Every table's query indexes and figures are current before the server accepts a request
(`store.ready`): a snapshot's are installed as it is read and follow the replayed writes;
the rest (a journal read alone, a table whose GSIs changed since the snapshot) are built
here, so a restart's first Query, write or DescribeTable builds nothing under the lock.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ddbkit.emulator.durability import encoding, formats, watermark
from ddbkit.emulator.durability.files import DataDir, Listing
from ddbkit.emulator.durability.framing import FrameError, TornTail, read_frames
from ddbkit.emulator.durability.replay import Replayer, ReplayError
from ddbkit.emulator.durability.snapshot import apply_snapshot_record, read_snapshot
from ddbkit.emulator.durability.tablemeta import SettingsError
from ddbkit.emulator.errors import DataDirError
from ddbkit.emulator.store import stream_shards
from ddbkit.emulator.store.ready import prepare

JOURNAL_FORMAT = formats.JOURNAL
_DAMAGE = (FrameError, ValueError, KeyError, TypeError, IndexError, AttributeError,
           ReplayError, SettingsError)


@dataclass
class Recovered:
    new: bool  # the dir held no data
    generation: int = 1  # the journal segment to continue
    sequence: int = 0  # of the last record read
    initialized: bool = False  # provisioning and the first seed finished (a "mark" record)
    items: int = 0
    tables: int = 0
    snapshot_bytes: int = 0
    journal_bytes: int = 0  # in the segments since the snapshot, but the last
    torn: tuple[Path, int, str] | None = None  # (segment, offset, why): to cut off
    obsolete: list[Path] = field(default_factory=list)  # to remove once the journal is open
    indexes_built: list[str] = field(default_factory=list)  # tables no snapshot had them for


def journal_header(generation: int, account_id: str, region: str, created: float,
                   previous: int | None = None,
                   keys: dict[str, list[str | None]] | None = None) -> bytes:
    """`previous`: the size the segment before this one ended at (checked at start-up);
    `keys`: each table's key attributes at the segment's start (`history_merge`)."""
    header: dict[str, Any] = {"format": JOURNAL_FORMAT, "generation": generation,
                              "account": account_id, "region": region, "created": created}
    if previous is not None:
        header["previous"] = previous
    if keys is not None:
        header["keys"] = keys
    return encoding.dumps(header)


class Recovery:
    def __init__(self, data_dir: DataDir, tables: dict[str, Any], account_id: str,
                 region: str, now: datetime, retention: timedelta,
                 backups: dict[str, Any] | None = None,
                 records: dict[str, dict[str, Any]] | None = None) -> None:
        self.data_dir, self.tables = data_dir, tables
        self.account_id, self.region = account_id, region
        self.now, self.retention = now, retention
        self.replayer = Replayer(tables, backups, records)

    def run(self) -> Recovered:
        listing = self.data_dir.listing()
        if listing.empty:
            return Recovered(new=True, obsolete=list(listing.temps))
        found = Recovered(new=False)
        base, segments = self._chain(listing, found)
        enabled = gc.isenabled()
        gc.disable()  # millions of new objects: the collector would rescan them all, repeatedly
        try:
            if base is not None:
                self._guard(self._snapshot, listing.snapshots[base], found)
            for index, generation in enumerate(segments):
                previous = listing.journals[segments[index - 1]] if index else None
                self._guard(self._segment, listing.journals[generation], found, generation,
                            index == len(segments) - 1, previous)
            self._check_synced(listing, segments, found)
            for name, table in self.tables.items():  # before any request, frozen with the rest
                if prepare(table).indexes:
                    found.indexes_built.append(name)
        finally:
            gc.freeze()  # what was restored stays: collections need not scan it again
            if enabled:
                gc.enable()
        found.generation = segments[-1]
        self._trim_streams()
        found.tables = len(self.tables)
        found.items = sum(len(table) for table in self.tables.values())
        return found

    def _chain(self, listing: Listing, found: Recovered) -> tuple[int | None, list[int]]:
        """Which snapshot and segments hold the state; the rest is obsolete."""
        base = max(listing.snapshots, default=None)
        first = base if base is not None else 1
        segments = sorted(g for g in listing.journals if g >= first)
        if base is not None:
            found.snapshot_bytes = listing.snapshots[base].stat().st_size
        if base is None and segments and segments[0] > 1:
            raise self._refuse(f"the snapshot that journal-{segments[0]:08d}.log continues is "
                               f"missing (found {self._names(listing)})")
        missing = sorted(set(range(first, max(segments, default=first) + 1)) - set(segments))
        if missing:
            raise self._refuse(f"journal-{missing[0]:08d}.log is missing "
                               f"(found {self._names(listing)})")
        found.generation = first
        found.journal_bytes = sum(listing.journals[g].stat().st_size for g in segments[:-1])
        found.obsolete = [p for g, p in listing.snapshots.items() if g != base]
        found.obsolete += [p for g, p in listing.journals.items() if g < first]
        found.obsolete += listing.temps
        return base, segments

    @staticmethod
    def _names(listing: Listing) -> str:
        names = [p.name for p in [*listing.snapshots.values(), *listing.journals.values()]]
        return ", ".join(sorted(names)) or "nothing"

    def _guard(self, read: Any, path: Path, *args: Any) -> None:
        """`read(path, *args)`, its failures as one refusal naming the file."""
        try:
            read(path, *args)
        except TornTail as exc:
            raise self._refuse(f"{path.name} is cut short ({exc})") from exc
        except _DAMAGE as exc:
            raise self._refuse(f"{path.name} is damaged ({exc})") from exc
        except OSError as exc:
            raise self._refuse(f"cannot read {path.name}: {exc.strerror}") from exc

    def _refuse(self, what: str) -> DataDirError:
        return DataDirError(
            f"cannot restore data dir {self.data_dir.path}: {what}. Nothing was changed; "
            "move the file or the dir aside, or start afresh with --reseed (which discards it)")

    def _snapshot(self, path: Path, found: Recovered) -> None:
        with open(path, "rb") as stream:
            records = read_snapshot(read_frames(stream, path.stat().st_size))
            header = next(records)
            self._check_header(header, found.generation)
            found.sequence = int(header["sequence"])
            found.initialized = bool(header.get("initialized"))
            for record in records:
                apply_snapshot_record(self.replayer, record)

    def _check_synced(self, listing: Listing, segments: list[int], found: Recovered) -> None:
        """The newest segment must hold at least what `journal.synced` says reached the disk:
        a crash cannot take that, so less is a file cut short or damaged after the fact."""
        synced = watermark.read(self.data_dir.watermark_path())
        last = max(segments, default=0)
        if synced is None or synced.generation < last:
            return  # no mark yet (an older data dir), or one a crash kept from catching up
        if synced.generation > last:
            raise self._refuse(f"journal-{synced.generation:08d}.log, which had reached the "
                               f"disk, is missing (found {self._names(listing)})")
        path = listing.journals[last]
        end = found.torn[1] if found.torn is not None else path.stat().st_size
        if end < synced.size:
            raise self._refuse(
                f"{path.name} is damaged: its records end at byte {end}, but {synced.size} "
                "bytes of it had reached the disk, so it was cut short or overwritten after "
                "it was written (a crash only loses what came after the last fsync); removing "
                f"{watermark.NAME} accepts what is left")

    def _segment(self, path: Path, found: Recovered, generation: int, last: bool,
                 previous: Path | None) -> None:
        size = path.stat().st_size
        if size == 0 and last:
            found.torn = (path, 0, "an empty segment")  # created by a rotation a crash cut short
            return
        with open(path, "rb") as stream:
            payloads = read_frames(stream, size)
            try:
                header = encoding.loads(next(payloads, b"null"))
                if not isinstance(header, dict) or header.get("format") != JOURNAL_FORMAT:
                    raise ValueError(f"not a {JOURNAL_FORMAT} file")
                self._check_header(header, generation)
                self._check_previous(header, previous)
                for payload in payloads:
                    self._apply_journal_record(encoding.loads(payload), found)
            except TornTail as exc:
                # A crash right after a rotation can leave the new segment's header torn
                # (offset 0): nothing was journaled into it yet, so it starts again.
                if not last:
                    raise
                found.torn = (path, exc.offset, exc.reason)

    def _apply_journal_record(self, record: dict[str, Any], found: Recovered) -> None:
        found.sequence = int(record["n"])
        if "ops" in record:
            self.replayer.apply(record["ops"])
        elif record.get("mark") == "initialized":
            found.initialized = True

    def _check_previous(self, header: dict[str, Any], previous: Path | None) -> None:
        """The segment before this one must still end where it ended at the rotation."""
        expected = header.get("previous")
        if previous is None or expected is None:
            return  # the first segment kept, or one written before headers said
        size = previous.stat().st_size
        if size != int(expected):
            raise self._refuse(f"{previous.name} is damaged: it holds {size} bytes, but it "
                               f"ended at byte {expected} when the next segment began")

    def _check_header(self, header: dict[str, Any], generation: int) -> None:
        if int(header.get("generation", -1)) != generation:
            raise ValueError(f"its header says generation {header.get('generation')}")
        if (header.get("account"), header.get("region")) != (self.account_id, self.region):
            raise self._refuse(f"it holds account {header.get('account')}'s tables in region "
                               f"{header.get('region')}, not {self.region}: start with "
                               f"--region {header.get('region')}, or use another --data-dir")

    def _trim_streams(self) -> None:
        horizon = (self.now - self.retention).replace(tzinfo=UTC).timestamp()
        for table in self.tables.values():
            shard = stream_shards.of(table)
            if shard is not None:
                shard.trim_before(horizon)


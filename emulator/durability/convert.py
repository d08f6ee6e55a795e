"""A data dir in format 1 converted to format 2 on its first start; a newer format refused.

Every file is converted record by record (`format1`), so nothing is lost: items as they were
(item images are the same in both formats), every journal record with its sequence number
and time (point-in-time history), snapshots, stream records with their sequence numbers,
backups, exports, named states. Journal headers keep their generation and creation time;
`previous` and `journal.synced` are given the converted files' sizes.

The format-1 files are kept, moved into `<data-dir>/format-1/` (`format-1.2/` if that is
taken), so a user can go back to the release that wrote them. The steps, each durable before
the next (a crash in between is rolled back at the next start, then the conversion runs again):

1. write the converted files into `<data-dir>/.format-2.tmp/`, naming the aside folder there;
2. move the format-1 files into the aside folder;
3. move the converted files into place, then remove `.format-2.tmp` (done).

A file the conversion cannot read is refused as recovery refuses damage: nothing is changed.
A torn last journal record (what a crash leaves) is dropped, as recovery would.
"""

from __future__ import annotations

import os
import shutil
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ddbkit.emulator.durability import encoding, format1, formats, watermark
from ddbkit.emulator.durability.files import DataDir, sync_dir, sync_file
from ddbkit.emulator.durability.framing import FrameError, TornTail, frame, read_frames
from ddbkit.emulator.durability.item_chunks import JSON_ITEMS
from ddbkit.emulator.errors import DataDirError

WORK = ".format-2.tmp"
ASIDE = "format-1"
_ASIDE_NOTE = "aside"  # in WORK: the name of the folder the format-1 files went to
_STATES = "states"
_OLD_SYNCED = struct.Struct("<QQI")  # format 1's journal.synced: no header
_DAMAGE = (FrameError, ValueError, KeyError, TypeError, IndexError, AttributeError)


@dataclass
class Converted:
    """What a conversion did, for its one line."""

    aside: Path  # where the format-1 files are
    files: int
    torn: list[str] = field(default_factory=list)  # "name: why" of torn tails dropped


def header_version(path: Path) -> tuple[int, int] | None:
    """The format version in a file's first record and the newest of its kind this ddbkit
    reads; None for an empty or unreadable one, or one naming no version (recovery names
    those)."""
    try:
        with open(path, "rb") as stream:
            first = next(read_frames(stream, path.stat().st_size), None)
        header = None if first is None else encoding.loads(first)
    except (OSError, *_DAMAGE):
        return None
    version = formats.version_of(header)
    return None if version is None else (version, formats.newest_read(header))


def upgrade(data_dir: DataDir) -> Converted | None:
    """Converts the format-1 files of a locked data dir; None when there were none.
    Raises DataDirError for a newer format, or a file it cannot convert."""
    root = data_dir.path
    _roll_back(root)
    versions = {path: header_version(path) for path in _files(data_dir)}
    newer = sorted((v[0], p.name) for p, v in versions.items() if v and v[0] > v[1])
    if newer:
        version, name = newer[-1]
        raise DataDirError(
            f"data dir {root} is in format {version} ({name}), written by a newer ddbkit; "
            f"this one reads formats 1 and {formats.VERSION} (snapshots up to "
            f"{formats.SNAPSHOT_VERSION}): upgrade ddbkit, or use another "
            "--data-dir. Nothing was changed")
    old = sorted(p for p, v in versions.items() if v and v[0] == 1)
    if not old:
        return None
    try:
        return _convert(data_dir, old)
    except DataDirError:
        _roll_back(root)
        raise
    except OSError as exc:
        _roll_back(root)
        raise DataDirError(f"cannot convert data dir {root} to format {formats.VERSION}: "
                           f"{exc.strerror or exc}. Nothing was changed") from exc


def _files(data_dir: DataDir) -> list[Path]:
    listing = data_dir.listing()
    states = data_dir.path / _STATES
    found = [*listing.snapshots.values(), *listing.journals.values()]
    return found + (sorted(states.glob("*.snap")) if states.is_dir() else [])


def _convert(data_dir: DataDir, old: list[Path]) -> Converted:
    root = data_dir.path
    work = root / WORK
    work.mkdir()
    (work / _STATES).mkdir()
    converted = Converted(_aside_name(root), len(old))
    sizes = _write_converted(data_dir, old, work, converted)
    synced = root / watermark.NAME
    if sizes:
        generation = max(sizes)
        _write(work / watermark.NAME, watermark.mark_bytes(generation, sizes[generation]))
    _write(work / _ASIDE_NOTE, converted.aside.name.encode())  # what a rollback reads
    sync_dir(work / _STATES)
    sync_dir(work)
    moving = [*old, *data_dir.listing().temps, *([synced] if synced.exists() else [])]
    for path in moving:  # 2. the format-1 files aside
        _move(path, converted.aside / path.relative_to(root))
    for path in sorted(p for p in work.rglob("*") if p.is_file() and p.name != _ASIDE_NOTE):
        _move(path, root / path.relative_to(work))  # 3. the converted ones in place
    shutil.rmtree(work)
    sync_dir(root)
    return converted


def _aside_name(root: Path) -> Path:
    aside, number = root / ASIDE, 1
    while aside.exists():
        number += 1
        aside = root / f"{ASIDE}.{number}"
    return aside


def _write_converted(data_dir: DataDir, old: list[Path], work: Path,
                     converted: Converted) -> dict[int, int]:
    """Writes each file converted into `work`; returns the converted journals' sizes."""
    root, listing = data_dir.path, data_dir.listing()
    journals = {g: p for g, p in listing.journals.items() if p in old}
    last = max(listing.journals, default=0)
    sizes: dict[int, int] = {}
    for generation in sorted(journals):
        path = journals[generation]
        sizes[generation] = _guard(path, _journal, path, work / path.name,
                                   sizes.get(generation - 1), generation == last, converted)
    _check_synced(root, journals, last)
    for path in old:
        if path not in journals.values():
            _guard(path, _snapshot, path, work / path.relative_to(root))
    return sizes


def _guard(path: Path, convert: Any, *args: Any) -> Any:
    try:
        return convert(*args)
    except TornTail as exc:
        raise _damaged(path, f"it is cut short ({exc})") from exc
    except _DAMAGE as exc:
        raise _damaged(path, f"it is damaged ({exc})") from exc


def _damaged(path: Path, what: str) -> DataDirError:
    return DataDirError(f"cannot convert data dir {path.parent} from format 1: {path.name}: "
                        f"{what}. Nothing was changed; move the file aside, or start afresh "
                        "with --reseed (which discards the dir)")


def _journal(path: Path, out: Path, previous: int | None, last: bool,
             converted: Converted) -> int:
    records: list[bytes] = []
    size = path.stat().st_size
    with open(path, "rb") as stream:
        payloads = read_frames(stream, size)
        try:
            header = encoding.loads(next(payloads))
            header["format"] = formats.JOURNAL
            if previous is not None and "previous" in header:
                header["previous"] = previous  # the converted predecessor's size
            records.append(frame(encoding.dumps(header)))
            for payload in payloads:
                record = encoding.loads(payload)
                if "ops" in record:
                    record["ops"] = format1.journal_ops(record["ops"])
                records.append(frame(encoding.dumps(record)))
        except TornTail as exc:
            if not last:
                raise
            converted.torn.append(f"{path.name}: {exc}")
    return _write(out, b"".join(records))


def _snapshot(path: Path, out: Path) -> int:
    records: list[bytes] = []
    with open(path, "rb") as stream:
        payloads = read_frames(stream, path.stat().st_size)
        header = encoding.loads(next(payloads))
        header["format"] = formats.SNAPSHOT
        records.append(frame(encoding.dumps(header)))
        ended = False
        for payload in payloads:
            if payload.startswith(JSON_ITEMS):
                records.append(frame(payload))  # item images: the same in both formats
                continue
            record = encoding.loads(payload)
            ended = "end" in record
            records.append(frame(encoding.dumps(format1.snapshot_record(record))))
        if not ended:
            raise ValueError("no end record: the snapshot is incomplete")
    return _write(out, b"".join(records))


def _check_synced(root: Path, journals: dict[int, Path], last: int) -> None:
    """Format 1's `journal.synced`, checked as recovery would: the newest segment must
    hold what had reached the disk."""
    try:
        data = (root / watermark.NAME).read_bytes()
    except OSError:
        return
    if len(data) != _OLD_SYNCED.size or last not in journals:
        return
    generation, size, _ = _OLD_SYNCED.unpack(data)
    if generation == last and journals[last].stat().st_size < size:
        raise _damaged(journals[last], f"its records end before byte {size}, which had "
                                       "reached the disk")


def _write(path: Path, data: bytes) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as out:
        out.write(data)
        out.flush()
        sync_file(out.fileno())
    return len(data)


def _move(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(source, target)
    sync_dir(target.parent)


def _roll_back(root: Path) -> None:
    """Undoes a conversion a crash interrupted: the format-1 files back in place."""
    work = root / WORK
    if not work.is_dir():
        return
    note = work / _ASIDE_NOTE
    aside = root / note.read_text().strip() if note.is_file() else None
    if aside is not None and aside.is_dir():
        kept = {p.relative_to(aside) for p in aside.rglob("*") if p.is_file()}
        if Path(watermark.NAME) not in kept:
            (root / watermark.NAME).unlink(missing_ok=True)  # only the converted one
        for relative in kept:
            _move(aside / relative, root / relative)
        shutil.rmtree(aside)
    shutil.rmtree(work)
    sync_dir(root)

"""The data dir's format version, named in the header of every file it holds.

    snapshot-*.snap, states/*.snap   first record {"format": "ddbkit-snapshot/3", ...}
    journal-*.log                    first record {"format": "ddbkit-journal/2", ...}
    journal.synced                   starts with the bytes "ddbkit-synced/2\\n"

Format 1 (ddbkit before issue 25) kept moto's private table objects; a data dir in it is
converted once (`convert`). Snapshot 3 differs from 2 only in how item chunks are encoded
(`item_chunks`) and in its tables' figures (`snapshot`); snapshots 2 are still read as they
are, so a format-2 data dir needs no conversion. A newer format than this ddbkit reads is
refused, never guessed at.
"""

from __future__ import annotations

from typing import Any

VERSION = 2  # the data dir's: its journal's and the files beside it
SNAPSHOT_VERSION = 3
SNAPSHOT_KIND, JOURNAL_KIND = "ddbkit-snapshot", "ddbkit-journal"
SNAPSHOT = f"{SNAPSHOT_KIND}/{SNAPSHOT_VERSION}"
SNAPSHOTS_READ = (f"{SNAPSHOT_KIND}/2", SNAPSHOT)
JOURNAL = f"{JOURNAL_KIND}/{VERSION}"
SYNCED = f"ddbkit-synced/{VERSION}\n".encode()


def newest_read(header: Any) -> int:
    """The newest version of the header's kind of file this ddbkit reads."""
    named = header.get("format") if isinstance(header, dict) else None
    snapshot = isinstance(named, str) and named.startswith(SNAPSHOT_KIND + "/")
    return SNAPSHOT_VERSION if snapshot else VERSION


def version_of(header: Any) -> int | None:
    """The format version a file's header names (`ddbkit-<kind>/<n>`), or None if none."""
    named = header.get("format") if isinstance(header, dict) else None
    if not isinstance(named, str) or not named.startswith("ddbkit-"):
        return None
    _, _, number = named.partition("/")
    return int(number) if number.isdigit() else None

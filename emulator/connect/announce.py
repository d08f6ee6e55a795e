"""`ddbkit up` says where it serves: STATE_DIR/endpoint.json, so client commands run in the
same directory find it with no endpoint configured (`emulator.connect.target`).

Written atomically once the endpoint is ready, removed on stop only if it is still this
process's (another `up` may have replaced it). A file whose process is gone is stale and
ignored. The in-process `Emulator` and the pytest plugin's emulator do not announce.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

FILE_NAME = "endpoint.json"
FORMAT = "ddbkit-endpoint/1"


@dataclass(frozen=True)
class Announcement:
    url: str
    region: str
    pid: int
    # Whether announcing made the state dir (then withdrawing removes it if left empty: an
    # in-memory `up` leaves nothing behind).
    made_dir: bool = field(default=False, compare=False)


def announce(state_dir: Path, url: str, region: str) -> Announcement:
    mine = Announcement(url, region, os.getpid(), made_dir=not state_dir.exists())
    state_dir.mkdir(parents=True, exist_ok=True)
    temporary = state_dir / f".{FILE_NAME}.{mine.pid}"
    temporary.write_text(json.dumps({"format": FORMAT, "url": url, "region": region,
                                     "pid": mine.pid}) + "\n")
    temporary.replace(state_dir / FILE_NAME)  # readers see the old file or the new, whole
    return mine


def withdraw(state_dir: Path, mine: Announcement) -> None:
    """Remove the announcement if it is still `mine`."""
    if _read(state_dir / FILE_NAME) == mine:
        (state_dir / FILE_NAME).unlink(missing_ok=True)
    if mine.made_dir:
        try:
            state_dir.rmdir()
        except OSError:
            pass  # not empty: the data dir, checkpoints or another `up` live there


def announced(state_dir: Path) -> Announcement | None:
    """The endpoint a live `ddbkit up` announced in `state_dir`, or None."""
    found = _read(state_dir / FILE_NAME)
    return found if found is not None and _alive(found.pid) else None


def _read(path: Path) -> Announcement | None:
    try:
        data = json.loads(path.read_text())
        return Announcement(str(data["url"]), str(data["region"]), int(data["pid"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None  # none, or not one we can use: as if nothing were announced


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, run by another user
    return True

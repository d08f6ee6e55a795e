"""Durability settings: where the data lives and what a crash or a power loss may cost."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from ddbkit.emulator.durability.journal import FSYNC_POLICIES, FsyncPolicy
from ddbkit.emulator.errors import ConfigError

DEFAULT_JOURNAL_MAX_BYTES = 64 * 1024 * 1024  # Redis's auto-aof-rewrite-min-size
STREAM_RETENTION = timedelta(hours=24)  # https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Streams.html


@dataclass(frozen=True)
class DurabilityConfig:
    data_dir: Path
    fsync: FsyncPolicy = "every-second"
    # Start afresh: the data dir's contents are discarded (`ddbkit up --reseed`).
    discard: bool = False
    # Compact once the journal is larger than this and than the last snapshot (as Redis's
    # auto-aof-rewrite: min size, 100% growth), so it never grows without bound.
    journal_max_bytes: int = DEFAULT_JOURNAL_MAX_BYTES
    stream_retention: timedelta = STREAM_RETENTION
    # Point-in-time history (snapshots and journal) above this drops its oldest part and
    # moves EarliestRestorableDateTime forward (`--history-max-mb`); None: the whole window.
    history_max_bytes: int | None = None

    def __post_init__(self) -> None:
        if self.fsync not in FSYNC_POLICIES:
            raise ConfigError(f"--fsync must be one of {', '.join(FSYNC_POLICIES)}, "
                              f"got {self.fsync!r}")
        if self.journal_max_bytes < 0:
            raise ConfigError("the journal size limit cannot be negative")
        if self.history_max_bytes is not None and self.history_max_bytes < 0:
            raise ConfigError("the history size limit cannot be negative")

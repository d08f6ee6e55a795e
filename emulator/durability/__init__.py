"""Durability: the emulator's data outlives its process (`ddbkit up --data-dir`).

The design is Redis's append-only file with snapshots (fsync policies, background rewrite),
with SQLite's WAL as the model for the records: a physical redo log of after-images.

- Every request runs under the store lock (`endpoint.app`); on its way out of the lock,
  before the response is written, `recorder` turns what it changed into ONE journal record
  (the after-image of every item it touched, the stream records it appended, the settings
  of tables it created, changed or deleted) and `journal` appends it with write(2). So a
  killed process loses nothing it acknowledged; `--fsync always|every-second` decides what
  a power loss may cost. TTL deletes are journaled the same way (`operations/expiry.py`).
  A write the journal cannot take (a full disk) is undone and refused, and while the disk
  stays full writes are refused before they start; reads go on (`recorder`, `journal`).
- Records are length-prefixed and CRC32-checked (`framing`), JSON inside (`encoding`,
  `images`, `tablemeta`), so a torn last write is told from damage. Every file names its
  format in its header (`formats`); a data dir of format 1, which held moto's private table
  objects, is converted once at start-up (`convert`, `format1`), a newer one refused.
- A background thread compacts (`service`): a new journal segment, then a fuzzy snapshot of
  every table written in small chunks while requests go on (`snapshot`); replaying the new
  segment over it gives the exact state, because after-images are idempotent (`replay`).
- At start-up `recovery` restores the newest snapshot and the segments after it, drops a torn
  tail with a warning, and refuses anything else unreadable without touching a file.

Layout on disk: `files`. Each record carries a sequence number and the emulator's time, so
`history` can rebuild a table as of a past moment (point-in-time restore and exports, in
`operations/restore_table_to_point_in_time.py` and `export_table_to_point_in_time.py`);
compaction keeps the files the longest recovery period needs. On-demand backups are
journaled and snapshotted (`backups`); named states (`states`) are snapshots kept under a
name and put back whole.

    from ddbkit.emulator.durability import DurabilityConfig
    EmulatorConfig(durability=DurabilityConfig(Path(".ddbkit/data")))

Names load on first use: `hooks`, imported by the request path, imports nothing heavy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ddbkit.emulator.lazy import lazy_exports

if TYPE_CHECKING:
    from ddbkit.emulator.durability.config import DurabilityConfig
    from ddbkit.emulator.durability.recovery import Recovered
    from ddbkit.emulator.durability.service import Durability

_EXPORTS = {"DurabilityConfig": "config", "Durability": "service", "Recovered": "recovery"}
__all__ = ["Durability", "DurabilityConfig", "Recovered"]


__getattr__ = lazy_exports(__name__, _EXPORTS)

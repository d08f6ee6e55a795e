"""What of the point-in-time history a compaction keeps, drops and merges.

After each snapshot (`service.Durability.compact`), and at start-up (dropping only):
- the window: the newest kept base (a snapshot, or the empty store before segment 1)
  complete before the window opens, and everything after it, is kept; the rest goes;
- snapshots in between are thinned: with every segment kept, a base is needed only where
  the window (or the cap) may start, so one is kept per eighth of the recovery period
  (`SPACING`): the window then starts at most that much early. The oldest base and the
  newest snapshot (the current state's) are always kept;
- the cap (`--history-max-mb`): while snapshots and journal together exceed it, the oldest
  base and the history up to the next kept snapshot go, which moves the window's start
  (EarliestRestorableDateTime) forward. The current state is never dropped: a cap below it
  leaves no history at all;
- segments older than the newest snapshot are merged (`history_merge`) into history files of
  about `merge_target` bytes: the newest one is merged again with the segments after it
  while it is smaller than that, less what came before the oldest base kept.

Crash-safe at every step: a merged file is complete before it is renamed into place, and a
file is removed only once nothing kept needs it (a merged file and the segments it replaced
side by side: the merged file is read, the segments are dropped next time).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ddbkit.emulator.durability.files import Listing
from ddbkit.emulator.durability.history import bases
from ddbkit.emulator.durability.history_files import Source, Timeline, read_header

SPACING = 1 / 8  # of the recovery period, between the snapshots kept inside it


@dataclass
class Plan:
    keep_from: int  # the oldest base kept
    kept: set[Path] = field(default_factory=set)
    drop: list[Path] = field(default_factory=list)
    merge: list[Source] = field(default_factory=list)  # consecutive, oldest first
    starts: dict[int, float] = field(default_factory=dict)  # of the merged generations
    merge_from: int = 1  # the first generation the merged file holds
    after: int = 0  # the sequence number of the oldest base: records up to it go


def plan(listing: Listing, window_start: float | None, cap_bytes: int | None,
         merge_target: int, period: float = 0.0) -> Plan:
    """`window_start`: None when no table keeps point-in-time history; `period`: the longest
    recovery period, in seconds."""
    timeline = Timeline.of(listing)
    snapshots = listing.snapshots
    current = max(snapshots, default=None)
    if current is None:  # every segment is the current state
        return Plan(1, {s.path for s in timeline.sources}, list(timeline.redundant))
    usable = list(bases(snapshots, timeline))  # newest first
    keep_from = current
    if window_start is not None and usable:
        keep_from = usable[-1].generation
        for base in usable:
            if base.snapshot is None:
                continue
            start = timeline.created(base.generation + 1)
            if start is not None and start <= window_start:
                keep_from = base.generation
                break
    chain = _thinned(sorted(b.generation for b in usable
                            if b.snapshot is not None and b.generation >= keep_from),
                     keep_from, current, timeline, period * SPACING)
    while cap_bytes is not None and _size(snapshots, timeline, chain, keep_from) > cap_bytes:
        later = [g for g in chain if g > keep_from]
        if not later:
            break
        keep_from = later[0]
    kept = {snapshots[g] for g in chain if g >= keep_from}
    kept |= {s.path for s in timeline.sources if s.last >= keep_from}
    every = [*snapshots.values(), *(s.path for s in timeline.sources), *timeline.redundant]
    found = Plan(keep_from, kept, [p for p in every if p not in kept])
    found.merge = _to_merge([s for s in timeline.sources if s.path in kept and s.last < current],
                            merge_target)
    if found.merge and found.merge[0].first < keep_from:  # trimmed to the oldest base
        found.merge_from = keep_from
        found.after = int(read_header(snapshots[keep_from])["sequence"])
    elif found.merge:
        found.merge_from = found.merge[0].first
    for source in found.merge:
        for generation in range(max(source.first, found.merge_from), source.last + 1):
            start = timeline.created(generation)
            if start is None:  # a file that does not say: merged some other time, or never
                found.merge, found.starts = [], {}
                return found
            found.starts[generation] = start
    return found


def _thinned(generations: list[int], keep_from: int, current: int, timeline: Timeline,
             spacing: float) -> list[int]:
    """The snapshots kept: `spacing` seconds apart at least (by when their segment began)."""
    chain: list[int] = []
    last: float | None = None
    for generation in generations:
        began = timeline.created(generation)
        if generation in (keep_from, current) or began is None or last is None \
                or began - last >= spacing:
            chain.append(generation)
            last = began if began is not None else last
    return chain


def _size(snapshots: dict[int, Path], timeline: Timeline, chain: list[int],
          keep_from: int) -> int:
    paths = [snapshots[g] for g in chain if g >= keep_from]
    paths += [s.path for s in timeline.sources if s.last >= keep_from]
    return sum(p.stat().st_size for p in paths)


def _to_merge(old: list[Source], target: int) -> list[Source]:
    """The run of raw segments at the end of the history, after the newest merged file when
    that one is still small."""
    run: list[Source] = []
    for source in reversed(old):
        if source.merged:
            if run and source.last + 1 == run[0].first and source.path.stat().st_size < target:
                run.insert(0, source)
            break
        if run and source.last + 1 != run[0].first:
            break
        run.insert(0, source)
    return run if any(not s.merged for s in run) else []

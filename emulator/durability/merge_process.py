"""A history merge in a child process of its own.

A merge (`history_merge`) is file-to-file work: it decodes and encodes every record of
the old segments, hundreds of MB in a long soak. In the server's process it shared the
interpreter with requests: a soak's throughput halved in the minutes a merge ran, and at 1M
items a reader waited up to half a second at a time. A child (a new interpreter, not a fork:
no copy of the server's threads and locks; not `multiprocessing`, whose daemonic processes,
as a test's emulator is, may have no children) shares nothing with them but the CPU.

The child writes the merged file as `history_merge` does (to `.tmp`, then renamed into
place, crash-safe); the parent removes the inputs once it answers. Stopping the emulator
kills the child and removes its `.tmp`: the inputs stay, merged by the next compaction. A
child whose parent dies (kill -9) exits at once, as its stdin closes, so it never writes
beside a new server.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from ddbkit.emulator.durability.framing import FrameError
from ddbkit.emulator.durability.history_files import Source
from ddbkit.emulator.durability.history_merge import Merged, merge

NICENESS = 10  # below the server: on a busy machine requests get the CPU first
POLL = 0.2  # seconds between looks at the stop flag while the child works
FAILURES = (OSError, FrameError, ValueError, KeyError, TypeError, IndexError)
# The child's first read is the parent's import path, so it imports ddbkit as the server did.
_BOOT = ("import pickle, sys; sys.path[:] = pickle.load(sys.stdin.buffer); "
         "from ddbkit.emulator.durability.merge_process import child_main; child_main()")


class MergeFailed(Exception):
    """The merge could not be written (its cause in the message); the inputs stay."""


class MergeStopped(Exception):
    """The emulator stopped before the merge finished; the inputs stay."""


def merge_apart(inputs: list[Source], path: Path, account: str, region: str, first: int,
                after: int, starts: dict[int, float], stop: threading.Event) -> Merged:
    """`history_merge.merge` run in a child process; raises MergeFailed or MergeStopped."""
    if not sys.executable:  # an embedded interpreter: nothing to start, merge here
        return merge(inputs, path, account, region, first, after, starts)
    # its own session: a Ctrl-C at the terminal is the server's to handle, not the child's
    child = subprocess.Popen([sys.executable, "-c", _BOOT], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, start_new_session=True)
    assert child.stdin is not None and child.stdout is not None
    try:
        try:
            pickle.dump(sys.path, child.stdin)
            pickle.dump((inputs, path, account, region, first, after, starts), child.stdin)
            child.stdin.flush()  # kept open: its end tells the child the server is gone
        except OSError as exc:
            raise MergeFailed(f"its process did not start: {exc}") from exc
        while True:
            if stop.is_set():
                raise MergeStopped
            try:
                child.wait(POLL)
                break
            except subprocess.TimeoutExpired:
                continue
        try:
            outcome, detail = pickle.load(child.stdout)
        except (EOFError, pickle.UnpicklingError):
            raise MergeFailed(f"its process ended with code {child.returncode}") from None
    finally:
        if child.poll() is None:
            child.kill()
        child.wait()
        child.stdin.close()
        child.stdout.close()
        path.with_name(path.name + ".tmp").unlink(missing_ok=True)  # a killed child's
    if outcome != "merged":
        raise MergeFailed(detail)
    return Merged(path, *detail)


def child_main() -> None:
    """The child: reads its arguments, merges, answers on stdout."""
    if hasattr(os, "nice"):
        os.nice(NICENESS)
    stdin = sys.stdin.buffer
    inputs, path, account, region, first, after, starts = pickle.load(stdin)
    threading.Thread(target=_exit_with_parent, daemon=True).start()
    try:
        done = merge(inputs, path, account, region, first, after, starts)
        outcome: tuple[str, Any] = ("merged", (done.records_in, done.records_out, done.bytes))
    except FAILURES as exc:
        outcome = ("failed", str(exc) or type(exc).__name__)
    pickle.dump(outcome, sys.stdout.buffer)
    sys.stdout.buffer.flush()
    os._exit(0)  # no interpreter shutdown: it would wait on the watching thread's read


def _exit_with_parent() -> None:
    """Ends this process when the server's ends: its end of our stdin closes then, even
    after a kill -9. Reads the descriptor itself: the arguments were all that was sent."""
    while os.read(sys.stdin.fileno(), 4096):
        pass
    os._exit(1)

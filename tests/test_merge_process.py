"""A history merge runs in a child process (`durability.merge_process`): what it writes is
what an in-process merge writes, a stop leaves the inputs as they were and no `.tmp`, a
damaged input is a MergeFailed with its cause, and the child never outlives a killed server.

Real journal segments written with the emulator's own framing, a real spawned child.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from ddbkit.emulator.durability import encoding
from ddbkit.emulator.durability.framing import frame, read_frames
from ddbkit.emulator.durability.history_files import Source
from ddbkit.emulator.durability.history_merge import merge
from ddbkit.emulator.durability.merge_process import MergeFailed, MergeStopped, merge_apart
from ddbkit.emulator.durability.recovery import journal_header

START = 1_760_000_000.0
KEYS = {"t": ["pk", None]}


def _segment(path: Path, generation: int, records: int) -> Source:
    """`records` writes to table t, ten per second, each key written twice a second."""
    with open(path, "wb") as out:
        out.write(frame(journal_header(generation, "123456789012", "us-east-1",
                                       START + generation * 100, keys=KEYS)))
        for n in range(records):
            when = START + generation * 100 + n / 10
            image = {"pk": {"S": f"k{n // 2 % 7}"}, "v": {"N": str(n)}}
            out.write(frame(encoding.dumps({"n": generation * 10_000 + n, "t": when,
                                            "ops": [["P", "t", image]]})))
    return Source(generation, generation, path, False)


def _segments(folder: Path) -> list[Source]:
    return [_segment(folder / f"journal-{g:08d}.log", g, 400) for g in (1, 2, 3)]


def _starts() -> dict[int, float]:
    return {g: START + g * 100 for g in (1, 2, 3)}


def _records(path: Path) -> list[object]:
    with open(path, "rb") as stream:
        return [encoding.loads(p) for p in read_frames(stream, path.stat().st_size)]


def test_the_child_writes_what_an_in_process_merge_writes(
        tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    inputs = _segments(tmp_path)
    here = merge(inputs, tmp_path / "here.log", "123456789012", "us-east-1", 1, 0, _starts())
    apart = merge_apart(inputs, tmp_path / "history-00000001-00000003.log", "123456789012",
                        "us-east-1", 1, 0, _starts(), threading.Event())
    assert (apart.records_in, apart.records_out) == (here.records_in, here.records_out)
    assert apart.records_out < apart.records_in  # a key's earlier change in a second went
    assert _records(apart.path) == _records(here.path)
    assert not list(tmp_path.glob("*.tmp"))
    assert capfd.readouterr().err == ""  # no word from the child: it exited cleanly


def test_a_stop_leaves_the_inputs_and_no_temporary_file(tmp_path: Path) -> None:
    inputs = _segments(tmp_path)
    before = {s.path: s.path.read_bytes() for s in inputs}
    stop = threading.Event()
    stop.set()
    target = tmp_path / "history-00000001-00000003.log"
    with pytest.raises(MergeStopped):
        merge_apart(inputs, target, "123456789012", "us-east-1", 1, 0, _starts(), stop)
    assert {s.path: s.path.read_bytes() for s in inputs} == before
    assert not target.exists()
    assert not list(tmp_path.glob("*.tmp"))


def test_a_damaged_input_is_a_failure_naming_its_cause(tmp_path: Path) -> None:
    inputs = _segments(tmp_path)
    damaged = inputs[1].path
    damaged.write_bytes(damaged.read_bytes()[:200] + b"\xff" * 64)
    target = tmp_path / "history-00000001-00000003.log"
    with pytest.raises(MergeFailed) as failed:
        merge_apart(inputs, target, "123456789012", "us-east-1", 1, 0, _starts(),
                    threading.Event())
    assert str(failed.value)
    assert not target.exists()
    assert not list(tmp_path.glob("*.tmp"))
    assert all(s.path.exists() for s in inputs)


_PARENT = """
import sys, threading, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from test_merge_process import _segments, _starts
from ddbkit.emulator.durability import merge_process
folder = Path(sys.argv[2])
inputs = _segments(folder) * 4000  # long enough to be killed in the middle
threading.Thread(target=merge_process.merge_apart, daemon=True,
                 args=(inputs, folder / "history-00000001-00000003.log", "123456789012",
                       "us-east-1", 1, 0, _starts(), threading.Event())).start()
time.sleep(600)
"""


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads /proc")
def test_the_child_exits_when_the_server_is_killed(tmp_path: Path) -> None:
    parent = subprocess.Popen([sys.executable, "-c", _PARENT, str(Path(__file__).parent),
                               str(tmp_path)])
    try:
        deadline = time.monotonic() + 60
        while not list(tmp_path.glob("*.tmp")):  # the child is writing
            assert time.monotonic() < deadline, "the merge's child never started"
            time.sleep(0.05)
        children = _children(parent.pid)
        assert children
    finally:
        parent.send_signal(signal.SIGKILL)
        parent.wait()
    deadline = time.monotonic() + 30
    while any(_alive(c) for c in children):
        assert time.monotonic() < deadline, "the merge's child outlived its server"
        time.sleep(0.05)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split(")")[-1].split()[0] != "Z"

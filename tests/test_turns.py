"""Background work gives the request thread its turns (`emulator.turns`): only in threads
that do not serve requests, only while one does, at most once per EVERY; reading and writing
durability records gives way between records. `turns.given()` counts the calling thread's
turns only, so the suite's other servers in this process do not blur the counts."""

from __future__ import annotations

import io
import os
import sys
import threading
import time
from collections.abc import Iterator

import pytest

from ddbkit.emulator import turns
from ddbkit.emulator.durability import files
from ddbkit.emulator.durability.framing import frame, read_frames


def _give_way_for(seconds: float) -> int:
    """Calls give_way() for `seconds`; the turns given meanwhile."""
    before = turns.given()
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        turns.give_way()
    return turns.given() - before


@pytest.fixture()
def a_thread_serving() -> Iterator[None]:
    entered, leave = threading.Event(), threading.Event()

    def serve() -> None:
        with turns.serving():
            entered.set()
            leave.wait(30)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    assert entered.wait(10)
    yield
    leave.set()
    thread.join(10)


def test_no_turn_is_given_while_nothing_serves(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(turns, "_serving", 0)  # as in a process with no server (a CLI): the
    assert _give_way_for(turns.EVERY * 5) == 0  # suite's own servers may serve in this one


def test_background_work_gives_way_while_a_thread_serves(a_thread_serving: None) -> None:
    given = _give_way_for(turns.EVERY * 5)
    assert 1 <= given <= 5  # at most one turn per EVERY


def test_the_serving_thread_itself_never_gives_way() -> None:
    with turns.serving():
        assert _give_way_for(turns.EVERY * 5) == 0


def test_a_second_server_ending_leaves_turns_given(a_thread_serving: None) -> None:
    with turns.serving():
        pass  # a second server came and went: the first one still serves
    assert _give_way_for(turns.EVERY * 5) >= 1


def test_records_read_and_written_give_way_between_them(a_thread_serving: None,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(turns, "EVERY", 0.0)  # a turn at every chance
    before = turns.given()
    data = b"".join(frame(b"record %d" % n) for n in range(10))
    written = turns.given() - before
    read = list(read_frames(io.BytesIO(data), len(data)))
    assert read == [b"record %d" % n for n in range(10)]
    assert written == 10 and turns.given() - before == 20


def test_a_large_buffer_is_written_a_slice_at_a_time(a_thread_serving: None,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(turns, "EVERY", 0.0)
    data = bytes(range(256)) * (files.WRITE_SLICE * 5 // 2 // 256)  # two and a half slices
    out, before = io.BytesIO(), turns.given()
    files.write_in_slices(out, data)
    assert out.getvalue() == data and turns.given() - before == 3


@pytest.mark.skipif(not hasattr(os, "getpriority"), reason="no per-thread nice values here")
def test_a_background_thread_lowers_its_own_priority_and_no_one_else_s() -> None:
    seen: dict[str, int] = {}

    def background() -> None:
        before = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        turns.lower_priority()
        seen["raised by"] = os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) - before

    mine = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    thread = threading.Thread(target=background)
    thread.start()
    thread.join()
    if sys.platform == "linux":  # Linux keeps a nice value per thread
        assert seen["raised by"] == min(turns.NICE, 19 - mine)
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == mine


def test_a_background_job_counts_while_it_runs_even_when_it_fails() -> None:
    before = turns.jobs_running()
    with turns.background_job():
        assert turns.jobs_running() == before + 1
    assert turns.jobs_running() == before
    with pytest.raises(RuntimeError), turns.background_job():
        raise RuntimeError("a task's bug")
    assert turns.jobs_running() == before

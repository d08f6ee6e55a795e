"""Background work lets the request thread have the interpreter every few milliseconds.

CPython hands the interpreter (the GIL) to a waiting thread after the switch interval, but
only when the holder kept it for that whole interval. A background job that reads or writes
a file (or checksums a record) lets go at every such call and takes it back before the
waiting thread has woken: the interval starts again, and the request thread can wait for a
hundred milliseconds and more. Measured on 2 cores, a 1M-item point-in-time restore's
history replay: a GetItem waited up to 269 ms; a thread that slept 1 ms woke up to 94 ms late
behind a loop that only decoded journal records. A sleep of a few tens of microseconds every
`EVERY` seconds of background work (`give_way`) lets the waiting thread in for real: the
same loop then kept the sleeper within 6 ms, for about 2% more time.

Only threads other than the ones serving requests (`serving`) give way, and only while one
serves: a CLI's or a restart's work before the server is up runs at full speed. Background
threads also run at a lower priority (`lower_priority`).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

EVERY = 0.002  # seconds of background work between two turns given away
NAP = 0.00005  # long enough for the waiting thread to take the interpreter
NICE = 10  # added to a background thread's nice value (Linux)

_local = threading.local()
_serving = 0  # threads serving requests in this process
_jobs = 0  # background jobs running in this process (`background_job`)
_count_lock = threading.Lock()


@contextmanager
def serving() -> Iterator[None]:
    """The calling thread serves requests for the block's duration: it never gives way,
    and the other threads do."""
    global _serving
    _local.serves = True
    with _count_lock:
        _serving += 1
    try:
        yield
    finally:
        with _count_lock:
            _serving -= 1
        _local.serves = False


@contextmanager
def background_job() -> Iterator[None]:
    """The block is a background job's (a worker's task, an admin call): work that can wait,
    a due compaction, waits for it (`jobs_running`). Turns do less with two background
    threads at once: the nap one of them takes can go to the other, not to the request."""
    global _jobs
    with _count_lock:
        _jobs += 1
    try:
        yield
    finally:
        with _count_lock:
            _jobs -= 1


def jobs_running() -> int:
    """How many background jobs are running in this process."""
    return _jobs


def give_way() -> None:
    """Called between steps of long work: once every `EVERY` seconds, in a thread that does
    not serve requests while one does, sleeps `NAP` so that a request waiting for the
    interpreter gets it. Cheap otherwise (a clock read)."""
    if not _serving:
        return
    now = time.perf_counter()
    if now - getattr(_local, "last", 0.0) < EVERY or getattr(_local, "serves", False):
        return
    time.sleep(NAP)
    _local.last = time.perf_counter()
    _local.given = given() + 1


def given() -> int:
    """How many turns the calling thread has given away (for tests and benchmarks: other
    threads' turns, an in-process server's, do not blur it)."""
    count: int = getattr(_local, "given", 0)
    return count


def lower_priority() -> None:
    """Called first in a background thread (a worker's, the compaction's, an admin call's):
    on Linux a thread has its own nice value, so when the cores are busy the scheduler runs
    the request thread first, and it gets the interpreter back sooner."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICE)
    except (AttributeError, OSError):  # another system: the process's priority it is
        pass

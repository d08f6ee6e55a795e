"""Admin work off the request path: one thread per kind of work (exports, GSI backfills,
bulk puts, backups' item copies, freeing dropped tables).

The emulator starts them (`start_all`, before it serves) and stops them (`stop_all`). A task
is a callable given the worker's stop event; it takes `STORE_LOCK` only for short holds, so
requests go on while it runs. Tasks run one at a time, in the order submitted (a queue of
closures, each holding what it needs: bounded by what the operations that submit them
allow). `stop_all` sets the event, drops the tasks not started and waits for the running
one to notice: a task checks the event between its steps and leaves what it had not
finished for the next start to settle (an export FAILED, a backfill finished at start).
"""

from __future__ import annotations

import contextvars
import logging
import threading
from collections import deque
from collections.abc import Callable

from ddbkit.emulator.turns import background_job, lower_priority

log = logging.getLogger("ddbkit")

Task = Callable[[threading.Event], None]
KINDS = ("export", "backfill", "bulk", "copy", "release")


class Worker:
    def __init__(self, name: str) -> None:
        self.name = name
        self._tasks: deque[tuple[contextvars.Context, Task]] = deque()
        self._wake = threading.Condition()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Starts the thread if it is not running (`start_all` does, at the emulator's
        start: starting one waits for the OS to run it, not a wait for a request)."""
        with self._wake:
            if self._thread is None or not self._thread.is_alive():
                self._stop.clear()
                self._thread = threading.Thread(target=self._run, name=f"ddbkit-{self.name}",
                                                daemon=True)
                self._thread.start()

    def submit(self, task: Task) -> None:
        self.start()
        with self._wake:
            self._tasks.append((contextvars.copy_context(), task))  # the caller's clock
            self._wake.notify()

    def _run(self) -> None:
        lower_priority()
        while not self._stop.is_set():
            with self._wake:
                while not self._tasks and not self._stop.is_set():
                    self._wake.wait()
                if self._stop.is_set():
                    return
                context, task = self._tasks.popleft()
            try:
                with background_job():
                    context.run(task, self._stop)
            except Exception:  # a task's bug must not end the worker for the tasks after it
                log.exception("ddbkit: %s: a background task failed", self.name)

    def stop(self, timeout: float = 30.0) -> None:
        with self._wake:
            self._stop.set()
            self._tasks.clear()
            self._wake.notify_all()
            thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)


_workers: dict[str, Worker] = {}
_lock = threading.Lock()


def worker(name: str) -> Worker:
    with _lock:
        found = _workers.get(name)
        if found is None:
            found = _workers[name] = Worker(name)
        return found


_emulators = 0  # started and not stopped, in this process: they share the store and workers


def start_all() -> None:
    """Starts the workers of `KINDS` (an emulator is starting)."""
    global _emulators
    with _lock:
        _emulators += 1
    for kind in KINDS:
        worker(kind).start()


def stop_all() -> None:
    """Stops every worker when the last emulator of the process stops (another one's tasks
    go on until then); a later `submit` starts one again."""
    global _emulators
    with _lock:
        _emulators = max(0, _emulators - 1)
        found = [] if _emulators else list(_workers.values())
    for each in found:
        each.stop()

"""Ctrl-C as an event the load waits on, instead of a KeyboardInterrupt raised at random.

Python turns SIGINT into a KeyboardInterrupt in whatever code the main greenlet happens to
run (spawning users, writing a report, waiting for workers), and click turns that into
"Aborted!" and exit 1 with nothing written. A gevent signal handler only sets an event; the
run waits on it between steps, so Ctrl-C ends the run at a point where the report can still
be written. A second Ctrl-C sets the same event again: harmless.
"""

from __future__ import annotations

import signal
from types import TracebackType

import gevent
from gevent.event import Event


class CtrlC:
    """`with CtrlC() as stop:` ... `stop.wait(seconds)` returns True once Ctrl-C was pressed."""

    def __init__(self) -> None:
        self.event = Event()
        self._handler: object | None = None

    def __enter__(self) -> CtrlC:
        self._handler = gevent.signal_handler(signal.SIGINT, self.event.set)
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        if self._handler is not None:
            self._handler.cancel()  # type: ignore[attr-defined]
        # libev resets SIGINT to the default (kill) when its watcher stops; give Python's back.
        signal.signal(signal.SIGINT, signal.default_int_handler)

    @property
    def pressed(self) -> bool:
        return bool(self.event.is_set())

    def wait(self, seconds: float | None = None) -> bool:
        """Sleep up to `seconds` (None: until Ctrl-C); True if Ctrl-C ended the wait."""
        return bool(self.event.wait(seconds))

"""The time the store's time-based rules run on (stream retention, iterator expiry).

moto reads the wall clock wherever it needs the time. The rules ddbkit adds read `now()`
instead: the clock of whoever works on the store at that moment, set with `running_on(clock)`
by the request path (the server's clock, `EmulatorConfig.clock`) and by the TTL sweep (the
reaper's). It is a context variable, not a module global, because several emulators can share
one process (and moto's one store): each request runs on its own server's clock, and a test
that advances a fake clock moves no other server's time. Outside any `running_on` it is the
wall clock.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Clock = Callable[[], float]  # epoch seconds, like time.time

_clock: contextvars.ContextVar[Clock] = contextvars.ContextVar("ddbkit_store_clock",
                                                                default=time.time)


def now() -> float:
    return _clock.get()()


@contextmanager
def running_on(clock: Clock) -> Iterator[None]:
    """Store work in this block reads `clock`."""
    token = _clock.set(clock)
    try:
        yield
    finally:
        _clock.reset(token)

"""Give the memory of large request bodies back to the operating system once they are freed.

The server's thread allocates each body in pieces of up to a few hundred KB, from glibc's
arena for that thread; glibc returns freed memory to the system only from the top of a heap,
so the holes a large body leaves stay in the process. Measured: 20 connections that each sent
half of a 15 MB body took RSS from 56 to 207 MB; once they closed and Python had freed every
buffer, RSS was still 191 MB, and 56 MB after `malloc_trim(0)`. So after freeing large bodies
the server asks glibc to trim, from its periodic sweep rather than on a request's path, and
only when at least `TRIM_AFTER_BYTES` of large bodies were freed since the last time (a trim
costs well under a millisecond, but there is no reason to pay it for small requests, whose
memory the next requests reuse). Elsewhere than glibc there is no `malloc_trim`: a no-op.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable

LARGE_BODY_BYTES = 1024 * 1024  # smaller bodies' memory is reused by the next requests
TRIM_AFTER_BYTES = 1024 * 1024


def _malloc_trim() -> Callable[[int], int] | None:
    try:
        libc = ctypes.CDLL(None)
    except (OSError, TypeError):  # Windows: no process-wide symbol table to search
        return None
    trim: Callable[[int], int] | None = getattr(libc, "malloc_trim", None)
    return trim


class HeapTrimmer:
    def __init__(self, trim: Callable[[int], int] | None = None) -> None:
        self._trim = trim if trim is not None else _malloc_trim()
        self.freed = 0  # bytes of large bodies freed since the last trim
        self.trims = 0

    def body_freed(self, size: int) -> None:
        if size >= LARGE_BODY_BYTES:
            self.freed += size

    def trim_if_due(self) -> None:
        if self.freed >= TRIM_AFTER_BYTES:
            self.freed = 0
            self.trims += 1
            if self._trim is not None:
                self._trim(0)

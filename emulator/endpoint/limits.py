"""How much the HTTP server accepts from a client and how long it waits for it.

Without limits one client can hold memory and connections for as long as it likes: headers
that never end, a body sent halfway and then nothing, connections opened and left idle. The
defaults follow the production servers': nginx and uvicorn cap a request's headers (nginx's
`large_client_header_buffers` is 4 x 8 KB, h11 16 KB; ours is 64 KB, larger than any SDK's
headers), nginx gives a client 60 s to send its headers and its body
(`client_header_timeout`, `client_body_timeout`) and keeps idle connections 75 s
(`keepalive_timeout`). Ours: headers within 10 s, the body within 30 s of the headers (16 MB,
DynamoDB's largest request, is then still fine at 0.6 MB/s), idle connections closed after
60 s (botocore's pool reconnects transparently).

The header and body timeouts are deadlines for the whole phase, not pauses between reads, so
a client trickling one byte at a time cannot hold a connection (and what it sent) either.
Deadlines are checked by one sweep over the open connections every fraction of the shortest
timeout, so a request pays for no timer: it only records its phase's deadline.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import Protocol

from ddbkit.emulator.endpoint.protocol import MAX_REQUEST_BYTES
from ddbkit.emulator.errors import ConfigError

# A connection that was told to close but whose client does not read what is left to send
# is cut after this long (a closed transport otherwise waits for its buffer to drain).
CLOSE_GRACE = 5.0


@dataclass(frozen=True)
class HttpLimits:
    max_header_bytes: int = 64 * 1024
    max_body_bytes: int = MAX_REQUEST_BYTES
    header_timeout: float = 10.0  # seconds from a request's first byte to the end of its headers
    body_timeout: float = 30.0  # seconds from the end of the headers to the end of the body
    idle_timeout: float = 60.0  # seconds a kept-alive connection may wait for its next request

    def __post_init__(self) -> None:
        for limit in fields(self):
            if not getattr(self, limit.name) > 0:
                raise ConfigError(f"{limit.name} must be positive, "
                                  f"got {getattr(self, limit.name)!r}")

    @property
    def sweep_interval(self) -> float:
        """A quarter of the shortest timeout (at most 1 s): a deadline is enforced at most
        that late."""
        return min(1.0, self.header_timeout, self.body_timeout, self.idle_timeout) / 4


class Expiring(Protocol):
    deadline: float  # time.monotonic() by which the connection must have moved on

    def expire(self) -> None: ...


def expire_overdue(connections: Iterable[Expiring], now: float) -> None:
    for connection in list(connections):  # expiring one removes it from the set
        if connection.deadline <= now:
            connection.expire()


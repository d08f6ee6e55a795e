"""Keep the garbage collector from stalling the endpoint for a second at 100k+ items.

CPython's full collection walks every object the collector tracks. A store of 100k bookings
is about 3.5 million of them, so each full collection stalls every request for over a second
(measured: 400 PutItems took 1.3 s instead of 0.2 s), and one comes every few tens of
thousands of writes. Stored items hold no reference cycles: they die by reference counting
when overwritten or deleted, so the cyclic collector finds nothing among them. Every
`interval` seconds the server moves what is alive into the permanent generation
(`gc.freeze`), and the collector walks only what was allocated since. The price: cyclic
garbage that is alive at a freeze and dropped later (a closed connection's objects,
kilobytes) is never collected.
"""

from __future__ import annotations

import asyncio
import gc

FREEZE_INTERVAL = 10.0  # seconds


def freeze_survivors() -> None:
    if gc.isenabled():  # young garbage first, so it is freed rather than frozen
        gc.collect(1)
    # else a build paused the collector (`store.buckets.collector_paused`): the young
    # generation holds the millions of objects it makes, walked in one stall of seconds
    gc.freeze()


async def freeze_periodically() -> None:
    """Runs on the server's loop, so it never lands in the middle of a request."""
    while True:
        await asyncio.sleep(FREEZE_INTERVAL)
        freeze_survivors()

"""What the capacity meter needs from stored items: their images, and the admission hook.

Every operation meters itself with a `Meter` (capacity/meter.py) by AWS's rules
(capacity/rules.py), sized as DynamoDB bills (capacity/sizes.py, remembered per item by
`store.item.Item.size`): reads in operations/item_reads.py and item_pages.py, writes in
operations/writes.py and transact_write_items.py (the PartiQL operations run as the item
operations and meter as they do); TTL deletes run with no meter: they are free, as on AWS.
A write is priced by the item before and after, as the table and each index hold it:
`image` builds that from the stored item. moto's own ConsumedCapacity constants are
never used: no operation reaches moto's handler.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable, Sequence
from typing import Any

from ddbkit.emulator.capacity.meter import Charge, Image, Meter
from ddbkit.emulator.capacity.rules import IndexEntry
from ddbkit.emulator.capacity.sizes import item_size
from ddbkit.emulator.store.lsi_fetches import projected_names
from ddbkit.emulator.store.partition_keys import of_documents
from ddbkit.emulator.store.tables import Table

# Called with the charges of every metered request (of each item, in a batch); raises
# Refused to refuse them (the throughput model), and a refused write is undone. Set per
# request by the server.
Admission = Callable[[Sequence[Charge]], None]
admission: contextvars.ContextVar[Admission | None] = contextvars.ContextVar(
    "ddbkit_admission", default=None)
# The meters made on this thread since the endpoint last took them (`taken`), which /metrics
# adds up. Per thread: each server answers on a thread of its own, one request at a time.
class _Made(threading.local):
    def __init__(self) -> None:  # on each thread's first use
        self.meters: list[Meter] = []


_made = _Made()
# Meters made on any thread, ever: the endpoint reads this one global after a request and
# takes its thread's meters only when it moved, rather than look at its thread's every time.
made_total = 0


_KEPT = 10_000  # a thread no endpoint takes them on (operations called directly) keeps these


def made(meter: Meter) -> None:
    global made_total
    meters = _made.meters
    if len(meters) >= _KEPT:
        del meters[: _KEPT // 2]
    meters.append(meter)
    made_total += 1


def taken() -> list[Meter]:
    """The meters made on this thread since the last call (usually none: a meter is made only
    when a request asks for ConsumedCapacity or a throughput model runs)."""
    meters = _made.meters
    if meters:
        _made.meters = []
    return meters


def _projected(index: Any, table: Table, attrs: dict[str, Any]) -> dict[str, Any]:
    names = projected_names(table, index)
    if names is None:
        return attrs
    return {name: value for name, value in attrs.items() if name in names}


def image(table: Table, item: Any) -> Image | None:
    """The item as the table and its indexes hold it (a stored item never changes, so the
    image may share its values)."""
    if item is None:
        return None
    attrs = item.attrs
    size: int = item.size()
    entries: dict[str, IndexEntry] = {}
    for index in table.all_indexes():
        key_names = [k["AttributeName"] for k in index.schema]
        if not all(name in attrs for name in key_names):
            continue  # sparse: the item is not in this index
        stored = _projected(index, table, attrs)
        hashes = [attrs[k["AttributeName"]] for k in index.schema if k["KeyType"] == "HASH"]
        entries[index.name] = IndexEntry(tuple(attrs[name] for name in key_names), stored,
                                         size if stored is attrs else item_size(stored),
                                         of_documents(hashes))
    return Image(size, item.hash_key, entries)

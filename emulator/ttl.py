"""The TTL reaper: deletes expired items, as DynamoDB's TTL process does (moto never does).

On every table with TTL enabled, an item expires when its TTL attribute is a Number of epoch
seconds earlier than now and not more than five years in the past (AWS ignores older values,
and any non-Number). Deletes happen under the store lock in chunks of hash keys, re-reading
each item at delete time, so an item whose TTL was pushed into the future survives. They are
marked as made by the service (stream `userIdentity`) and cost the caller nothing.
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/howitworks-ttl.html
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from ddbkit.emulator.moto_ext import STORE_LOCK, dynamodb_backend
from ddbkit.emulator.moto_ext.stream_records import deletes_by_service

log = logging.getLogger(__name__)

FIVE_YEARS_SECONDS = 5 * 365 * 24 * 3600
CHUNK = 500  # hash keys swept per lock hold: requests wait at most one chunk


def is_expired(value: Any, now: float) -> bool:
    """`value` is a moto DynamoType (or None)."""
    if value is None or value.type != "N":
        return False
    try:
        expires = Decimal(value.value)
    except InvalidOperation:
        return False
    return now - FIVE_YEARS_SECONDS <= expires < now


class TtlReaper:
    def __init__(self, account_id: str, region: str, interval: float = 5.0,
                 clock: Callable[[], float] = time.time) -> None:
        self.account_id = account_id
        self.region = region
        self.interval = interval
        self.clock = clock
        self.deleted = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> dict[str, int]:
        """One sweep over every TTL-enabled table; returns items deleted per table name."""
        with STORE_LOCK:
            tables = [t for t in dynamodb_backend(self.account_id, self.region).tables.values()
                      if t.ttl.get("TimeToLiveStatus") == "ENABLED"]
        deleted = {table.name: self._sweep(table) for table in tables}
        self.deleted += sum(deleted.values())
        return deleted

    def _sweep(self, table: Any) -> int:
        attribute = table.ttl.get("AttributeName")
        with STORE_LOCK:
            hash_keys = list(table.items.keys())
        deleted = 0
        for start in range(0, len(hash_keys), CHUNK):
            with STORE_LOCK, deletes_by_service():
                now = self.clock()
                for item in list(_items_under(table, hash_keys[start:start + CHUNK])):
                    if is_expired(item.attrs.get(attribute), now):
                        table.delete_item(item.hash_key, item.range_key)
                        deleted += 1
        return deleted

    def start(self) -> TtlReaper:
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="ddbkit-ttl", daemon=True)
        self._thread.start()
        return self

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.run_once()
            except Exception:  # noqa: BLE001 - one bad sweep must not end expiry for good
                log.exception("TTL sweep failed; retrying next interval")

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None


def _items_under(table: Any, hash_keys: Iterable[Any]) -> Iterable[Any]:
    for hash_key in hash_keys:
        entry = table.items.get(hash_key)  # .get: table.items is a defaultdict
        if entry is None:
            continue
        yield from (entry.values() if table.range_key_attr else (entry,))

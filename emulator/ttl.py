"""The TTL reaper: deletes expired items, as DynamoDB's TTL process does (moto never does).

On every table with TTL enabled, an item expires when its TTL attribute is a Number of epoch
seconds earlier than now and not more than five years in the past (AWS ignores older values,
and any non-Number). The store work (chunked deletes under the store lock, marked as the
service's in the stream) is `operations/expiry.py`; TTL deletes cost the caller nothing.
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/howitworks-ttl.html
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from ddbkit.emulator.durability.journal import JournalError
from ddbkit.emulator.operations.expiry import delete_expired, ttl_tables

log = logging.getLogger(__name__)

FIVE_YEARS_SECONDS = 5 * 365 * 24 * 3600


def is_expired(value: Any, now: float) -> bool:
    """`value` is the stored value as DynamoDB JSON (or None)."""
    if not isinstance(value, dict) or not isinstance(value.get("N"), str):
        return False
    try:
        expires = Decimal(value["N"])
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
        deleted = {table.name: delete_expired(table, is_expired, self.clock)
                   for table in ttl_tables(self.account_id, self.region)}
        self.deleted += sum(deleted.values())
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
            except JournalError:
                pass  # a full disk: the chunk was undone, the journal logged why; next sweep
            except Exception:
                log.exception("TTL sweep failed; retrying next interval")

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None


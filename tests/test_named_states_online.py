"""`state save` and `state restore` while requests go on, and through kill -9 (issue 23).

A durable `ddbkit up` (a child process) holds some 20k bookings, appended to its journal as a
load would have written them. A reader's GetItems are answered while a save or a restore
runs (some between the call's start and its answer); a kill -9 at any moment of either
leaves a data dir that restarts into the old tables or the restored ones, never a mix.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from restored import restored

from ddbkit.emulator.connect.admin_client import AdminClient
from ddbkit.emulator.connect.clients import make_client
from ddbkit.emulator.durability import encoding
from ddbkit.emulator.durability.framing import frame

BOOKINGS = "marketplace-dev-bookings-table"
ITEMS = 20_000
BATCH = 1000  # items per journal record
ARGS = ("--no-seed", "--ttl-interval", "0")


def booking(key: str, status: str) -> dict[str, Any]:
    return {"bookingId": {"S": key}, "status": {"S": status}, "providerId": {"S": "p1"},
            "customerId": {"S": "c1"}, "scheduledDate": {"S": "2025-12-10T10:00:00Z"},
            "createdAt": {"S": "2025-12-01T10:00:00Z"}}


def loaded(data_dir: Path, durable_up: Any, status: str = "SAVED") -> None:
    """Provisions the tables, then appends ITEMS bookings to the journal (server stopped)."""
    durable_up(data_dir, *ARGS).start().stop()
    journal = max(data_dir.glob("journal-*.log"))
    with open(journal, "ab") as out:
        for n, start in enumerate(range(0, ITEMS, BATCH)):
            ops = [["P", BOOKINGS, booking(f"b{k}", status)]
                   for k in range(start, min(start + BATCH, ITEMS))]
            out.write(frame(encoding.dumps({"n": 1_000_000 + n, "t": time.time(),
                                            "ops": ops})))


class Reader(threading.Thread):
    """GetItem back to back on its own client; keeps (start, end, ok) of each read."""

    def __init__(self, endpoint_url: str) -> None:
        super().__init__(daemon=True)
        self.client = make_client(endpoint_url=endpoint_url)
        self.stop = threading.Event()
        self.reads: list[tuple[float, float, bool]] = []

    def run(self) -> None:
        n = 0
        while not self.stop.is_set():
            started = time.monotonic()
            found = self.client.get_item(TableName=BOOKINGS,
                                         Key={"bookingId": {"S": f"b{n % ITEMS}"}})
            self.reads.append((started, time.monotonic(), "Item" in found))
            n += 7

    def finish(self) -> list[tuple[float, float, bool]]:
        self.stop.set()
        self.join(timeout=60)
        return self.reads


def answered_during(admin: AdminClient, endpoint_url: str, operation: str) -> int:
    """How many reads were both asked and answered while the admin call ran; every read
    must succeed."""
    reader = Reader(endpoint_url)
    reader.start()
    while not reader.reads:  # the reader is under way before the call starts
        time.sleep(0.01)
    began = time.monotonic()
    admin.call(operation, Name="s")
    ended = time.monotonic()
    reads = reader.finish()
    assert all(ok for _, _, ok in reads)
    return sum(1 for start, end, _ in reads if start >= began and end <= ended)


def statuses(client: Any) -> dict[str, int]:
    found: dict[str, int] = {}
    pages = client.get_paginator("scan").paginate(TableName=BOOKINGS,
                                                  ProjectionExpression="#s",
                                                  ExpressionAttributeNames={"#s": "status"})
    for page in pages:
        for item in page["Items"]:
            found[item["status"]["S"]] = found.get(item["status"]["S"], 0) + 1
    return found


def sizes(client: Any) -> tuple[int, int, list[tuple[str, int, int]]]:
    table = client.describe_table(TableName=BOOKINGS)["Table"]
    return table["ItemCount"], table["TableSizeBytes"], sorted(
        (i["IndexName"], i["ItemCount"], i["IndexSizeBytes"])
        for i in table.get("GlobalSecondaryIndexes", []))


def test_reads_are_answered_while_a_state_is_saved_and_restored(
        tmp_path: Path, durable_up: Any) -> None:
    data_dir = tmp_path / "data"
    loaded(data_dir, durable_up)
    proc = durable_up(data_dir, *ARGS).start()
    admin = AdminClient(proc.endpoint_url)
    client = make_client(endpoint_url=proc.endpoint_url)
    figures = sizes(client)  # counted now: the save takes them as they are
    assert figures[0] == ITEMS
    assert answered_during(admin, proc.endpoint_url, "SaveState") >= 1
    client.put_item(TableName=BOOKINGS, Item=booking("b1", "CHANGED"))
    client.put_item(TableName=BOOKINGS, Item=booking("extra", "CHANGED"))
    assert answered_during(admin, proc.endpoint_url, "RestoreState") >= 1
    assert statuses(client) == {"SAVED": ITEMS}
    assert sizes(client) == figures
    assert client.get_item(TableName=BOOKINGS, Key={"bookingId": {"S": "extra"}}).get(
        "Item") is None
    proc.kill()
    proc = durable_up(data_dir, *ARGS).start()
    assert statuses(make_client(endpoint_url=proc.endpoint_url)) == {"SAVED": ITEMS}


def _kill_during(proc: Any, admin: AdminClient, operation: str, when: Any) -> bool:
    """Runs the admin call and kills the server with SIGKILL once `when()` says so; True
    when the call was answered before the kill."""
    answered = threading.Event()

    def call() -> None:
        try:
            admin.call(operation, Name="s")
            answered.set()
        except Exception:  # noqa: BLE001  # the server died under it: not acknowledged
            pass

    caller = threading.Thread(target=call, daemon=True)
    caller.start()
    deadline = time.monotonic() + 60
    while not when() and not answered.is_set() and time.monotonic() < deadline:
        time.sleep(0.001)
    proc.kill()
    caller.join(timeout=60)
    return answered.is_set()


def test_a_kill_during_a_restore_leaves_the_old_tables_or_the_restored_ones(
        tmp_path: Path, durable_up: Any) -> None:
    data_dir = tmp_path / "data"
    loaded(data_dir, durable_up)
    proc = durable_up(data_dir, *ARGS).start()
    AdminClient(proc.endpoint_url).call("SaveState", Name="s")
    proc.stop()
    moments = [lambda: True,  # at once
               lambda: bool(list(data_dir.glob("snapshot-*.snap.tmp"))),  # base being written
               lambda: False]  # after the answer
    outcomes = []
    for moment in moments:
        proc = durable_up(data_dir, *ARGS).start()
        client = make_client(endpoint_url=proc.endpoint_url)
        client.put_item(TableName=BOOKINGS, Item=booking("b0", "CHANGED"))
        client.put_item(TableName=BOOKINGS, Item=booking("extra", "CHANGED"))
        answered = _kill_during(proc, AdminClient(proc.endpoint_url), "RestoreState", moment)
        proc = durable_up(data_dir, *ARGS).start()
        found = statuses(make_client(endpoint_url=proc.endpoint_url))
        assert found in ({"SAVED": ITEMS}, {"SAVED": ITEMS - 1, "CHANGED": 2})
        if answered:
            assert found == {"SAVED": ITEMS}  # acknowledged: restored for good
        outcomes.append(found == {"SAVED": ITEMS})
        proc.stop()
    assert outcomes[-1]


def test_a_kill_during_a_save_changes_no_table_and_keeps_no_half_state(
        tmp_path: Path, durable_up: Any) -> None:
    data_dir = tmp_path / "data"
    loaded(data_dir, durable_up)
    for moment in (lambda: True, lambda: False):
        proc = durable_up(data_dir, *ARGS).start()
        _kill_during(proc, AdminClient(proc.endpoint_url), "SaveState", moment)
        proc = durable_up(data_dir, *ARGS).start()
        assert statuses(make_client(endpoint_url=proc.endpoint_url)) == {"SAVED": ITEMS}
        listed = AdminClient(proc.endpoint_url).call("ListStates")["States"]
        assert [s["Items"] for s in listed] in ([], [ITEMS])  # whole, or not there
        proc.stop()
    assert listed == [{"Name": "s", "Tables": 6, "Items": ITEMS,
                       "SizeBytes": (data_dir / "states" / "s.snap").stat().st_size}]


def test_point_in_time_history_spans_a_state_restore(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from clocked_emulator import clocked_emulator

    table = "marketplace-pitr-bookings-table"
    data_dir = tmp_path / "data"

    def as_of(client: Any, target: str, moment: float) -> list[tuple[str, str]]:
        client.restore_table_to_point_in_time(SourceTableName=table, TargetTableName=target,
                                              RestoreDateTime=datetime.fromtimestamp(moment, UTC))
        restored(client, target)
        return sorted((i["bookingId"]["S"], i["status"]["S"])
                      for i in client.scan(TableName=target)["Items"])

    with clocked_emulator(data_dir) as emulator:
        client = make_client(endpoint_url=emulator.endpoint_url)
        admin = AdminClient(emulator.endpoint_url)
        client.put_item(TableName=table, Item=booking("a", "PENDING"))
        admin.call("SaveState", Name="s")
        client.put_item(TableName=table, Item=booking("a", "CONFIRMED"))
        client.put_item(TableName=table, Item=booking("b", "PENDING"))
        emulator.advance(300)
        before = emulator.now()
        emulator.advance(300)
        admin.call("RestoreState", Name="s")
        emulator.advance(300)
        after = emulator.now()
        emulator.advance(600)
        assert as_of(client, "before", before) == [("a", "CONFIRMED"), ("b", "PENDING")]
        assert as_of(client, "after", after) == [("a", "PENDING")]
        offset = emulator.now() - time.time()
    with clocked_emulator(data_dir) as emulator:  # the history outlives a restart
        emulator.advance(offset)
        client = make_client(endpoint_url=emulator.endpoint_url)
        assert as_of(client, "before-again", before) == [("a", "CONFIRMED"), ("b", "PENDING")]
        assert as_of(client, "after-again", after) == [("a", "PENDING")]

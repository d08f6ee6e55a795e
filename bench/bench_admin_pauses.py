"""Admin operations against a steady reader: how long does a GetItem wait while one runs?

Prepares a data dir with `--items` bookings items (the seeded bookings, copied under new
keys, appended to the journal as a load would have written them: a BatchWriteItem's 25 per
record, dated as they are written), starts `ddbkit up` on it
(127.0.0.1, port 0), builds the table's indexes with one Query, then runs a reader thread
(GetItem on random stored keys, one keep-alive connection, back to back) while each admin
operation runs in turn, to its end (an export to COMPLETED, a backup to AVAILABLE, a restore
or a new GSI to ACTIVE; last, DeleteBackup of the backup and DeleteTable of a restored copy of
the table; "Scan after UpdateTable" is the first Scan after the new GSI is ACTIVE). The
point-in-time restore restores the loaded items: it first waits
(untimed, up to five minutes) for LatestRestorableDateTime to pass the load. Per operation
it prints how long the operation took, the reader's worst latency and p99 while it ran, how
many reads waited over 20 ms, how many it made and how many failed (the reads of the second
after it ends count too: a deleted table is freed then). `--idle` sets how long the reader
runs alone first, the machine's own noise to hold the rest against. Numbers,
not a pass/fail (the issue's bar: worst read under 250 ms during CreateBackup, an export and
a GSI backfill at 100k items, no failed read). A shared 2-core machine is noisy: run twice.

    .venv/bin/python bench/bench_admin_pauses.py [--items 100000] [--only CreateBackup,...]
"""

from __future__ import annotations

import argparse
import gc
import http.client
import json
import random
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
from botocore.config import Config

from ddbkit.emulator.capacity.sizes import item_size
from ddbkit.emulator.connect.admin_client import AdminClient
from ddbkit.emulator.durability import encoding
from ddbkit.emulator.durability.framing import frame
from ddbkit.emulator.process import EmulatorProcess
from ddbkit.emulator.spec import get_table

STAGE = "bench"
BOOKINGS = get_table("bookings")
TABLE = BOOKINGS.name(STAGE)
HEADERS = {"Content-Type": "application/x-amz-json-1.0",
           "Authorization": "AWS4-HMAC-SHA256 Credential=bench/20250101/us-east-1/dynamodb/"
                            "aws4_request, SignedHeaders=host, Signature=0"}
BATCH = 25  # items per journal record: a BatchWriteItem's
SLOW = 0.02  # seconds: reads that waited longer are counted
AFTER = 1.0  # seconds after an operation ends whose reads count too: what it leaves to do
# in the background (a deleted table freed) still makes requests wait


def bookings_items(count: int) -> list[dict[str, Any]]:
    from datetime import date

    from ddbkit.fixtures.options import DatasetOptions
    from ddbkit.fixtures.seed import generate_items

    base, _ = generate_items(DatasetOptions(scale=10, anchor=date(2025, 12, 4)))
    pool, key = base[BOOKINGS.key], BOOKINGS.primary.partition
    return [{**pool[n % len(pool)], key: {"S": f"{pool[n % len(pool)][key]['S']}#{n}"}}
            for n in range(count)]


def prepared(work: str, count: int) -> tuple[Path, list[dict[str, Any]], list[str]]:
    """A data dir in `work` holding `count` bookings items (`prepare`), the items and their
    keys."""
    data_dir = Path(work) / "data"
    items = bookings_items(count)
    prepare(data_dir, items)
    return data_dir, items, [item[BOOKINGS.primary.partition]["S"] for item in items]


def bench_client(url: str) -> Any:
    """A DynamoDB client of the server at `url`: no retries, and 10 minutes to answer."""
    return boto3.client("dynamodb", endpoint_url=url, region_name="us-east-1",
                        aws_access_key_id="bench", aws_secret_access_key="bench",
                        config=Config(retries={"max_attempts": 1}, read_timeout=600))


def prepare(data_dir: Path, items: list[dict[str, Any]]) -> None:
    with EmulatorProcess("--data-dir", str(data_dir), "--no-seed", "--stage", STAGE,
                         "--ttl-interval", "0", env={"DDBKIT_IN_MEMORY": ""}):
        pass  # provisions the tables
    journal = max(data_dir.glob("journal-*.log"))
    with open(journal, "ab") as out:
        for n, start in enumerate(range(0, len(items), BATCH)):
            ops = [["P", TABLE, item, item_size(item)] for item in items[start:start + BATCH]]
            out.write(frame(encoding.dumps({"n": 1_000_000 + n, "t": time.time(), "ops": ops})))


def quiet_client() -> None:
    """Keeps this process's own pauses out of the reader's numbers. Its set-up (the keys, a
    million at 1M, and boto3's models) is frozen from the cyclic collector, which walked it
    all in every full pass, the reader waiting. The switch interval is 1 ms, so the main
    thread's polling (boto3) holds the reader for at most that long."""
    gc.collect()
    gc.freeze()
    sys.setswitchinterval(0.001)


class Reader(threading.Thread):
    """GetItem back to back; keeps (start, seconds, ok) of every read."""

    def __init__(self, url: str, keys: list[str]) -> None:
        super().__init__(daemon=True)
        parts = urlsplit(url)
        self.conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=120)
        self.keys, self.stop = keys, threading.Event()
        self.reads: list[tuple[float, float, bool]] = []

    def run(self) -> None:
        rng = random.Random(7)
        headers = {**HEADERS, "X-Amz-Target": "DynamoDB_20120810.GetItem"}
        while not self.stop.is_set():
            body = json.dumps({"TableName": TABLE,
                               "Key": {BOOKINGS.primary.partition: {"S": rng.choice(self.keys)}}})
            started = time.perf_counter()
            try:
                self.conn.request("POST", "/", body, headers)
                answer = self.conn.getresponse()
                ok = answer.status == 200 and b'"Item"' in answer.read()
            except (OSError, http.client.HTTPException):  # counted; then a new connection
                ok = False
                self.conn.close()
            self.reads.append((started, time.perf_counter() - started, ok))

    def during(self, start: float, end: float) -> list[tuple[float, float, bool]]:
        return [r for r in list(self.reads) if r[0] + r[1] >= start and r[0] <= end]


def wait_for(check: Callable[[], bool], what: str, timeout: float = 900) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not finish in {timeout:.0f} s")
        time.sleep(0.05)


def settle(data_dir: Path) -> None:
    """Waits out the compaction a large prepared journal starts once the server is ready
    (its snapshot is written while requests go on, but it competes with them): its pauses
    are not the admin operations'."""
    time.sleep(2.5)  # compaction checks the journal's size once a second
    started = time.perf_counter()
    wait_for(lambda: not list(data_dir.glob("snapshot-*.snap.tmp")), "start-up compaction")
    if time.perf_counter() - started > 0.1:
        print(f"start-up compaction finished after {time.perf_counter() - started:.1f} s",
              flush=True)


def operations(client: Any, admin: AdminClient,
               state: dict[str, Any]) -> dict[str, Callable[[], None]]:
    arn = client.describe_table(TableName=TABLE)["Table"]["TableArn"]

    def status(name: str) -> str:
        return str(client.describe_table(TableName=name)["Table"]["TableStatus"])

    def create_backup() -> None:
        found = client.create_backup(TableName=TABLE, BackupName="pause")["BackupDetails"]
        state["backup"] = found["BackupArn"]
        wait_for(lambda: client.describe_backup(BackupArn=state["backup"])[
            "BackupDescription"]["BackupDetails"]["BackupStatus"] == "AVAILABLE", "backup")

    def restore_backup() -> None:
        if "backup" not in state:
            raise SystemExit("RestoreTableFromBackup restores CreateBackup's backup: "
                             "--only CreateBackup,RestoreTable")
        client.restore_table_from_backup(TargetTableName=f"{TABLE}-from-backup",
                                         BackupArn=state["backup"])
        wait_for(lambda: status(f"{TABLE}-from-backup") == "ACTIVE", "restore")

    def export() -> None:
        found = client.export_table_to_point_in_time(TableArn=arn, S3Bucket="pauses")
        export_arn = found["ExportDescription"]["ExportArn"]
        wait_for(lambda: client.describe_export(ExportArn=export_arn)["ExportDescription"][
            "ExportStatus"] != "IN_PROGRESS", "export")

    def restore_point_in_time() -> None:
        client.restore_table_to_point_in_time(SourceTableName=TABLE,
                                              TargetTableName=f"{TABLE}-pitr",
                                              RestoreDateTime=state["pitr_moment"])
        wait_for(lambda: status(f"{TABLE}-pitr") == "ACTIVE", "point-in-time restore")

    def add_gsi() -> None:
        client.update_table(
            TableName=TABLE, AttributeDefinitions=[{"AttributeName": "pauseKey",
                                                    "AttributeType": "S"},
                                                   {"AttributeName": "status",
                                                    "AttributeType": "S"}],
            GlobalSecondaryIndexUpdates=[{"Create": {
                "IndexName": "pause-index",
                "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"}}}])

        def active() -> bool:
            table = client.describe_table(TableName=TABLE)["Table"]
            return all(i["IndexStatus"] == "ACTIVE" for i in table["GlobalSecondaryIndexes"])
        wait_for(active, "GSI backfill")

    def delete_backup() -> None:
        if "backup" not in state:
            raise SystemExit("DeleteBackup deletes CreateBackup's backup: "
                             "--only CreateBackup,DeleteBackup")
        client.delete_backup(BackupArn=state["backup"])

    def delete_table() -> None:
        """The table the backup's restore made (a copy of the loaded items), or else the
        point-in-time restore's."""
        names = client.list_tables()["TableNames"]
        victim = next((n for n in (f"{TABLE}-from-backup", f"{TABLE}-pitr") if n in names),
                      None)
        if victim is None:
            raise SystemExit("DeleteTable deletes a restored table: --only "
                             "CreateBackup,RestoreTableFromBackup,DeleteTable")
        client.delete_table(TableName=victim)
        wait_for(lambda: victim not in client.list_tables()["TableNames"], "DeleteTable")

    return {"CreateBackup": create_backup, "RestoreTableFromBackup": restore_backup,
            "ExportTableToPointInTime": export,
            "RestoreTableToPointInTime": restore_point_in_time,
            "UpdateTable (new GSI)": add_gsi,
            "Scan after UpdateTable": lambda: client.scan(TableName=TABLE, Limit=1) and None,
            "state save": lambda: admin.call("SaveState", Name="pause") and None,
            "state restore": lambda: admin.call("RestoreState", Name="pause") and None,
            "DeleteBackup": delete_backup, "DeleteTable (restored)": delete_table}


def pitr_window(client: Any, loaded_at: float, state: dict[str, Any]) -> None:
    """Untimed set-up of the point-in-time restore: LatestRestorableDateTime is now minus
    five minutes, as on AWS, so the restore can reach the loaded items only once that has
    passed the load; waits for it (up to five minutes), then restores to that moment."""
    def latest() -> Any:
        return client.describe_continuous_backups(TableName=TABLE)[
            "ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"][
            "LatestRestorableDateTime"]
    waited = time.perf_counter()
    wait_for(lambda: latest().timestamp() > loaded_at + 1, "the load in the PITR window", 400)
    state["pitr_moment"] = latest()
    print(f"  (waited {time.perf_counter() - waited:.0f} s for the load to be restorable)",
          flush=True)


def report(name: str, begun: float, seconds: float,
           reads: list[tuple[float, float, bool]]) -> None:
    """One line; `at` is when the worst read began, in seconds from the operation's start
    (negative: it began before), to tell the operation's phases apart; "over 20 ms" counts
    the reads that waited longer (how often, where the worst says how long)."""
    waits = sorted(r[1] for r in reads)
    failed = sum(1 for r in reads if not r[2])
    worst = waits[-1] * 1000 if waits else float("nan")
    p99 = waits[int(len(waits) * 0.99)] * 1000 if waits else float("nan")
    at = max(reads, key=lambda r: r[1])[0] - begun if reads else float("nan")
    slow = sum(1 for wait in waits if wait > SLOW)
    print(f"  {name:28} took {seconds:7.2f} s   reader worst {worst:8.1f} ms (at {at:+7.2f} s)"
          f"  p99 {p99:6.1f} ms  over {SLOW * 1000:.0f} ms {slow:5d}  reads {len(reads):6d}"
          f"  failed {failed}", flush=True)


def snapshot_pause(data_dir: Path, keys: list[str]) -> None:
    """A restart with a 1 MB journal limit: the background compaction writes a snapshot of
    every table while the reader runs (started at the ready line)."""
    before = set(data_dir.glob("snapshot-*.snap"))
    with EmulatorProcess("--data-dir", str(data_dir), "--no-seed", "--stage", STAGE,
                         "--ttl-interval", "0", "--journal-max-mb", "1", startup_timeout=600,
                         env={"DDBKIT_IN_MEMORY": ""}) as proc:
        quiet_client()
        reader = Reader(proc.endpoint_url, keys)
        begun = time.perf_counter()
        reader.start()
        wait_for(lambda: bool(set(data_dir.glob("snapshot-*.snap")) - before), "snapshot")
        report("snapshot (compaction)", begun, time.perf_counter() - begun,
               reader.during(begun, time.perf_counter()))
        reader.stop.set()
        reader.join()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--only", default="", help="comma-separated operation names "
                        "(prefixes), or snapshot")
    parser.add_argument("--idle", type=float, default=1.0, help="seconds the reader runs "
                        "alone first: the machine's own noise, to hold the operations' against")
    args = parser.parse_args()
    # SIGTERM unwinds like Ctrl-C: the server is stopped and the scratch dir removed
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    with tempfile.TemporaryDirectory(prefix="ddbkit-pauses-") as work:
        data_dir, items, keys = prepared(work, args.items)
        loaded_at = time.time()
        del items
        chosen = [n for n in args.only.split(",") if n]
        if not chosen or "snapshot" in chosen:  # first: only the prepared journal, with no
            snapshot_pause(data_dir, keys)      # snapshot yet, is big enough to start one
        started = time.perf_counter()
        with EmulatorProcess("--data-dir", str(data_dir), "--no-seed", "--stage", STAGE,
                             "--ttl-interval", "0", "--s3-dir", str(Path(work) / "s3"),
                             startup_timeout=600, env={"DDBKIT_IN_MEMORY": ""}) as proc:
            print(f"{args.items} bookings items; ready in {time.perf_counter() - started:.2f} s",
                  flush=True)
            client = bench_client(proc.endpoint_url)
            first = time.perf_counter()
            client.scan(TableName=TABLE, Limit=1)  # builds the Scan's key order
            print(f"first Scan after start-up: {(time.perf_counter() - first) * 1000:.0f} ms",
                  flush=True)
            settle(data_dir)
            # a 1M-item state's save outlasts the CLI's 120 s on a loaded machine
            admin = AdminClient(proc.endpoint_url, aws_config=False, timeout=1800)
            quiet_client()
            reader = Reader(proc.endpoint_url, keys)
            reader.start()
            time.sleep(args.idle)
            idle = time.perf_counter() - args.idle
            report("(idle)", idle, args.idle, reader.during(idle, time.perf_counter()))
            state: dict[str, Any] = {}
            for name, run in operations(client, admin, state).items():
                if chosen and not any(name.startswith(c) for c in chosen):
                    continue
                if name == "RestoreTableToPointInTime":
                    pitr_window(client, loaded_at, state)
                begun = time.perf_counter()
                run()
                ended = time.perf_counter()
                time.sleep(AFTER)
                report(name, begun, ended - begun, reader.during(begun, ended + AFTER))
            reader.stop.set()
            reader.join()


if __name__ == "__main__":
    sys.exit(main())

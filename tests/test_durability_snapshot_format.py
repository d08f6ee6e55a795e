"""Snapshot format 3: pickled item chunks and each table's figures, and format 2 still read.

Real `ddbkit up` processes and boto3. A first start writes a snapshot (a tiny journal
limit), a second writes over it (puts, overwrites, deletes: journal only), a third restores
both. DescribeTable's figures after a restart equal a Scan's count and the figures before it,
for the table and for indexes projecting ALL, INCLUDE and KEYS_ONLY. A snapshot rewritten in
format 2 (JSON item chunks, no figures) restores the same; a chunk naming code is damage.
"""

from __future__ import annotations

import io
import pickle
from pathlib import Path
from typing import Any

from test_durability import fingerprint, up_once, wait_for

from ddbkit.emulator.connect.clients import make_client
from ddbkit.emulator.durability import encoding, index_sections, item_chunks
from ddbkit.emulator.durability.framing import frame, read_frames

TABLE = "figures"
INDEXES = {"all": {"ProjectionType": "ALL"}, "keys": {"ProjectionType": "KEYS_ONLY"},
           "some": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["note"]}}


def create(client: Any) -> None:
    client.create_table(
        TableName=TABLE, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                   {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": t}
                              for n, t in (("pk", "S"), ("sk", "N"), ("g", "S"), ("b", "B"))],
        GlobalSecondaryIndexes=[
            {"IndexName": name, "Projection": projection,
             "KeySchema": [{"AttributeName": "b" if name == "keys" else "g",
                            "KeyType": "HASH"}]}
            for name, projection in INDEXES.items()])


def item(n: int, round_: int) -> dict[str, Any]:
    found: dict[str, Any] = {"pk": {"S": f"p{n % 7}"}, "sk": {"N": str(n)},
                             "note": {"S": "x" * (n % 13 + round_)},
                             "state": {"S": ("NEW", "OLD")[n % 2]}}
    if n % 3:
        found["g"] = {"S": f"g{n % 5}"}  # sparse: only some items are in the indexes
    if n % 4:
        found["b"] = {"B": bytes([n % 256, 0])}
    return found


def figures(client: Any) -> dict[str, Any]:
    table = client.describe_table(TableName=TABLE)["Table"]
    return {"table": (table["ItemCount"], table["TableSizeBytes"]),
            **{index["IndexName"]: (index["ItemCount"], index["IndexSizeBytes"])
               for index in table["GlobalSecondaryIndexes"]}}


def scanned(client: Any, index: str | None = None) -> list[Any]:
    extra = {"IndexName": index} if index else {}
    pages = client.get_paginator("scan").paginate(TableName=TABLE, **extra)
    return [found for page in pages for found in page["Items"]]


def served(client: Any) -> dict[str, Any]:
    """Every figure, checked against a Scan's count, and every item."""
    found = figures(client)
    assert found["table"][0] == len(scanned(client))
    for name in INDEXES:
        assert found[name][0] == len(scanned(client, name)), name
    return {"figures": found, "items": sorted(scanned(client), key=repr)}


def holds_items(data_dir: Path) -> bool:
    for path in data_dir.glob("snapshot-*.snap"):
        try:
            if item_chunks.PICKLED + TABLE.encode() + b"\x00" in path.read_bytes():
                return True
        except FileNotFoundError:  # an older one, just replaced
            pass
    return False


def snapshotted(durable_up: Any, data_dir: Path) -> dict[str, Any]:
    """A data dir with a snapshot of the first round and a journal of the second over it;
    what the server served before stopping."""
    proc = durable_up(data_dir, "--no-seed", "--journal-max-mb", "0.001").start()
    client = make_client(endpoint_url=proc.endpoint_url)
    create(client)
    for n in range(60):
        client.put_item(TableName=TABLE, Item=item(n, 0))
    wait_for(lambda: holds_items(data_dir), "a snapshot holding the table's items")
    proc.stop()
    proc = durable_up(data_dir, "--no-seed").start()
    client = make_client(endpoint_url=proc.endpoint_url)
    figures(client)
    for n in range(40, 90):  # overwrites (sized otherwise) and new items
        client.put_item(TableName=TABLE, Item=item(n, 1))
    for n in range(0, 30, 4):
        client.delete_item(TableName=TABLE, Key={"pk": item(n, 0)["pk"], "sk": item(n, 0)["sk"]})
    before = served(client)
    proc.stop()
    return before


def restored(durable_up: Any, data_dir: Path) -> dict[str, Any]:
    proc = durable_up(data_dir, "--no-seed").start()
    try:
        return served(make_client(endpoint_url=proc.endpoint_url))
    finally:
        proc.stop()


def snapshot_path(data_dir: Path) -> Path:
    return max(data_dir.glob("snapshot-*.snap"))


def rewrite(path: Path, change: Any) -> None:
    """The snapshot with each record payload passed through `change` (None: dropped)."""
    raw = path.read_bytes()
    with open(path, "rb") as stream:
        payloads = list(read_frames(stream, len(raw)))
    path.write_bytes(b"".join(frame(new) for p in payloads if (new := change(p)) is not None))


def test_figures_after_a_restart_from_snapshot_and_journal_equal_a_scans(
        durable_up: Any, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    before = snapshotted(durable_up, data_dir)
    raw = snapshot_path(data_dir).read_bytes()
    assert item_chunks.PICKLED in raw and b'"figures":"figures"' in raw
    assert restored(durable_up, data_dir) == before


def as_format2(payload: bytes) -> bytes | None:
    if payload.startswith(item_chunks.PICKLED):
        name, images = item_chunks.decode(payload)
        return item_chunks.JSON_ITEMS + encoding.dumps(name) + b',"images":' + \
            encoding.dumps(images) + b"}"
    if index_sections.is_section(payload):
        return None  # format 2 kept no indexes: the first Query builds them
    record = encoding.loads(payload)
    if "figures" in record:
        return None  # format 2 kept none: the first describe counts
    if "format" in record:
        record["format"] = "ddbkit-snapshot/2"
    return encoding.dumps(record)


def unsized(payload: bytes, stripped: list[int]) -> bytes:
    """A journal record as before puts kept their item's size."""
    record = encoding.loads(payload)
    for op in record.get("ops", ()):
        if op[0] == "P":
            stripped.append(op.pop(3))
    return encoding.dumps(record)


def test_a_format2_snapshot_and_a_journal_without_sizes_are_still_read(
        durable_up: Any, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    before = snapshotted(durable_up, data_dir)
    rewrite(snapshot_path(data_dir), as_format2)
    raw = snapshot_path(data_dir).read_bytes()
    assert item_chunks.PICKLED not in raw and b'"$b"' in raw  # binary values tagged
    stripped: list[int] = []
    rewrite(max(data_dir.glob("journal-*.log")), lambda payload: unsized(payload, stripped))
    assert len(stripped) >= 50 and all(type(size) is int for size in stripped)
    (data_dir / "journal.synced").unlink()  # it names the sizes the rewrite changed
    assert restored(durable_up, data_dir) == before


class Named:
    """Any class: a chunk that names one is code, not item data."""


def test_a_chunk_naming_code_is_refused_as_damage(durable_up: Any, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    snapshotted(durable_up, data_dir)
    path = snapshot_path(data_dir)

    def poisoned(payload: bytes) -> bytes:
        if not payload.startswith(item_chunks.PICKLED):
            return payload
        out = io.BytesIO()
        pickle.Pickler(out, protocol=5).dump([{"pk": Named()}])
        return payload[:payload.index(b"\x00", len(item_chunks.PICKLED)) + 1] + out.getvalue()

    rewrite(path, poisoned)
    before = fingerprint(data_dir)
    result = up_once(data_dir, "--no-seed")
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"{path.name} is damaged" in result.stderr
    assert "not item data" in result.stderr
    assert fingerprint(data_dir) == before

"""A state's index sections in pieces (issue 23): no single pickle of a whole table's indexes.

A partition larger than a piece (20k bookings of one status in status-index) is written over
several sections and put back together when read: the restored state answers a Query on it
exactly as the saved one did, and its indexes are installed from the file, not built again.
A state file of the format before the pieces (one section holding the whole image) is still
read the same way.
"""

from __future__ import annotations

import io
import pickle
from pathlib import Path
from typing import Any

from test_named_states_online import ARGS, BOOKINGS, ITEMS, booking, loaded

from ddbkit.emulator.connect.admin_client import AdminClient
from ddbkit.emulator.connect.clients import make_client
from ddbkit.emulator.durability import index_sections
from ddbkit.emulator.durability.framing import frame, read_frames
from ddbkit.emulator.durability.replay import Replayer
from ddbkit.emulator.durability.snapshot import apply_snapshot_record, read_snapshot


def by_status(client: Any, status: str) -> list[str]:
    pages = client.get_paginator("query").paginate(
        TableName=BOOKINGS, IndexName="status-index",
        KeyConditionExpression="#s = :s", ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":s": {"S": status}})
    return [item["bookingId"]["S"] for page in pages for item in page["Items"]]


def payloads(path: Path) -> list[bytes]:
    raw = path.read_bytes()
    return list(read_frames(io.BytesIO(raw), len(raw)))


def installed(path: Path) -> bool:
    """Whether reading the state file installs the bookings table's indexes (rather than
    leaving them to be built before it serves)."""
    tables: dict[str, Any] = {}
    replayer = Replayer(tables)
    records = read_snapshot(iter(payloads(path)))
    next(records)
    for record in records:
        apply_snapshot_record(replayer, record)
    return tables[BOOKINGS].index_set is not None


def as_one_section(path: Path) -> None:
    """The state file as written before the pieces: each table's image in one section."""
    pieces, kept = index_sections.Pieces(), []
    for payload in payloads(path):
        if index_sections.is_section(payload):
            assert pieces.add(*index_sections.decode(payload))
            continue
        whole = pieces.done()
        if whole is not None:
            kept.append(index_sections.SECTION + whole[0].encode() + b"\x00"
                        + pickle.dumps(whole[1], protocol=5))
        kept.append(payload)
    path.write_bytes(b"".join(frame(payload) for payload in kept))


def restored_state(data_dir: Path, durable_up: Any) -> list[str]:
    """Changes the bookings, restores state "s" and answers the Query for SAVED."""
    proc = durable_up(data_dir, *ARGS).start()
    client = make_client(endpoint_url=proc.endpoint_url)
    client.put_item(TableName=BOOKINGS, Item=booking("b1", "CHANGED"))
    client.delete_item(TableName=BOOKINGS, Key={"bookingId": {"S": "b2"}})
    AdminClient(proc.endpoint_url).call("RestoreState", Name="s")
    found = by_status(client, "SAVED")
    proc.stop()
    return found


def saved_state(tmp_path: Path, durable_up: Any) -> tuple[Path, list[str], Path]:
    """A data dir loaded with ITEMS bookings, saved as state "s": (data dir, the SAVED
    bookings' ids as the GSI answers them, the state file)."""
    data_dir = tmp_path / "data"
    loaded(data_dir, durable_up)
    proc = durable_up(data_dir, *ARGS).start()
    saved = by_status(make_client(endpoint_url=proc.endpoint_url), "SAVED")
    AdminClient(proc.endpoint_url).call("SaveState", Name="s")
    proc.stop()
    return data_dir, saved, data_dir / "states" / "s.snap"


def test_a_state_with_a_partition_over_many_sections_is_restored_whole(
        tmp_path: Path, durable_up: Any) -> None:
    data_dir, saved, state = saved_state(tmp_path, durable_up)
    assert len(saved) == ITEMS
    pieces = [index_sections.decode(p)[1] for p in payloads(state)
              if index_sections.is_section(p) and p.startswith(
                  index_sections.SECTION + BOOKINGS.encode() + b"\x00")]
    in_status = [p for p in pieces if p.get("piece") == "status-index"]
    assert len(in_status) >= ITEMS // index_sections.PIECE_ENTRIES  # the one partition, split
    assert installed(state)
    assert restored_state(data_dir, durable_up) == saved


def test_a_state_written_before_the_pieces_is_still_restored(
        tmp_path: Path, durable_up: Any) -> None:
    data_dir, saved, state = saved_state(tmp_path, durable_up)
    as_one_section(state)
    assert not any("piece" in index_sections.decode(p)[1] or "pieces" in
                   index_sections.decode(p)[1]
                   for p in payloads(state) if index_sections.is_section(p))
    assert installed(state)
    assert restored_state(data_dir, durable_up) == saved

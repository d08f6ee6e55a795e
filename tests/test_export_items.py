"""An export's writer reads a table's item map whole, in parts, and logs its progress on the
way (a 1M-item export once stopped at its first progress line: the map has no len() of its
values)."""

from __future__ import annotations

import logging
import threading

import pytest

from ddbkit.emulator.operations import export_jobs
from ddbkit.emulator.store.item import Item
from ddbkit.emulator.store.item_map import PART, ItemMap


def test_the_writer_reads_every_item_and_logs_its_progress(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(export_jobs, "PROGRESS_EVERY", 2_000)  # a line every 2,000 keys
    count = PART * 2 + 10
    stored = (Item.of({"pk": {"S": f"k{n}"}, "v": {"N": str(n)}}, "pk", None)
              for n in range(count))
    items = ItemMap((item.hash_key, item) for item in stored)
    with caplog.at_level(logging.WARNING, logger="ddbkit"):
        written = list(export_jobs._wire_items("arn:export", items, False, threading.Event()))
    assert [image["pk"]["S"] for image in written] == [f"k{n}" for n in range(count)]
    assert f"32000 of {count} keys written" in caplog.text

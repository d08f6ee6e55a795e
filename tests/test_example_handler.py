"""The example handler, wired as a trigger on a seeded emulator, keeps provider counts right."""

from __future__ import annotations

import time
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

from ddbkit.emulator.endpoint.server import ServerConfig
from ddbkit.emulator.runtime import Emulator, EmulatorConfig
from ddbkit.emulator.streams.triggers import TriggerConfig
from ddbkit.fixtures.options import DatasetOptions
from ddbkit.fixtures.seed import generate_items, seed_endpoint

REPO = Path(__file__).resolve().parents[1]


def test_booking_summary_tracks_seed_data_and_later_changes(tmp_path: Path) -> None:
    trigger = TriggerConfig(table="bookings", handler="ddbkit.examples.booking_summary:handler",
                            report_batch_item_failures=True, maximum_retry_attempts=2,
                            code_paths=(str(REPO),))
    config = EmulatorConfig(server=ServerConfig(port=0), stage="example", ttl_interval=0,
                            triggers=(trigger,), state_dir=tmp_path)
    with Emulator(config) as emulator:
        client = emulator.client()
        items, _ = generate_items(DatasetOptions(anchor=date(2025, 12, 4)))
        seed_endpoint(client, items, "example", show_progress=False)
        booking = items["bookings"][0]
        client.update_item(TableName="marketplace-example-bookings-table",
                           Key={"bookingId": booking["bookingId"]},
                           UpdateExpression="SET #s = :s", ExpressionAttributeNames={"#s": "status"},
                           ExpressionAttributeValues={":s": {"S": "CANCELLED"}})
        poller = emulator.pollers[0]
        deadline = time.monotonic() + 60
        while poller.delivered < len(items["bookings"]) + 1 and time.monotonic() < deadline:
            time.sleep(0.1)
        providers = {p["providerId"]["S"]: p for p in client.scan(
            TableName="marketplace-example-providers-table")["Items"]}
        bookings = client.scan(TableName="marketplace-example-bookings-table")["Items"]

    per_provider = Counter(b["providerId"]["S"] for b in bookings)
    cancelled = Counter(b["providerId"]["S"] for b in bookings if b["status"]["S"] == "CANCELLED")
    for provider_id, provider in providers.items():
        assert _n(provider, "bookingCount") == per_provider[provider_id]
        assert _n(provider, "cancelledBookings") == cancelled[provider_id]
    assert poller.failed == 0


def _n(item: dict[str, Any], name: str) -> int:
    return int(item.get(name, {"N": "0"})["N"])

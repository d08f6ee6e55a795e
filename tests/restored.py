"""Waiting for a restore's table: restores answer it CREATING and fill it off the request path
(`emulator/operations/restore_jobs.py`), as DynamoDB does; it turns ACTIVE when ready."""

from __future__ import annotations

import time
from typing import Any


def restored(client: Any, name: str, seconds: float = 120) -> dict[str, Any]:
    """The table's description once ACTIVE (AssertionError after `seconds`)."""
    deadline = time.monotonic() + seconds
    while True:
        table: dict[str, Any] = client.describe_table(TableName=name)["Table"]
        if table["TableStatus"] == "ACTIVE":
            return table
        assert time.monotonic() < deadline, f"the restore of {name} did not finish"
        time.sleep(0.02)

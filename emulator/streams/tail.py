"""`ddbkit tail`: one compact line per stream record (event, keys, what changed)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

from ddbkit.emulator.streams.reader import StartingPosition, StreamFollower, lambda_record

MAX_SHOWN = 60  # characters of one attribute value in a compact line


def show_value(value: dict[str, Any]) -> str:
    (kind, inner), = value.items()
    text = str(inner) if kind in ("S", "N") else json.dumps(inner, default=str)
    return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN - 1] + "…"


def compact_line(record: dict[str, Any]) -> str:
    data = record["dynamodb"]
    when = data["ApproximateCreationDateTime"]
    stamp = when.strftime("%H:%M:%S") if hasattr(when, "strftime") else str(when)
    keys = " ".join(f"{k}={show_value(v)}" for k, v in sorted(data["Keys"].items()))
    old, new = data.get("OldImage", {}), data.get("NewImage", {})
    changes = []
    for name in sorted(set(old) | set(new)):
        if name in data["Keys"] or old.get(name) == new.get(name):
            continue
        if name not in old:
            changes.append(f"+{name}={show_value(new[name])}")
        elif name not in new:
            changes.append(f"-{name}")
        else:
            changes.append(f"~{name}: {show_value(old[name])} -> {show_value(new[name])}")
    if record["eventName"] == "REMOVE":
        changes = ["(expired: TTL)"] if record.get("userIdentity") else []
    return "  ".join(filter(None, [stamp, f"{record['eventName']:<6}", keys, " ".join(changes)]))


def follow(streams: Any, stream_arn: str, start: StartingPosition, *,
           max_records: int | None = None, idle_timeout: float | None = None,
           poll_interval: float = 0.25,
           sleep: Callable[[float], None] = time.sleep) -> Iterator[dict[str, Any]]:
    """Records as they arrive; ends after `max_records`, or `idle_timeout` s with none."""
    follower = StreamFollower(streams, stream_arn, start)
    seen, idle_since = 0, time.monotonic()
    while max_records is None or seen < max_records:
        batch = follower.read(100 if max_records is None else min(100, max_records - seen))
        for _, record in batch:
            seen += 1
            yield record
        if batch:
            idle_since = time.monotonic()
        elif idle_timeout is not None and time.monotonic() - idle_since >= idle_timeout:
            return
        else:
            sleep(poll_interval)


def json_line(record: dict[str, Any], stream_arn: str) -> str:
    return json.dumps(lambda_record(record, stream_arn), sort_keys=True)

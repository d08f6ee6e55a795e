"""What a response says it consumed, per table and per GSI, and what a throttle says.

The load asks for `ReturnConsumedCapacity: INDEXES` on every request. AWS then answers with
one `ConsumedCapacity` (a list for batch and transaction calls), each naming its table with
`CapacityUnits`, `ReadCapacityUnits` / `WriteCapacityUnits`, and the split into `Table`,
`GlobalSecondaryIndexes` and `LocalSecondaryIndexes`:
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_ConsumedCapacity.html
Read/Write figures may be absent (only `CapacityUnits`): the operation then says which.

Targets are named `TABLE` or `TABLE/INDEX` with the spec's short table name (`bookings`,
`bookings/status-index`), whatever the stage.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ddbkit.emulator.spec import TABLE_NAME_PATTERN, TABLES

READ_OPERATIONS = frozenset({"GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"})
# DynamoDB's throttling answers (`__type` after '#'); RequestLimitExceeded is the account's.
THROTTLE_CODES = frozenset({"ProvisionedThroughputExceededException", "ThrottlingException",
                            "RequestLimitExceeded"})
_PREFIX, _, _rest = TABLE_NAME_PATTERN.partition("{stage}")
_SUFFIX = _rest.partition("{key}")[2]
_KEYS = {t.key for t in TABLES}


@dataclass(frozen=True)
class Units:
    """Request units one response consumed on one table or index."""

    target: str
    read: float
    write: float


def table_key(name: str) -> str:
    """`marketplace-dev-bookings-table` -> `bookings`; a table the spec lacks keeps its name."""
    if name.startswith(_PREFIX) and name.endswith(_SUFFIX):
        middle = name[len(_PREFIX):len(name) - len(_SUFFIX)]
        for key in _KEYS:
            if middle.endswith(f"-{key}"):
                return key
    return name


def target_name(table: str, index: str | None) -> str:
    return f"{table}/{index}" if index else table


def consumed_units(operation: str, capacity: Any) -> list[Units]:
    """Every table's and index's units in a `ConsumedCapacity` (dict or list); a TOTAL-only
    answer counts on its table."""
    entries = capacity if isinstance(capacity, list) else [capacity] if capacity else []
    reading = operation in READ_OPERATIONS
    units: list[Units] = []
    for entry in entries:
        if not isinstance(entry, dict) or "TableName" not in entry:
            continue
        table = table_key(str(entry["TableName"]))
        parts = [(table, entry["Table"])] if isinstance(entry.get("Table"), dict) else []
        for kind in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
            for index, part in (entry.get(kind) or {}).items():
                parts.append((target_name(table, index), part))
        if not parts:
            parts = [(table, entry)]
        units += [Units(target, *_read_write(part, reading)) for target, part in parts]
    return [u for u in units if u.read or u.write]


def _read_write(part: dict[str, Any], reading: bool) -> tuple[float, float]:
    read, write = part.get("ReadCapacityUnits"), part.get("WriteCapacityUnits")
    if read is None and write is None:
        total = float(part.get("CapacityUnits", 0.0))
        return (total, 0.0) if reading else (0.0, total)
    return float(read or 0.0), float(write or 0.0)


def throttle_reasons(answer: dict[str, Any]) -> list[str]:
    """A throttle's `ThrottlingReasons` as `reason on resource` (the resource's table part);
    `unspecified` when the answer names none (older endpoints, `ThrottlingException`)."""
    reasons = []
    # ProvisionedThroughputExceededException's member is ThrottlingReasons,
    # ThrottlingException's throttlingReasons (botocore's model of DynamoDB).
    for reason in answer.get("ThrottlingReasons") or answer.get("throttlingReasons") or []:
        if isinstance(reason, dict):
            resource = _resource_target(str(reason.get("resource", "")))
            named = str(reason.get("reason", "unspecified"))
            reasons.append(f"{named} on {resource}" if resource else named)
    return reasons or ["unspecified"]


def _resource_target(arn: str) -> str:
    """`arn:...:table/marketplace-dev-bookings-table/index/status-index` ->
    `bookings/status-index`."""
    path = arn.rpartition(":table/")[2]
    table, _, index = path.partition("/index/")
    return target_name(table_key(table), index or None) if table else ""

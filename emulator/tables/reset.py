"""Empty the spec's tables through the public API (works on any endpoint)."""

from __future__ import annotations

from typing import Any

from ddbkit.emulator.connect.clients import endpoint_of, translate_errors
from ddbkit.emulator.spec import DEFAULT_STAGE, TABLES

_BATCH = 25  # BatchWriteItem's limit per call


def clear_tables(client: Any, stage: str = DEFAULT_STAGE) -> int:
    """Delete every item of every spec table; returns how many were deleted."""
    deleted = 0
    with translate_errors(endpoint_of(client)):
        for spec in TABLES:
            name = spec.name(stage)
            names = {f"#k{i}": a for i, a in enumerate(spec.primary.attributes)}
            keys: list[dict[str, Any]] = []
            for page in client.get_paginator("scan").paginate(
                    TableName=name, ProjectionExpression=", ".join(names),
                    ExpressionAttributeNames=names):
                keys.extend(page["Items"])
            for start in range(0, len(keys), _BATCH):
                requests = [{"DeleteRequest": {"Key": k}} for k in keys[start:start + _BATCH]]
                _write_all(client, {name: requests})
            deleted += len(keys)
    return deleted


def _write_all(client: Any, request_items: dict[str, Any]) -> None:
    while request_items:
        request_items = client.batch_write_item(RequestItems=request_items).get(
            "UnprocessedItems") or {}

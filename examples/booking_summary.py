"""Example stream handler: keep a per-provider booking summary current.

Wire it to the bookings stream:

    ddbkit up --trigger bookings=ddbkit.examples.booking_summary:handler

For every booking record it adjusts counters on the booking's provider item:
`bookingCount` (bookings that exist), and `activeBookings` / `completedBookings` /
`cancelledBookings` by status. A Lambda with ReportBatchItemFailures gets back the
records whose update failed, so only those are retried.

Like a Lambda function it builds its client once, from the environment (ddbkit passes the
endpoint, region and credentials), and derives the providers table from the stream's ARN,
so the same code runs on any stage.
"""

from __future__ import annotations

from typing import Any

import boto3

BUCKETS = {"PENDING": "activeBookings", "CONFIRMED": "activeBookings",
           "IN_PROGRESS": "activeBookings", "COMPLETED": "completedBookings",
           "CANCELLED": "cancelledBookings"}

_dynamodb = None


def _client() -> Any:
    global _dynamodb
    if _dynamodb is None:
        _dynamodb = boto3.client("dynamodb")
    return _dynamodb


def providers_table(event_source_arn: str) -> str:
    # arn:aws:dynamodb:REGION:ACCOUNT:table/marketplace-STAGE-bookings-table/stream/LABEL
    bookings_table = event_source_arn.split("/")[1]
    return bookings_table.replace("-bookings-table", "-providers-table")


def deltas(record: dict[str, Any]) -> dict[str, dict[str, int]]:
    """Counter changes per providerId for one stream record."""
    data = record["dynamodb"]
    changes: dict[str, dict[str, int]] = {}

    def add(image: dict[str, Any] | None, sign: int) -> None:
        if not image or "providerId" not in image:
            return
        counters = changes.setdefault(image["providerId"]["S"], {})
        counters["bookingCount"] = counters.get("bookingCount", 0) + sign
        bucket = BUCKETS.get(image.get("status", {}).get("S", ""))
        if bucket:
            counters[bucket] = counters.get(bucket, 0) + sign

    add(data.get("OldImage"), -1)
    add(data.get("NewImage"), +1)
    return {p: {k: v for k, v in c.items() if v} for p, c in changes.items()
            if any(c.values())}


def apply(table: str, provider_id: str, counters: dict[str, int]) -> None:
    names = {f"#c{i}": name for i, name in enumerate(counters)}
    values = {f":v{i}": {"N": str(v)} for i, v in enumerate(counters.values())}
    _client().update_item(
        TableName=table, Key={"providerId": {"S": provider_id}},
        UpdateExpression="ADD " + ", ".join(f"#c{i} :v{i}" for i in range(len(counters))),
        ConditionExpression="attribute_exists(providerId)",  # never invent a provider
        ExpressionAttributeNames=names, ExpressionAttributeValues=values)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    failures = []
    for record in event["Records"]:
        try:
            table = providers_table(record["eventSourceARN"])
            for provider_id, counters in deltas(record).items():
                apply(table, provider_id, counters)
        except _client().exceptions.ConditionalCheckFailedException:
            continue  # a booking for a provider that does not exist: nothing to count
        except Exception:  # noqa: BLE001 - report it; Lambda retries just this record
            failures.append({"itemIdentifier": record["dynamodb"]["SequenceNumber"]})
    return {"batchItemFailures": failures}

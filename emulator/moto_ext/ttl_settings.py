"""UpdateTimeToLive and DescribeTimeToLive as DynamoDB answers them.

Replaces `moto.dynamodb.models.DynamoDBBackend.update_time_to_live` and
`describe_time_to_live`, which
- accept enabling TTL that is already enabled and disabling it when it is off (DynamoDB:
  ValidationException "TimeToLive is already enabled" / "... disabled", nothing changes);
- keep the attribute name after TTL is disabled (DynamoDB's description of disabled TTL is
  just `{"TimeToLiveStatus": "DISABLED"}`);
- answer an unknown table with the error type "ResourceNotFound" (DynamoDB:
  ResourceNotFoundException) and a missing field with "InvalidParameterValue".
"""

from __future__ import annotations

from typing import Any

from moto.dynamodb.exceptions import MockValidationException
from moto.dynamodb.models import DynamoDBBackend

from ddbkit.emulator.moto_ext.store import require

ENABLED, DISABLED = "ENABLED", "DISABLED"


def update_time_to_live(self: DynamoDBBackend, table_name: str, ttl_spec: dict[str, Any]
                        ) -> None:
    table = self.get_table(table_name)  # ResourceNotFoundException
    if "Enabled" not in ttl_spec or "AttributeName" not in ttl_spec:
        raise MockValidationException(
            "TimeToLiveSpecification does not contain Enabled and AttributeName")
    enabled = table.ttl.get("TimeToLiveStatus") == ENABLED
    if ttl_spec["Enabled"]:
        if enabled:
            raise MockValidationException("TimeToLive is already enabled")
        table.ttl = {"TimeToLiveStatus": ENABLED, "AttributeName": ttl_spec["AttributeName"]}
    else:
        if not enabled:
            raise MockValidationException("TimeToLive is already disabled")
        table.ttl = {"TimeToLiveStatus": DISABLED}


def describe_time_to_live(self: DynamoDBBackend, table_name: str) -> dict[str, Any]:
    ttl = dict(self.get_table(table_name).ttl)
    if ttl.get("TimeToLiveStatus", DISABLED) == DISABLED:
        return {"TimeToLiveStatus": DISABLED}
    return ttl


def install() -> None:
    require(DynamoDBBackend, "update_time_to_live", "describe_time_to_live", "get_table")
    owner: Any = DynamoDBBackend
    owner.update_time_to_live = update_time_to_live
    owner.describe_time_to_live = describe_time_to_live

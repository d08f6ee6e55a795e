"""TagResource with a key the resource already has replaces that tag's value.

Replaces `moto.dynamodb.models.DynamoDBBackend.tag_resource`, which appends every tag, so a
key tagged twice is listed twice and ListTagsOfResource shows the old value first. DynamoDB
keeps one value per key: the latest.
"""

from __future__ import annotations

from typing import Any

from moto.dynamodb.models import DynamoDBBackend

from ddbkit.emulator.moto_ext.store import require


def tag_resource(self: DynamoDBBackend, arn: str, tags: Any) -> None:
    pairs = tags.items() if isinstance(tags, dict) else [(t["Key"], t["Value"]) for t in tags]
    for table in self.tables.values():
        if table.table_arn == arn:
            merged = {tag["Key"]: tag["Value"] for tag in table.tags}
            merged.update(pairs)
            table.tags = [{"Key": key, "Value": value} for key, value in merged.items()]


def install() -> None:
    require(DynamoDBBackend, "tag_resource")
    owner: Any = DynamoDBBackend
    owner.tag_resource = tag_resource

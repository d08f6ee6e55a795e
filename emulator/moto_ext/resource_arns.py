"""Tag operations check the ARN they are given, as DynamoDB does.

moto's TagResource, UntagResource and ListTagsOfResource look the ARN up among the tables
and, when none matches, tag nothing in silence (Tag/Untag) or answer ResourceNotFound
(List), whatever the ARN says. DynamoDB first reads the ARN: one that is not an ARN, not
DynamoDB's, not a table's or stream's, or of another region is a ValidationException (each
with its own wording); one of another account is refused as IAM refuses it
(AccessDeniedException), since no policy of this account covers it; a table of this account
that does not exist is ResourceNotFoundException. A table holds at most 50 tags.
"""

from __future__ import annotations

import re
from typing import Any

from moto.core.exceptions import JsonRESTError
from moto.dynamodb.exceptions import (
    ERROR_TYPE_PREFIX,
    MockValidationException,
    ResourceNotFoundException,
)
from moto.dynamodb.responses import DynamoHandler

from ddbkit.emulator.moto_ext.store import require

_ARN = re.compile(r"arn:([^:]*):([^:]*):([^:]*):([^:]*):(.*)")
_TABLE = re.compile(r"table/[a-zA-Z0-9_.-]{3,255}(?:/stream/[^/]+)?")
OPERATIONS = {"tag_resource": "TagResource", "untag_resource": "UntagResource",
              "list_tags_of_resource": "ListTagsOfResource"}
INVALID = "One or more parameter values were invalid: "


def check(handler: Any, operation: str) -> None:
    """DynamoDB's answers, in its order, for an ARN that names no table of this endpoint."""
    arn = handler.body.get("ResourceArn")
    if not isinstance(arn, str) or not arn.startswith("arn:"):
        raise MockValidationException(f"{INVALID}ARNs must start with 'arn:': {arn}")
    match = _ARN.fullmatch(arn)
    if match is None or match.group(2) != "dynamodb":
        raise MockValidationException(f"{INVALID}Provided Arn is not a DynamoDB resource arn: "
                                      f"{arn}")
    _, _, region, account, resource = match.groups()
    if not _TABLE.fullmatch(resource):
        raise MockValidationException(f"{INVALID}Invalid resource arn provided, only table or "
                                      f"stream is accepted. Provided resource arn: {arn}")
    if region != handler.region:
        raise MockValidationException(f"Invalid TableArn: Invalid ResourceArn provided as "
                                      f"input {arn}")
    if account != str(handler.current_account):
        raise JsonRESTError(
            ERROR_TYPE_PREFIX + "AccessDeniedException",
            f"User: arn:aws:iam::{handler.current_account}:user/ddbkit is not authorized to "
            f"perform: dynamodb:{operation} on resource: {arn} because no resource-based policy "
            f"allows the dynamodb:{operation} action")
    table_arn = arn.split("/stream/")[0]
    if not any(t.table_arn == table_arn for t in handler.dynamodb_backend.tables.values()):
        raise ResourceNotFoundException(f"Requested resource not found: ResourcArn: {arn} "
                                        "not found")


MAX_TAGS = 50  # per table: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html


def _tag_limit(handler: Any) -> None:
    arn = handler.body["ResourceArn"].split("/stream/")[0]
    table = next(t for t in handler.dynamodb_backend.tables.values() if t.table_arn == arn)
    keys = {tag["Key"] for tag in table.tags} | {
        tag.get("Key") for tag in handler.body.get("Tags") or []}
    if len(keys) > MAX_TAGS:
        raise MockValidationException("Number of Tags exceed the current limit for the "
                                      "provided ResourceArn")


def _wrap(original: Any, operation: str) -> Any:
    def handler_method(self: Any) -> Any:
        check(self, operation)
        if operation == "TagResource":
            _tag_limit(self)
        return original(self)

    return handler_method


def install() -> None:
    require(DynamoHandler, *OPERATIONS)
    for name, operation in OPERATIONS.items():
        setattr(DynamoHandler, name, _wrap(getattr(DynamoHandler, name), operation))

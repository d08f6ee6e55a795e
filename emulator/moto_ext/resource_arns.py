"""Tag operations check the ARN they are given, as DynamoDB does.

moto's TagResource, UntagResource and ListTagsOfResource look the ARN up among the tables
and, when none matches, tag nothing in silence (Tag/Untag) or answer ResourceNotFound
(List), whatever the ARN says. DynamoDB first reads the ARN: one that is not a table's ARN
is a ValidationException; one of another account is refused as IAM refuses it
(AccessDeniedException), since no policy of this account covers it; a table of this account
that does not exist is ResourceNotFoundException.
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

_TABLE_ARN = re.compile(
    r"arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:(\d{12}):table/[a-zA-Z0-9_.-]{3,255}(?:/.*)?")
OPERATIONS = {"tag_resource": "TagResource", "untag_resource": "UntagResource",
              "list_tags_of_resource": "ListTagsOfResource"}


def check(handler: Any, operation: str) -> None:
    arn = handler.body.get("ResourceArn")
    match = _TABLE_ARN.fullmatch(arn) if isinstance(arn, str) else None
    if match is None:
        raise MockValidationException(f"Invalid TableArn: Invalid ResourceArn provided as "
                                      f"input {arn}")
    account = str(handler.current_account)
    if match.group(1) != account:
        raise JsonRESTError(
            ERROR_TYPE_PREFIX + "AccessDeniedException",
            f"User: arn:aws:iam::{account}:user/ddbkit is not authorized to perform: "
            f"dynamodb:{operation} on resource: {arn} because no resource-based policy allows "
            f"the dynamodb:{operation} action")
    table_arn = arn.split("/stream/")[0].split("/index/")[0]
    if not any(t.table_arn == table_arn for t in handler.dynamodb_backend.tables.values()):
        raise ResourceNotFoundException(f"Requested resource not found: ResourcArn: {arn} "
                                        "not found")


def _wrap(original: Any, operation: str) -> Any:
    def handler_method(self: Any) -> Any:
        check(self, operation)
        return original(self)

    return handler_method


def install() -> None:
    require(DynamoHandler, *OPERATIONS)
    for name, operation in OPERATIONS.items():
        setattr(DynamoHandler, name, _wrap(getattr(DynamoHandler, name), operation))

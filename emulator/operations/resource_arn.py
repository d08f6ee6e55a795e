"""The resource a tag operation's ResourceArn names, checked as DynamoDB checks it.

DynamoDB reads the ARN before it looks anything up: one that is not an ARN, not DynamoDB's,
not a table's or stream's, or of another region is a ValidationException (each with its own
wording); one of another account is refused as IAM refuses it (AccessDeniedException), since
no policy of this account covers it; a table of this account that does not exist is
ResourceNotFoundException ("ResourcArn" is DynamoDB's spelling).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ddbkit.emulator.operations import pipeline
from ddbkit.emulator.operations.call import Call, OperationError, not_found, validation_error
from ddbkit.emulator.store import access

_ARN = re.compile(r"arn:([^:]*):([^:]*):([^:]*):([^:]*):(.*)")
_RESOURCE = re.compile(r"table/[a-zA-Z0-9_.-]{3,255}(?:/stream/[^/]+)?")
INVALID = "One or more parameter values were invalid: "


@dataclass(frozen=True, slots=True)
class Resource:
    arn: str
    table: Any  # the table the ARN names, or whose stream it names
    stream: bool  # a stream's ARN


def resolve(call: Call) -> Resource:
    arn: str = call.params["ResourceArn"]
    if not arn.startswith("arn:"):
        raise validation_error(f"{INVALID}ARNs must start with 'arn:': {arn}")
    match = _ARN.fullmatch(arn)
    if match is None or match.group(2) != "dynamodb":
        raise validation_error(f"{INVALID}Provided Arn is not a DynamoDB resource arn: {arn}")
    _, _, region, account, resource = match.groups()
    if not _RESOURCE.fullmatch(resource):
        raise validation_error(f"{INVALID}Invalid resource arn provided, only table or stream "
                               f"is accepted. Provided resource arn: {arn}")
    if region != call.region:
        raise validation_error(f"Invalid TableArn: Invalid ResourceArn provided as input {arn}")
    if account != call.account_id:
        raise _access_denied(call, arn)
    table_arn = arn.split("/stream/")[0]
    table = next((t for t in access.tables(pipeline.backend(call)).values()
                  if t.table_arn == table_arn), None)
    if table is None:
        raise not_found(f"Requested resource not found: ResourcArn: {arn} not found")
    return Resource(arn, table, table_arn != arn)


def _access_denied(call: Call, arn: str) -> OperationError:
    action = f"dynamodb:{call.operation}"
    return OperationError(
        "AccessDeniedException",
        f"User: arn:aws:iam::{call.account_id}:user/ddbkit is not authorized to perform: "
        f"{action} on resource: {arn} because no resource-based policy allows the "
        f"{action} action")

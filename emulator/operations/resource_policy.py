"""The resource a resource-policy operation names, and the conditions it may set.

ARNs are read as for the tag operations (`resource_arn`): a table's, or its current
stream's. An ExpectedRevisionId that does not match the attached policy, or names one where
none is attached, is PolicyNotFoundException (AWS's API reference); `NO_POLICY` expects none.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ddbkit.emulator.operations import resource_arn
from ddbkit.emulator.operations.call import Call, OperationError, not_found
from ddbkit.emulator.store import policies

NO_POLICY = "NO_POLICY"
NOT_FOUND = "Resource-based policy not found for the provided ResourceArn: "


@dataclass(frozen=True, slots=True)
class Target:
    arn: str
    table: Any
    name: str  # the table's


def resolve(call: Call) -> Target:
    try:
        resource = resource_arn.resolve(call)
    except OperationError as exc:
        if exc.error_type != "ResourceNotFoundException":
            raise
        raise _missing(call.params["ResourceArn"]) from exc
    table = resource.table
    if resource.stream and resource.arn != f"{table.table_arn}/stream/" \
            f"{table.latest_stream_label}":
        raise _missing(resource.arn)  # not the table's current stream
    return Target(resource.arn, table, table.name)


def _missing(arn: str) -> OperationError:
    # As moto's handler answered before these operations moved.
    name = arn.split("/stream/")[0].rpartition("/")[2]
    return not_found(f"Requested resource not found: Table: {name} not found")


def policy_not_found(message: str) -> OperationError:
    return OperationError("PolicyNotFoundException", NOT_FOUND + message)


def check_expected(target: Target, expected: str | None) -> None:
    """Refuses a write whose ExpectedRevisionId the attached policy does not match."""
    if expected is None:
        return
    current = policies.get(target.table, target.arn)
    if expected == NO_POLICY:
        if current is not None:
            raise policy_not_found(
                f"Requested policy update expecting none to be present for table "
                f"{target.name}, but a policy exists with revision id {current.revision_id}.")
        return
    if current is None:
        raise policy_not_found(
            f"Requested update for policy with revision id {expected}, but no policy is "
            f"associated to target table {target.name}.")
    if current.revision_id != expected:
        raise policy_not_found(
            f"Requested update for policy with revision id {expected}, but the policy "
            f"associated to target table {target.name} has revision id "
            f"{current.revision_id}.")

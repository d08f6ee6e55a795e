"""What a read returns: DynamoDB's rules for Select, ProjectionExpression and AttributesToGet
together, checked before any table is looked up (wording as DynamoDB answers, recorded in
dynalite's tests and the Parity Suite). moto words the same refusals with a "1 validation
error detected: " prefix DynamoDB does not use, and misses duplicate names.
"""

from __future__ import annotations

from typing import Any

from ddbkit.emulator.endpoint.wire import WireError

WHOLE = ("ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES", "COUNT")


def check(holder: dict[str, Any], index_operation: bool) -> None:
    """`index_operation`: a Query or Scan, which may name an index."""
    names = holder.get("AttributesToGet")
    if isinstance(names, list):
        seen: set[Any] = set()
        for name in names:
            if name in seen:
                raise _invalid("One or more parameter values were invalid: Duplicate value in "
                               f"attribute name: {name}")
            seen.add(name)
    select = holder.get("Select")
    if not index_operation or select is None:
        return
    if select in WHOLE:
        for member in ("ProjectionExpression", "AttributesToGet"):
            if holder.get(member) is not None:
                raise _invalid(f"Cannot specify the {member} when choosing to get {select}")
    if select == "SPECIFIC_ATTRIBUTES" and holder.get("ProjectionExpression") is None and \
            holder.get("AttributesToGet") is None:
        raise _invalid("Must specify the AttributesToGet or ProjectionExpression when choosing "
                       "to get SPECIFIC_ATTRIBUTES")
    if select == "ALL_PROJECTED_ATTRIBUTES" and holder.get("IndexName") is None:
        raise _invalid("ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an "
                       "IndexName")


def _invalid(message: str) -> WireError:
    return WireError("ValidationException", message)

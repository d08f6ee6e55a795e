"""Which attributes a secondary index holds (its projection), for capacity and Query.

DynamoDB fetches the attributes an LSI does not project from the base table when a Query
asks for them (Select ALL_ATTRIBUTES, a ProjectionExpression or a FilterExpression naming
them); a GSI cannot, there they stay unseen. operations/query.py reads an LSI's items whole
and, when the Query asked for the projected attributes only (Select
ALL_PROJECTED_ATTRIBUTES, or no Select and no projection), keeps these.
"""

from __future__ import annotations

from typing import Any


def projected_names(table: Any, index: Any) -> set[str] | None:
    """The attributes an index holds; None for all of them."""
    projection = index.projection or {}
    if projection.get("ProjectionType", "ALL") == "ALL":
        return None
    names = set(table.table_key_attrs) | {k["AttributeName"] for k in index.schema}
    if projection.get("ProjectionType") == "INCLUDE":
        names |= set(projection.get("NonKeyAttributes") or [])
    return names

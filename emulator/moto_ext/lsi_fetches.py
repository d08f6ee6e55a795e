"""Queries on a local secondary index read attributes the index does not project.

moto's `Table.query` projects every item of an index query to the index's projection
(`LocalSecondaryIndex.project`) before it applies the filter and the ProjectionExpression,
so on a KEYS_ONLY or INCLUDE LSI `Select: ALL_ATTRIBUTES`, a ProjectionExpression or a
FilterExpression naming another attribute see nothing. DynamoDB fetches those attributes
from the base table for an LSI (a GSI cannot: there they stay unseen). Here a query on an
LSI runs with the index projection off, and only a query that asked for the projected
attributes (Select ALL_PROJECTED_ATTRIBUTES, or no Select and no projection) is projected
afterwards.
"""

from __future__ import annotations

import contextvars
from typing import Any

from moto.dynamodb.models.table import LocalSecondaryIndex
from moto.dynamodb.responses import DynamoHandler

from ddbkit.emulator.moto_ext.store import require

_fetching: contextvars.ContextVar[bool] = contextvars.ContextVar("ddbkit_lsi_fetch",
                                                                 default=False)


def _wrap_project(original: Any) -> Any:
    def project(self: LocalSecondaryIndex, item: Any) -> Any:
        return item if _fetching.get() else original(self, item)

    return project


def projected_names(table: Any, index: Any) -> set[str] | None:
    """The attributes an index holds; None for all of them."""
    projection = index.projection or {}
    if projection.get("ProjectionType", "ALL") == "ALL":
        return None
    names = set(table.table_key_attrs) | {k["AttributeName"] for k in index.schema}
    if projection.get("ProjectionType") == "INCLUDE":
        names |= set(projection.get("NonKeyAttributes") or [])
    return names


def _wrap_query(original: Any) -> Any:
    def query(self: DynamoHandler) -> Any:
        body = self.body
        name = body.get("IndexName") if isinstance(body, dict) else None
        table = self.dynamodb_backend.tables.get(body.get("TableName")) if name else None
        index = next((i for i in table.indexes or [] if i.name == name), None) \
            if table is not None else None
        if index is None:
            return original(self)
        asked_projected = body.get("Select") in (None, "ALL_PROJECTED_ATTRIBUTES") and not (
            body.get("ProjectionExpression") or body.get("AttributesToGet"))
        token = _fetching.set(True)
        try:
            answer = original(self)
        finally:
            _fetching.reset(token)
        names = projected_names(table, index)
        result = getattr(answer, "result", None)
        if asked_projected and names is not None and isinstance(result, dict) and \
                isinstance(result.get("Items"), list):
            result["Items"] = [{k: v for k, v in item.items() if k in names}
                               for item in result["Items"]]
        return answer

    return query


def install() -> None:
    require(LocalSecondaryIndex, "project")
    require(DynamoHandler, "query")
    index_class: Any = LocalSecondaryIndex
    index_class.project = _wrap_project(index_class.project)
    DynamoHandler.query = _wrap_query(DynamoHandler.query)  # type: ignore[method-assign]

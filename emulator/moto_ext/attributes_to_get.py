"""Legacy AttributesToGet honoured in Query and Scan (GetItem and BatchGetItem are ddbkit's
own operations: operations/item_reads.py).

moto's `DynamoHandler.query` and `scan` read AttributesToGet only to validate it and return
whole items. DynamoDB returns exactly the named top-level attributes, keys included only
when named. Here the handler's request is rewritten before moto reads it: the
names become a ProjectionExpression over placeholder names, which moto already applies in
every read path (and which returns what AttributesToGet returns: top-level attributes by
name). Mixing AttributesToGet with expression parameters is refused before this runs
(`endpoint/validation`), so the placeholders meet no other expression.
"""

from __future__ import annotations

from typing import Any

from moto.dynamodb.responses import DynamoHandler

from ddbkit.emulator.moto_ext.store import require

PLACEHOLDER = "#ddbkit_atg{}"
SINGLE_TABLE = ("query", "scan")


def as_projection(request: dict[str, Any]) -> None:
    """Rewrites a request's AttributesToGet in place."""
    names = request.get("AttributesToGet")
    if not isinstance(names, list) or not names or request.get("ProjectionExpression"):
        return
    if not all(isinstance(name, str) for name in names):
        return
    placeholders = {PLACEHOLDER.format(i): name for i, name in enumerate(dict.fromkeys(names))}
    del request["AttributesToGet"]
    request["ProjectionExpression"] = ", ".join(placeholders)
    request["ExpressionAttributeNames"] = {**(request.get("ExpressionAttributeNames") or {}),
                                           **placeholders}


def _single(original: Any) -> Any:
    def handler_method(self: DynamoHandler) -> Any:
        if isinstance(self.body, dict) and "AttributesToGet" in self.body:
            as_projection(self.body)
        return original(self)

    return handler_method


def install() -> None:
    require(DynamoHandler, *SINGLE_TABLE)
    for name in SINGLE_TABLE:
        setattr(DynamoHandler, name, _single(getattr(DynamoHandler, name)))

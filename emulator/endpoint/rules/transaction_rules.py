"""DynamoDB's rules for a transaction as a whole, checked before any table is looked up:
no two actions on one item (for actions that name their Key; a Put's key needs the table's
schema, which moto checks), and at most 4 MB of items
(https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html).
"""

from __future__ import annotations

import json
from typing import Any

from ddbkit.emulator.capacity.sizes import request_item_size
from ddbkit.emulator.endpoint.wire import WireError

MAX_TRANSACTION_BYTES = 4 * 1024 * 1024
SAME_ITEM = "Transaction request cannot include multiple operations on one item"
TOO_LARGE = ("Transaction request cannot include items whose total size exceeds 4 MB: "
             "the aggregate size of the items in the transaction exceeds the limit")


EMPTY_NAME = "Empty attribute name"


def action(kind: str, request: dict[str, Any]) -> None:
    """One action's own rules, checked in request order (layers.py): a Put item's attribute
    names are not empty."""
    item = request.get("Item") if kind == "Put" else None
    if isinstance(item, dict) and "" in item:
        raise WireError("ValidationException", EMPTY_NAME)


def write(params: dict[str, Any]) -> None:
    _once_each(params, ("ConditionCheck", "Delete", "Update"))
    total = 0
    for action in params.get("TransactItems") or []:
        for member in ("Put", "Update", "Delete", "ConditionCheck"):
            request = action.get(member) if isinstance(action, dict) else None
            if isinstance(request, dict):
                total += _bytes(request.get("Item") or request.get("Key"))
                total += _bytes(request.get("ExpressionAttributeValues"))
    if total > MAX_TRANSACTION_BYTES:
        raise WireError("ValidationException", TOO_LARGE)


def _bytes(item: Any) -> int:
    return request_item_size(item) if isinstance(item, dict) else 0


def get(params: dict[str, Any]) -> None:
    _once_each(params, ("Get",))


def _once_each(params: dict[str, Any], members: tuple[str, ...]) -> None:
    seen: set[tuple[Any, str]] = set()
    for action in params.get("TransactItems") or []:
        for member in members:
            request = action.get(member) if isinstance(action, dict) else None
            if isinstance(request, dict) and isinstance(request.get("Key"), dict):
                target = (request.get("TableName"),
                          json.dumps(request["Key"], sort_keys=True))
                if target in seen:
                    raise WireError("ValidationException", SAME_ITEM)
                seen.add(target)

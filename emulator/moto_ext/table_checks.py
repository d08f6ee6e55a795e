"""Request rejections that need the table as it is, answered before moto acts.

The validation engine (endpoint/rules) checks requests before any table is looked up; these
rules need the table's key schema, indexes or capacity, so they wrap the DynamoHandler
method that receives the request:
- TransactWriteItems: an action whose Key (or Put's Item) does not
  match its table's key schema cancels the transaction (TransactionCanceledException, that
  action's reason ValidationError, the others None), where moto, through key_schema,
  answers a plain ValidationException.
"""

from __future__ import annotations

from typing import Any

from moto.dynamodb.exceptions import (
    TransactionCanceledException,
)
from moto.dynamodb.responses import DynamoHandler

from ddbkit.emulator.moto_ext.key_schema import MISMATCH, matches
from ddbkit.emulator.moto_ext.store import require


def _table(handler: Any, name: Any) -> Any:
    return handler.dynamodb_backend.tables.get(name) if isinstance(name, str) else None


def _transaction(original: Any) -> Any:
    def transact(self: Any) -> Any:
        reasons = [_action_problem(self, action) for action in
                   self.body.get("TransactItems") or []]
        if any(reason is not None for reason in reasons):
            raise TransactionCanceledException(
                [("ValidationError", reason, None) if reason else (None, None, None)
                 for reason in reasons])
        return original(self)

    return transact


def _action_problem(handler: Any, action: Any) -> str | None:
    """Why DynamoDB cancels this action for its key, or None."""
    if not isinstance(action, dict) or len(action) != 1:
        return None
    request = next(iter(action.values()))
    table = _table(handler, request.get("TableName")) if isinstance(request, dict) else None
    if table is None:
        return None
    if "Item" in request:
        item = request["Item"] or {}
        declared = {a["AttributeName"]: a["AttributeType"] for a in table.attr or []}
        for name in table.table_key_attrs:
            if name not in item:
                return f"One or more parameter values were invalid: Missing the key {name} in " \
                       "the item"
            kind = next(iter(item[name]), None) if isinstance(item[name], dict) else None
            if kind != declared.get(name):
                return "One or more parameter values were invalid: Type mismatch for key " \
                       f"{name} expected: {declared.get(name)} actual: {kind}"
        return None
    return None if matches(table, request.get("Key")) else MISMATCH


WRAPPERS = {"transact_write_items": _transaction}


def install() -> None:
    require(DynamoHandler, *WRAPPERS)
    for name, wrap in WRAPPERS.items():
        setattr(DynamoHandler, name, wrap(getattr(DynamoHandler, name)))

"""Request rejections that need the table as it is, answered before moto acts.

The validation engine (endpoint/rules) checks requests before any table is looked up; these
rules need the table's key schema, indexes or capacity, so they wrap the DynamoHandler
method that receives the request:
- BatchWriteItem: moto compares whole items for duplicates, so a Put and a Delete of one
  key, or two Puts of one key with other attributes, pass; DynamoDB compares keys:
  "Provided list of item keys contains duplicates".
- TransactWriteItems: an action whose Key (or Put's Item) does not
  match its table's key schema cancels the transaction (TransactionCanceledException, that
  action's reason ValidationError, the others None), where moto, through key_schema,
  answers a plain ValidationException.
"""

from __future__ import annotations

from typing import Any

from moto.dynamodb.exceptions import (
    MockValidationException,
    TransactionCanceledException,
)
from moto.dynamodb.responses import DynamoHandler

from ddbkit.emulator.moto_ext.binary_values import as_bytes
from ddbkit.emulator.moto_ext.canonical_numbers import canonical
from ddbkit.emulator.moto_ext.key_schema import MISMATCH, matches
from ddbkit.emulator.moto_ext.store import require

DUPLICATES = "Provided list of item keys contains duplicates"


def _table(handler: Any, name: Any) -> Any:
    return handler.dynamodb_backend.tables.get(name) if isinstance(name, str) else None


def _key_identity(value: Any) -> Any:
    """What makes two key values the same key: binary by its bytes (text or already
    decoded), numbers by value ("1" is "1.0"), strings as they are; anything else (a map or
    list where a key goes, refused later as a type mismatch) by its text, which is hashable."""
    if not isinstance(value, dict) or len(value) != 1:
        return repr(value)
    kind, text = next(iter(value.items()))
    if not isinstance(text, (str, bytes)):
        return repr(value)
    if kind == "B":
        return kind, as_bytes(text)
    return kind, canonical(text) if kind == "N" else text


def _batch_write_item(original: Any) -> Any:
    def batch_write_item(self: Any) -> Any:
        for name, requests in (self.body.get("RequestItems") or {}).items():
            table = _table(self, name)
            if table is None:
                continue
            names = table.table_key_attrs
            seen: set[tuple[Any, ...]] = set()
            for request in requests or []:
                body = request.get("PutRequest") or request.get("DeleteRequest") or {}
                item = body.get("Item") or body.get("Key") or {}
                key = tuple(_key_identity(item.get(n)) for n in names)
                if key in seen:
                    raise MockValidationException(DUPLICATES)
                seen.add(key)
        return original(self)

    return batch_write_item





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


WRAPPERS = {"batch_write_item": _batch_write_item,
            "transact_write_items": _transaction}


def install() -> None:
    require(DynamoHandler, *WRAPPERS)
    for name, wrap in WRAPPERS.items():
        setattr(DynamoHandler, name, wrap(getattr(DynamoHandler, name)))

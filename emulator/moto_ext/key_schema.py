"""A request's Key must be the table's key: its attributes, of their declared types.

moto reads a request's Key without checking it against the table's schema (its backend's
`get_keys_value` and `update_item`; ddbkit's own read operations check their Keys
themselves: operations/keys.py). A Key with an attribute too many or too few ends in
KeyError or IndexError, a list, map or set value in "unhashable type", a number where a
string is declared in a lookup that never matches; its message for a missing attribute is
"Validation Exception".

DynamoDB answers all of these with one ValidationException, "The provided key element does
not match the schema" (see dynalite's getItem/deleteItem/updateItem tests, recorded against
DynamoDB). Here every Key of a request is checked, by the DynamoHandler method that receives
it (`KEY_PATHS`), before moto reads it. (moto also calls `get_keys_value` with whole items,
for PutItem's ReturnValues, so the check cannot sit there.)

The same holds for a Query's or Scan's ExclusiveStartKey, which names the table's keys and,
reading an index, the index's (DynamoDB: "The provided starting key is invalid: ..."):
operations/read_requests.py calls `matches` with the index.
"""

from __future__ import annotations

from typing import Any

from moto.dynamodb.exceptions import MockValidationException
from moto.dynamodb.models.table import Table
from moto.dynamodb.responses import DynamoHandler

from ddbkit.emulator.moto_ext.store import require

MISMATCH = "The provided key element does not match the schema"


START_KEY = "The provided starting key is invalid: " + MISMATCH
CONDITION_TYPE = ("One or more parameter values were invalid: Condition parameter type does "
                  "not match schema type")


def matches(table: Table, key: Any, index_name: str | None = None) -> bool:
    """The Key names exactly the table's key attributes (and the index's), each a value of
    its declared type."""
    names = set(table.table_key_attrs)
    if index_name:
        index = next((i for i in table.all_indexes() if i.name == index_name), None)
        if index is None:
            return True  # moto refuses the unknown index with its own message
        names.update(k["AttributeName"] for k in index.schema)
    if not isinstance(key, dict) or set(key) != names:
        return False
    declared = {a.get("AttributeName"): a.get("AttributeType") for a in table.attr or []}
    for name, value in key.items():
        if not isinstance(value, dict) or len(value) != 1 or \
                next(iter(value)) != declared.get(name):
            return False
        if not isinstance(next(iter(value.values())), (str, bytes)):  # B: decoded bytes
            return False
    return True


def check(table: Table, key: Any) -> None:
    if not matches(table, key):
        raise MockValidationException(MISMATCH)


# (DeleteItem's and BatchWriteItem's Keys: operations/writes.py `check_key`.)
# Where each handler method finds its Keys: member names, "*" for every table of a
# RequestItems map (the table is its key), "[]" for every element of a list.
KEY_PATHS: dict[str, tuple[str, ...]] = {
    "transact_write_items": ("TransactItems", "[]", "*", "Key"),
}


def keys_in(body: Any, path: tuple[str, ...]) -> list[tuple[Any, Any]]:
    """(table name, Key) for every Key along the path; the table is the nearest TableName."""
    found: list[tuple[Any, Any]] = [(body.get("TableName") if isinstance(body, dict) else None,
                                     body)]
    for step in path:
        following: list[tuple[Any, Any]] = []
        for table, node in found:
            if step == "*" and isinstance(node, dict):
                following.extend((name if path[0] == "RequestItems" else
                                  (value.get("TableName") if isinstance(value, dict) else table),
                                  value) for name, value in node.items())
            elif step == "[]" and isinstance(node, list):
                following.extend((table, element) for element in node)
            elif isinstance(node, dict) and step in node:
                following.append((node.get("TableName", table), node[step]))
        found = following
    return found


def _wrap_handler(original: Any, path: tuple[str, ...]) -> Any:
    def handler_method(self: Any) -> Any:
        for table_name, key in keys_in(self.body, path):
            table = self.dynamodb_backend.tables.get(table_name) if \
                isinstance(table_name, str) else None
            if table is not None:  # else moto answers ResourceNotFoundException
                check(table, key)
        return original(self)

    return handler_method


def install() -> None:
    require(DynamoHandler, *KEY_PATHS)
    for name, path in KEY_PATHS.items():
        setattr(DynamoHandler, name, _wrap_handler(getattr(DynamoHandler, name), path))

"""A request's Key must be the table's key: its attributes, of their declared types.

moto reads a request's Key without checking it against the table's schema (its backend's
`get_keys_value` and `update_item`; ddbkit's own read operations check their Keys
themselves: operations/keys.py). A Key with an attribute too many or too few ends in
KeyError or IndexError, a list, map or set value in "unhashable type", a number where a
string is declared in a lookup that never matches; its message for a missing attribute is
"Validation Exception".

DynamoDB answers all of these with one ValidationException, "The provided key element does
not match the schema" (see dynalite's getItem/deleteItem/updateItem tests, recorded against
DynamoDB). ddbkit's own write operations check their Keys with `check` (operations/writes.py)
before moto reads them; nothing here replaces a moto attribute.

The same holds for a Query's or Scan's ExclusiveStartKey, which names the table's keys and,
reading an index, the index's (DynamoDB: "The provided starting key is invalid: ..."):
operations/read_requests.py calls `matches` with the index.
"""

from __future__ import annotations

from typing import Any

from ddbkit.emulator.operations.call import validation_error
from ddbkit.emulator.store.tables import Table

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
        raise validation_error(MISMATCH)

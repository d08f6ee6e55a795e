"""moto's in-memory store as ddbkit reads it: the lock, shape checks and key helpers.

Only this package imports moto. The operation modules (`emulator/operations/`) do hold moto's
table objects, handed out by `calls`, and read or set their settings (`ttl`, `tags` ...):
that is the store ddbkit still keeps its tables in, until it has its own.

`STORE_LOCK` serialises every access to moto's in-memory store: request handling in the
server thread and background work (the TTL reaper) in others. moto itself takes no lock.
"""

from __future__ import annotations

import threading
from typing import Any

STORE_LOCK = threading.RLock()


class MotoShapeError(RuntimeError):
    """The pinned moto internals changed; the extension named in the message must be revisited."""


def require(owner: Any, *attributes: str) -> None:
    missing = [a for a in attributes if not hasattr(owner, a)]
    if missing:
        raise MotoShapeError(f"{owner!r} no longer has {', '.join(missing)}; "
                             "moto's internals changed under a ddbkit extension")


def request_keys(table: Any, key: dict[str, Any]) -> tuple[Any, Any] | None:
    """A request's Key as moto stores it (hash, range or None); None when malformed or of
    other types than the table's keys, which moto refuses before it changes anything."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    try:
        hash_key = DynamoType(key[table.hash_key_attr])
        range_key = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
    except (KeyError, TypeError, AttributeError, IndexError):
        return None
    if hash_key.type != table.hash_key_type or (
            range_key is not None and range_key.type != table.range_key_type):
        return None  # a list or map would not even hash; moto refuses the type first
    return hash_key, range_key


def stored_item(table: Any, hash_key: Any, range_key: Any) -> Any:
    """The item stored under these keys, or None, without adding an entry to `table.items`
    (a defaultdict)."""
    entry = table.items.get(hash_key)
    if range_key is None or entry is None:
        return entry
    return entry.get(range_key)


def table_items(table: Any) -> list[Any]:
    """Every item stored in the table, in store order (moto's `all_items()` sorts them)."""
    if table.range_key_attr is None:
        return list(table.items.values())
    return [item for entry in table.items.values() for item in entry.values()]


def dynamodb_backend(account_id: str, region: str) -> Any:
    from moto.dynamodb.models import dynamodb_backends

    return dynamodb_backends[account_id][region]

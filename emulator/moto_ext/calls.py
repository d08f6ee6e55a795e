"""What ddbkit's own operations (`emulator/operations/`) call in moto, and nothing else.

These are calls: nothing here replaces an attribute of moto. moto's refusals come back as
`OperationError`s carrying moto's answer document unchanged, so an operation that moves from
moto's handler to its own module answers errors exactly as before.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any

from moto.core.exceptions import JsonRESTError

from ddbkit.emulator.moto_ext.store import dynamodb_backend
from ddbkit.emulator.operations.call import OperationError

__all__ = ["delete_table", "dynamodb_backend", "moto_refusals", "table", "tables"]


@contextlib.contextmanager
def moto_refusals() -> Iterator[None]:
    """Turns a refusal raised inside moto into the operation's error answer."""
    try:
        yield
    except JsonRESTError as exc:
        raise OperationError.from_document(exc.code, json.loads(exc.description)) from exc


def table(backend: Any, name: str) -> Any:
    """moto's table object for `name`; ResourceNotFoundException as moto words it."""
    with moto_refusals():
        return backend.get_table(name)


def tables(backend: Any) -> dict[str, Any]:
    """moto's tables by name (its own dict: what is done to a table object stays done)."""
    found: dict[str, Any] = backend.tables
    return found


def delete_table(backend: Any, name: str) -> Any:
    """Removes the table from moto's store; the removed table object."""
    with moto_refusals():
        return backend.delete_table(name)


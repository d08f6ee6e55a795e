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

__all__ = ["dynamodb_backend", "moto_refusals", "table"]


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

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

from ddbkit.emulator.expressions.projections import Path
from ddbkit.emulator.moto_ext.projection_paths import paths as projection_paths
from ddbkit.emulator.operations.call import OperationError

__all__ = ["MotoShapeError", "moto_refusals", "projection", "require"]


class MotoShapeError(RuntimeError):
    """The pinned moto internals changed; the extension named in the message must be revisited."""


def require(owner: Any, *attributes: str) -> None:
    missing = [a for a in attributes if not hasattr(owner, a)]
    if missing:
        raise MotoShapeError(f"{owner!r} no longer has {', '.join(missing)}; "
                             "moto's internals changed under a ddbkit extension")


@contextlib.contextmanager
def moto_refusals() -> Iterator[None]:
    """Turns a refusal raised inside moto into the operation's error answer."""
    try:
        yield
    except JsonRESTError as exc:
        raise OperationError.from_document(exc.code, json.loads(exc.description)) from exc


def projection(expression: str | None, names: dict[str, str] | None) -> list[Path]:
    """A ProjectionExpression's document paths, `#names` substituted (for
    `expressions.projections.project`)."""
    with moto_refusals():
        return projection_paths(expression, names or {})[0]

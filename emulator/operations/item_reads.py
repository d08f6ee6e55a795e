"""Reading items by Key: the steps GetItem, BatchGetItem and TransactGetItems share.

What a read returns (`selection`): the paths of its ProjectionExpression, or the top-level
attributes its legacy AttributesToGet names (keys only when named), or the whole item.
What it costs (`charge`): the item stored, not its projection, in 4 KB steps (0.5 a step
eventually consistent, 1 strongly, 2 in a transaction); a Key that finds nothing still costs
one step (capacity/rules.py).
"""

from __future__ import annotations

from typing import Any

from ddbkit.emulator.capacity.meter import Meter
from ddbkit.emulator.expressions import projections
from ddbkit.emulator.moto_ext import calls
from ddbkit.emulator.store import access

Paths = list[projections.Path]


def selection(request: dict[str, Any]) -> Paths:
    """The document paths a read returns; [] for the whole item."""
    expression = request.get("ProjectionExpression")
    if expression:
        return calls.projection(expression, request.get("ExpressionAttributeNames"))
    names = request.get("AttributesToGet")
    if isinstance(names, list) and names:
        return [(name,) for name in dict.fromkeys(names)]
    return []


def charge(meter: Meter, table: Any, stored: Any, step: float, partition: Any) -> int:
    """Charges one item read (stored: the item, or None for a miss); returns where the
    meter's charges for it start, for a batch to take them back."""
    start = len(meter.charges)
    meter.read(table.name, None, False, access.billed_size(stored) if stored is not None else 0,
               step, partition)
    return start


def document(stored: Any, paths: Paths) -> dict[str, Any]:
    """The item as the answer holds it: projected when paths were asked for."""
    attributes = access.attributes(stored)
    return projections.project(attributes, paths) if paths else attributes

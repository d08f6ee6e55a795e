"""A table as it was at a past moment, read back from the data dir's history.

RestoreTableToPointInTime and ExportTableToPointInTime both read it (`durability.history`).
Without a data dir (`--in-memory`) nothing of the past is kept: the present serves.

A moment resolves to its whole second, as AWS restores to "day:hour:minute:second", but
never to before the window's start (`durability.history`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from ddbkit.emulator.durability import hooks
from ddbkit.emulator.durability.history import HistoryUnavailable
from ddbkit.emulator.operations.call import OperationError


def table_at(name: str, moment: float, refusal: Callable[[], OperationError],
             earliest: float | None = None) -> Any:
    """The table named `name` as it was at `moment` (resolved to its second, not before
    `earliest`), or None with no history kept (in memory). `refusal()` is raised when the
    history cannot say."""
    history = hooks.history()
    if history is None:
        return None
    try:
        past = history.table_as_of(name, resolved(moment, earliest))
    except HistoryUnavailable as exc:
        raise refusal() from exc
    if past is None:
        raise refusal()
    return past


def resolved(moment: float, earliest: float | None) -> float:
    """The whole second of `moment`; in the window's first second, its start."""
    second = float(math.floor(moment))
    return second if earliest is None else max(second, earliest)

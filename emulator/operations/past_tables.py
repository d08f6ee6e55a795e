"""A table as it was at a past moment, read back from the data dir's history.

RestoreTableToPointInTime and ExportTableToPointInTime both read it (`durability.history`).
Without a data dir (`--in-memory`) nothing of the past is kept: the present serves.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ddbkit.emulator.durability import hooks
from ddbkit.emulator.durability.history import HistoryUnavailable
from ddbkit.emulator.operations.call import OperationError


def table_at(name: str, moment: float, refusal: Callable[[], OperationError]) -> Any:
    """The table named `name` as it was at `moment`, or None with no history kept (in
    memory). `refusal()` is raised when the history cannot say."""
    history = hooks.history()
    if history is None:
        return None
    try:
        past = history.table_as_of(name, moment)
    except HistoryUnavailable as exc:
        raise refusal() from exc
    if past is None:
        raise refusal()
    return past

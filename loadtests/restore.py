"""The way back from a load run's writes: `--restore-after`, and the note when it is not given.

A load writes (bookings, reviews, sign-ups) into the tables it tests; against the local
emulator those items stay, in memory and in its data dir. `--restore-after` saves a named
state of the emulator (the `SaveState` admin call, as `ddbkit state save` does) before the
first request and restores it when the run ends, Ctrl-C included. Named states are the
emulator's, so the option is refused against AWS.

Free of Locust: the CLI and tests can import it anywhere.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from ddbkit.emulator.connect.admin_client import AdminClient
from ddbkit.emulator.connect.clients import is_aws_endpoint
from ddbkit.emulator.errors import ConfigError, EndpointError, EndpointUnreachableError
from ddbkit.loadtests.config import LoadConfig
from ddbkit.loadtests.recorder import Series

# The operations of the load's client that change items (loadtests/client.py, patterns.py).
WRITE_OPERATIONS = frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem",
                              "TransactWriteItems"})


def write_count(series: Iterable[tuple[tuple[str, str], Series]]) -> int:
    """Write requests that succeeded, from a recorder's (pattern, operation) series."""
    return sum(s.requests - s.failures for (_, operation), s in series
               if operation in WRITE_OPERATIONS)


def writes_note(writes: int, url: str) -> str | None:
    """One line saying what the run left behind on a local endpoint; None on AWS or when
    nothing was written."""
    if not writes or is_aws_endpoint(url):
        return None
    return (f"the load made {writes:,} write requests to {url}; their items stay in the "
            "tables (and the emulator's data dir): pass --restore-after to undo a run's "
            "writes, or `ddbkit state save NAME` before and `ddbkit state restore NAME` after")


class StateGuard:
    """Saves the emulator's state before the load and restores it after."""

    def __init__(self, config: LoadConfig) -> None:
        # The resolved target: None is AWS's own endpoint (the CLI refuses that earlier;
        # this guards library callers).
        self.url = config.endpoint_url
        if self.url is None or is_aws_endpoint(self.url):
            raise ConfigError(f"--restore-after saves and restores a state of the local "
                              f"emulator; {self.url or 'the target'} is AWS (restore a backup "
                              "or use PITR there instead)")
        self.admin = AdminClient(self.url, config.region, config.profile)
        self.name = f"ddbkit-load-{os.getpid()}"
        self.saved = False

    def save(self) -> None:
        try:
            self.admin.call("SaveState", Name=self.name)
        except EndpointUnreachableError:
            raise
        except EndpointError as exc:
            raise EndpointError(f"--restore-after needs a ddbkit emulator, and {self.url} "
                                f"cannot save a state: {exc}") from exc
        self.saved = True

    def restore(self, writes: int) -> str:
        """Put the saved state back and forget it; returns the line to print."""
        if not self.saved:
            return "nothing to restore: the state was never saved"
        answer = self.admin.call("RestoreState", Name=self.name)
        self.admin.call("DeleteState", Name=self.name)
        self.saved = False
        state = answer.get("State", {})
        return (f"restored the tables as they were before the load ({state.get('Items', '?')}"
                f" items); {writes:,} write requests undone")

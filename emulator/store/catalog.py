"""ddbkit's registry of what one account holds in one region: its tables, backups, and
export and import descriptions.

One `Catalog` per (account, region), made on first use and kept for the process's life, as
the emulator's store has always been (several emulators in one process, a test's, share the
account's tables when they share account and region). Every access happens under
`store.access.STORE_LOCK`, as every change to a table does.

Lookups answer None for what is missing: the operation that asked words the refusal.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Catalog", "catalog"]


@dataclass
class Catalog:
    """The tables (by name, in creation order), backups (by ARN), ExportDescriptions and
    ImportTableDescriptions (by ARN) of one account in one region."""

    account_id: str
    region: str
    tables: dict[str, Any] = field(default_factory=dict)
    backups: dict[str, Any] = field(default_factory=dict)
    table_exports: dict[str, Any] = field(default_factory=dict)
    table_imports: dict[str, Any] = field(default_factory=dict)
    # BulkOperationDescriptions by ARN, and StartBulkPutItems' requests by ClientToken (kept
    # in memory only: `operations.bulk_jobs`)
    bulk_operations: dict[str, Any] = field(default_factory=dict)
    bulk_requests: dict[str, tuple[dict[str, Any], str]] = field(default_factory=dict)
    # restores whose table was dropped (`operations.restore_jobs`): DynamoDB has no failed
    # state for a table, so /metrics is where this shows (in memory)
    restores_failed: int = 0

    def table(self, name_or_arn: str) -> Any:
        """The table with this name, else with this ARN, else None."""
        found = self.tables.get(name_or_arn)
        if found is not None:
            return found
        return next((t for t in list(self.tables.values()) if t.table_arn == name_or_arn),
                    None)


_CATALOGS: dict[tuple[str, str], Catalog] = {}
_MAKING = threading.Lock()


def catalog(account_id: str, region: str) -> Catalog:
    """The account's catalog in `region`, made empty the first time it is asked for."""
    key = (account_id, region)
    found = _CATALOGS.get(key)
    if found is None:
        with _MAKING:
            found = _CATALOGS.setdefault(key, Catalog(account_id, region))
    return found

"""Resource-based policies: at most one per table and one per table's stream, by ARN.

Held beside the table object they belong to (weakly), so a deleted table's policies go with
it and a table re-created under the same name starts with none, as in DynamoDB. Like
before they moved from moto, they are not written to the data dir.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Policy:
    document: str
    revision_id: str  # epoch milliseconds, as DynamoDB's look; rising for each new document


_policies: weakref.WeakKeyDictionary[Any, dict[str, Policy]] = weakref.WeakKeyDictionary()
_last_revision = 0


def get(table: Any, arn: str) -> Policy | None:
    return _policies.get(table, {}).get(arn)


def put(table: Any, arn: str, document: str, now: float) -> Policy:
    """Attaches `document`; the same document as the one attached keeps its revision."""
    global _last_revision
    current = get(table, arn)
    if current is not None and current.document == document:
        return current
    _last_revision = max(int(now * 1000), _last_revision + 1)
    policy = Policy(document, str(_last_revision))
    _policies.setdefault(table, {})[arn] = policy
    return policy


def delete(table: Any, arn: str) -> Policy | None:
    """Detaches the policy; the one removed, if any."""
    return _policies.get(table, {}).pop(arn, None)

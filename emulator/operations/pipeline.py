"""The stages an operation runs, as functions its module calls in order.

  validate -> resolve the table -> admit -> execute on the store -> maintain indexes
  -> write stream records -> meter capacity -> journal -> answer

The endpoint runs admission (auth, faults, throughput model) and opens the journal's
bracket before an operation module is called (`operations/__init__`); the others are the
module's own steps, using the functions here when more than one operation needs them;
the stages of an item write (its checks, condition, store change with undo and journal
notes, indexes, stream records, capacity) are in `writes.py`.
"""

from __future__ import annotations

from typing import Any

from ddbkit.emulator.moto_ext import calls
from ddbkit.emulator.operations.call import Call


def backend(call: Call) -> Any:
    """The store the operation executes on."""
    return calls.dynamodb_backend(call.account_id, call.region)


def resolve_table(call: Call, name: str) -> Any:
    """The table named `name`, or DynamoDB's ResourceNotFoundException."""
    return calls.table(backend(call), name)

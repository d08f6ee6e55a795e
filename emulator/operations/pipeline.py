"""The stages an operation runs, as functions its module calls in order.

  validate -> resolve the table -> admit -> execute on the store -> maintain indexes
  -> write stream records -> meter capacity -> journal -> answer

The endpoint runs admission (auth, faults, throughput model) and opens the journal's
bracket before an operation module is called (`operations/__init__`); the others are the
module's own steps, using the functions here when more than one operation needs them.
"""

from __future__ import annotations

from typing import Any

from ddbkit.emulator.capacity.meter import INDEXES, TOTAL, Meter
from ddbkit.emulator.moto_ext import calls
from ddbkit.emulator.moto_ext.consumed_capacity import Admission, admission

__all__ = ["Admission", "backend", "meter", "resolve_table", "throughput"]
from ddbkit.emulator.operations.call import Call


def backend(call: Call) -> Any:
    """The store the operation executes on."""
    return calls.dynamodb_backend(call.account_id, call.region)


def resolve_table(call: Call, name: str) -> Any:
    """The table named `name` (or with that ARN), or DynamoDB's ResourceNotFoundException."""
    return calls.table(backend(call), name)


def throughput() -> Admission | None:
    """The throughput model watching this request (it admits or refuses its charges), if
    the emulator runs one."""
    return admission.get()


def meter(operation: str, params: dict[str, Any], transactional: bool = False) -> Meter | None:
    """The request's capacity meter: when it asks for ConsumedCapacity (TOTAL or INDEXES) or
    a throughput model counts its charges; None otherwise (nothing to measure)."""
    mode = params.get("ReturnConsumedCapacity")
    mode = mode if mode in (TOTAL, INDEXES) else None
    if mode is None and admission.get() is None:
        return None
    return Meter(operation, mode, transactional=transactional)

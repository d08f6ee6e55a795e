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

from ddbkit.emulator.capacity.consumed_capacity import Admission, admission, made
from ddbkit.emulator.capacity.meter import INDEXES, TOTAL, Meter
from ddbkit.emulator.moto_ext import answers
from ddbkit.emulator.operations import stream_views
from ddbkit.emulator.operations.call import (
    Answer,
    Call,
    encoded_answer,
    not_found,
    validation_error,
)
from ddbkit.emulator.operations.stream_views import StreamView
from ddbkit.emulator.store import access, clock
from ddbkit.emulator.store.catalog import Catalog, catalog

__all__ = ["Admission", "backend", "meter", "resolve_stream", "resolve_table", "shaped_answer",
           "throughput"]

STREAM_NOT_FOUND = "Requested resource not found: Stream: {arn} not found"
INVALID_STREAM_ARN = "Invalid StreamArn"  # DynamoDB Streams' wording for a malformed ARN


def backend(call: Call) -> Catalog:
    """The store the operation executes on: its account's tables and backups in its region."""
    return catalog(call.account_id, call.region)


def resolve_table(call: Call, name: str) -> Any:
    """The table named `name` (or with that ARN), or DynamoDB's ResourceNotFoundException."""
    return access.table(backend(call), name)


def shaped_answer(call: Call, result: dict[str, Any]) -> Answer:
    """The answer stage for results holding datetimes and moto's values: the output shape's
    members only, as moto's handler answered them before the operation moved."""
    return encoded_answer(answers.wire_body(call.operation, result))


def resolve_stream(call: Call, arn: str) -> StreamView:
    """The stream `arn` names, its shard trimmed to now (records past 24 hours go), or
    ResourceNotFoundException: a deleted table's, a replaced label's, a table without one.
    An ARN that is no stream's ARN at all is a ValidationException, as on DynamoDB."""
    check_stream_arn(arn)
    found = stream_views.stream(backend(call), arn, clock.now())
    if found is None:
        raise not_found(STREAM_NOT_FOUND.format(arn=arn))
    return found


def check_stream_arn(arn: str) -> None:
    if not stream_views.is_stream_arn(arn):
        raise validation_error(INVALID_STREAM_ARN)


def throughput() -> Admission | None:
    """The throughput model watching this request (it admits or refuses its charges), if
    the emulator runs one."""
    return admission.get()


def meter(operation: str, params: dict[str, Any], **options: Any) -> Meter | None:
    """The request's capacity meter: when it asks for ConsumedCapacity (TOTAL or INDEXES) or
    a throughput model counts its charges; None otherwise (nothing to measure). `options`
    go to the Meter (transactional, write_step); the endpoint's metrics add up its charges."""
    mode = params.get("ReturnConsumedCapacity")
    mode = mode if mode in (TOTAL, INDEXES) else None
    if mode is None and admission.get() is None:
        return None
    found = Meter(operation, mode, **options)
    made(found)
    return found

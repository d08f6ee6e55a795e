"""ConsumedCapacity as DynamoDB counts it, in every response that asks for it.

Replaces moto's constants: `include_consumed_capacity` answers 1.0 for any write whatever
the item's size, reports an index under `LocalSecondaryIndexes` even when it is global,
UpdateItem answers 0.5 even when nothing was asked, BatchWriteItem 1.0 per table, always.
Here each data-plane action moto's handler still answers, of
`DynamoHandler` runs with a `Meter` (capacity/meter.py) when the request asks for capacity
(TOTAL or INDEXES) or a throughput model watches the emulator; moto's own figures are
replaced by the meter's, or removed when nothing was asked.

What the meter sees, by AWS's rules (capacity/rules.py), sized as DynamoDB bills
(capacity/sizes.py, remembered per item by item_size.billed_size):
- reads: GetItem, BatchGetItem, TransactGetItems, Query and Scan are ddbkit's own operations
  and meter themselves (operations/item_reads.py, item_pages.py);
- writes: PutItem, DeleteItem, UpdateItem, BatchWriteItem and TransactWriteItems meter
  themselves (operations/writes.py, with `image` and the same Meter), comparing the item and
  each index entry before and after; PartiQL writes through `Table.put_item` /
  `Table.delete_item`. TTL deletes run with no meter: they are free, as on AWS.
Requests that ask for nothing and run under no throughput model pay one context-variable
read per action.
"""

from __future__ import annotations

import contextvars
import copy
from collections.abc import Callable, Sequence
from typing import Any

from moto.dynamodb.models.table import Table
from moto.dynamodb.parsing import partiql
from moto.dynamodb.responses import DynamoHandler

from ddbkit.emulator.capacity.meter import INDEXES, TOTAL, Charge, Image, Meter
from ddbkit.emulator.capacity.rules import (
    TRANSACTIONAL_WRITE,
    IndexEntry,
    read_step,
)
from ddbkit.emulator.capacity.sizes import item_size
from ddbkit.emulator.moto_ext.atomic_writes import atomic
from ddbkit.emulator.moto_ext.item_size import billed_size
from ddbkit.emulator.moto_ext.lsi_fetches import projected_names
from ddbkit.emulator.moto_ext.store import request_keys, require, stored_item

# Called with the charges of every metered request (of each item, in a batch); raises
# Refused to refuse them (the throughput model), and a refused write is undone. Set per
# request by the server.
Admission = Callable[[Sequence[Charge]], None]
admission: contextvars.ContextVar[Admission | None] = contextvars.ContextVar(
    "ddbkit_admission", default=None)
_meter: contextvars.ContextVar[Meter | None] = contextvars.ContextVar("ddbkit_meter",
                                                                       default=None)

ACTIONS = {  # handler method -> (operation, answers a list of tables)
    "execute_statement": ("ExecuteStatement", False),
    "execute_transaction": ("ExecuteTransaction", True),
    "batch_execute_statement": ("BatchExecuteStatement", True),
}
PARTIQL = frozenset({"ExecuteStatement", "ExecuteTransaction", "BatchExecuteStatement"})
TRANSACTIONS = frozenset({"ExecuteTransaction"})


def current() -> Meter | None:
    return _meter.get()


# -- images of an item, as the table and each of its indexes store it ----------------------

def _projected(index: Any, table: Table, attrs: dict[str, Any]) -> dict[str, Any]:
    names = projected_names(table, index)
    if names is None:
        return attrs
    return {name: value for name, value in attrs.items() if name in names}


def image(table: Table, item: Any, detach: bool = False) -> Image | None:
    """The item as the table and its indexes hold it; `detach` copies what moto may change
    in place (UpdateItem)."""
    if item is None:
        return None
    attrs = copy.deepcopy(item.attrs) if detach else item.attrs
    size = billed_size(item)
    entries: dict[str, IndexEntry] = {}
    for index in table.all_indexes():
        key_names = [k["AttributeName"] for k in index.schema]
        if not all(name in attrs for name in key_names):
            continue  # sparse: the item is not in this index
        stored = _projected(index, table, attrs)
        entries[index.name] = IndexEntry(tuple(attrs[name] for name in key_names), stored,
                                         size if stored is attrs else item_size(stored))
    return Image(size, item.hash_key, entries)


def _global_names(table: Table) -> frozenset[str]:
    return frozenset(index.name for index in (table.global_indexes or []))


# -- writes --------------------------------------------------------------------------------

def _wrap_table_write(original: Any, deletes: bool) -> Any:
    """PartiQL writes straight into the table (moto's execute_statement)."""

    def write(self: Table, *args: Any, **kwargs: Any) -> Any:
        meter = _meter.get()
        if meter is None or meter.operation not in PARTIQL:
            return original(self, *args, **kwargs)
        keys = tuple(args[:2]) if deletes else request_keys(self, args[0])
        before = image(self, stored_item(self, *keys)) if keys else None
        result = original(self, *args, **kwargs)
        after = None if deletes or keys is None else image(self, stored_item(self, *keys))
        meter.write(self.name, before, after, _global_names(self))
        return result

    return write


# -- the handler's actions -----------------------------------------------------------------

def _new_meter(operation: str, mode: str | None) -> Meter:
    return Meter(operation, mode, transactional=operation in TRANSACTIONS,
                 write_step=TRANSACTIONAL_WRITE if operation in TRANSACTIONS else 1.0)


def _finish(meter: Meter, handler: DynamoHandler, result: Any) -> None:
    """Charges known only once the action ran: PartiQL reads."""
    if meter.operation == "ExecuteStatement" and result is not None:
        _charge_partiql_reads(meter, handler.body, result.result.get("Items") or [])
    if meter.operation == "BatchExecuteStatement" and result is not None:
        for statement, answer in zip(handler.body.get("Statements") or [],
                                     result.result.get("Responses") or [], strict=False):
            if "Error" not in answer:
                _charge_partiql_reads(meter, statement, [answer.get("Item") or {}])


def _charge_partiql_reads(meter: Meter, body: dict[str, Any], items: list[Any]) -> None:
    try:
        metadata = partiql.get_query_metadata(body.get("Statement", ""))
        if not metadata.is_select_query():
            return
        table = metadata.get_table_names()[0].strip('"').split('"."')[0].split(".")[0]
    except Exception:  # noqa: BLE001 - moto refused the statement already
        return
    step = read_step(bool(body.get("ConsistentRead")))
    for item in items or [{}]:  # a read that finds nothing still costs a step
        meter.read(table, None, False, item_size(item), step, None)


def _answer(meter: Meter, handler: DynamoHandler, listed: bool, result: Any) -> None:
    body = result.result
    if meter.mode is None:
        body.pop("ConsumedCapacity", None)
    elif listed:
        body["ConsumedCapacity"] = meter.consumed_list()
    else:
        table = handler.body.get("TableName") or next(iter(meter.usage), "")
        body["ConsumedCapacity"] = meter.consumed(table)
    body.pop("ConsumedCapacityUnits", None)


def _wrap_action(original: Any, operation: str, listed: bool) -> Any:
    def action(self: DynamoHandler) -> Any:
        mode = self.body.get("ReturnConsumedCapacity")
        mode = mode if mode in (TOTAL, INDEXES) else None
        admit = admission.get()
        if mode is None and admit is None:
            result = original(self)
            if listed:
                result.result.pop("ConsumedCapacity", None)  # moto adds it unasked
            return result
        meter = _new_meter(operation, mode)
        token = _meter.set(meter)
        try:
            if admit is None:
                result = original(self)
                _finish(meter, self, result)
            else:
                result = _admitted(original, self, meter, admit)
        finally:
            _meter.reset(token)
        _answer(meter, self, listed, result)
        return result

    action.__wrapped__ = original  # type: ignore[attr-defined]
    return action


def _admitted(original: Any, handler: DynamoHandler, meter: Meter, admit: Admission) -> Any:
    """Runs the action, then asks the throughput model; a refused request is undone."""
    with atomic():
        try:
            result = original(handler)
        except Exception:
            _finish(meter, handler, None)
            admit(meter.charges)  # a failed conditional write is charged, or throttled
            raise
        _finish(meter, handler, result)
        admit(meter.charges)  # outside the try: a refusal is not a failure of the action
        return result


def install() -> None:
    require(DynamoHandler, *ACTIONS)
    require(Table, "put_item", "delete_item", "all_indexes")
    require(partiql, "get_query_metadata")
    for name, (operation, listed) in ACTIONS.items():
        setattr(DynamoHandler, name, _wrap_action(getattr(DynamoHandler, name), operation,
                                                  listed))
    Table.put_item = _wrap_table_write(Table.put_item, deletes=False)  # type: ignore[method-assign]
    Table.delete_item = _wrap_table_write(  # type: ignore[method-assign]
        Table.delete_item, deletes=True)

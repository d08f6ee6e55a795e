"""BatchWriteItem: puts and deletes up to 25 items over one or more tables, checked whole first.

Read top to bottom as DynamoDB runs it. The endpoint checked 1..25 requests, each exactly one
of PutRequest or DeleteRequest. Then, table by table: the table exists; each request as PutItem
or DeleteItem checks it (a Put's table keys as a Key is checked, against the schema, then its
empty keys, index key types and sizes, values in range, 400 KB; a Delete's Key); no key twice
in one table (a Put and a Delete of one key included). Any refusal refuses the whole batch,
before anything is written. Then each request in order: the item before, the store change with
its undo and journal notes, the indexes, the stream record, the capacity; with a throughput
model each item is admitted on its own (refused ones come back in UnprocessedItems, a batch
refused whole is throttled). A failure part-way undoes everything the batch wrote. The answer:
UnprocessedItems, ConsumedCapacity per table, ItemCollectionMetrics per LSI table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ddbkit.emulator.capacity.meter import Meter, Refused
from ddbkit.emulator.moto_ext import item_writes
from ddbkit.emulator.moto_ext.calls import moto_refusals
from ddbkit.emulator.operations import item_collection_metrics, key_schema, pipeline, writes
from ddbkit.emulator.operations.call import Answer, Call, answer, validation_error
from ddbkit.emulator.operations.keys import stored_identity
from ddbkit.emulator.store import atomic_writes

DUPLICATES = "Provided list of item keys contains duplicates"
# DynamoDB's wording for an empty string key in a batch (PutItem's differs).
EMPTY_KEY = ("One or more parameter values are not valid. The AttributeValue for a key "
             "attribute cannot contain an empty string value. Key: {}")


@dataclass(frozen=True, slots=True)
class Write:
    table: Any
    keys: tuple[Any, Any]  # (hash, range) as the store keys the item
    new: Any  # the item to put, None for a delete
    hash_value: Any  # the partition key as sent, decoded (ItemCollectionMetrics)
    request: dict[str, Any]  # the request as sent (UnprocessedItems)


def run(call: Call) -> Answer:
    batch = [write for name, requests in call.params["RequestItems"].items()
             for write in _checked(call, name, requests)]
    metering = writes.metering_for(call)
    with atomic_writes.atomic():
        done = [write for write in batch if _written(metering, write)]
        _throttled_whole(metering, len(batch))
    result: dict[str, Any] = {"UnprocessedItems": metering.meter.unprocessed
                              if metering.meter is not None else {}}
    if metering.meter is not None and metering.meter.mode is not None:
        result["ConsumedCapacity"] = metering.meter.consumed_list()
    result["ItemCollectionMetrics"] = _collection_metrics(call.params, done)
    return answer(result)


# -- validate ---------------------------------------------------------------------------------

def _checked(call: Call, name: str, requests: list[dict[str, Any]]) -> list[Write]:
    """One table's requests, each checked as its single-item write checks it, no key twice."""
    table = pipeline.resolve_table(call, name)
    checked, seen = [], set()
    for request in requests:
        write = _put(table, request) if request.get("PutRequest") is not None else \
            _delete(table, request)
        identity = stored_identity(write.keys)
        if identity in seen:
            raise validation_error(DUPLICATES)
        seen.add(identity)
        checked.append(write)
    return checked


def _put(table: Any, request: dict[str, Any]) -> Write:
    item = writes.decoded_map(request["PutRequest"]["Item"])
    with moto_refusals():
        # A Put's table keys are checked as a Key is (DynamoDB's words, not PutItem's).
        key_schema.check(table, {name: item.get(name) for name in table.table_key_attrs})
        item_writes.empty_key_checks(table, item, EMPTY_KEY)
    keys = writes.item_keys(table, item)
    return Write(table, keys, writes.build(table, keys, item), item[table.hash_key_attr],
                 request)


def _delete(table: Any, request: dict[str, Any]) -> Write:
    key = writes.decoded_map(request["DeleteRequest"]["Key"])
    return Write(table, writes.check_key(table, key), None, key[table.hash_key_attr], request)



# -- execute, item by item --------------------------------------------------------------------

def _written(metering: writes.Metering, write: Write) -> bool:
    """The write done; with a throughput model, kept only if the model admits its charges
    (else undone, retracted and noted among the unprocessed)."""
    if metering.admit is None:
        _write(metering, write)
        return True
    meter: Meter = metering.meter  # type: ignore[assignment]
    start = len(meter.charges)
    try:
        with atomic_writes.atomic():
            _write(metering, write)
            metering.admit(meter.charges[start:])
    except Refused as refusal:
        meter.retract(start)
        meter.refuse(write.table.name, write.request, refusal)
        return False
    return True


def _write(metering: writes.Metering, write: Write) -> None:
    table, keys = write.table, write.keys
    old = writes.read_old(table, keys)
    writes.image_before(metering, table, old)
    if write.new is not None:
        writes.put(table, keys, write.new)
    elif old is not None:
        writes.delete(table, keys)
    else:
        writes.charge_failed(metering, table, keys)  # nothing to delete: still 1 WCU
        return
    writes.maintain_indexes(table, old, write.new)
    writes.stream(table, old, write.new)
    writes.charge_write(metering, table, write.new)


def _throttled_whole(metering: writes.Metering, total: int) -> None:
    """A batch whose every item the model refused is throttled, with all their reasons."""
    meter = metering.meter
    if meter is None or not meter.refusals or len(meter.refusals) < total:
        return
    first = meter.refusals[0]
    first.reasons = [dict(reason) for reason in dict.fromkeys(
        tuple(sorted(r.items())) for refusal in meter.refusals for r in refusal.reasons)]
    raise first


# -- answer -----------------------------------------------------------------------------------

def _collection_metrics(params: dict[str, Any], done: list[Write]) -> dict[str, Any]:
    """For SIZE: each written item's collection, by table, on tables with LSIs."""
    if params.get("ReturnItemCollectionMetrics") != "SIZE":
        return {}
    by_table: dict[str, list[Any]] = {}
    for write in done:
        if write.table.indexes:
            metrics = item_collection_metrics.metrics(write.table, write.hash_value)
            key = metrics["ItemCollectionKey"]
            metrics["ItemCollectionKey"] = {name: item_writes.wire(v) for name, v in key.items()}
            by_table.setdefault(write.table.name, []).append(metrics)
    return by_table

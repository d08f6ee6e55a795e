"""The stages Query and Scan share once they know their candidates, in DynamoDB's order.

  read a page (Limit items or 1 MB of stored items, and the LastEvaluatedKey where it
  stopped) -> the index's projection -> filter -> project -> meter -> answer

A page stops before the candidate that would pass Limit or 1 MB, and names the last item it
read as LastEvaluatedKey (the table's keys, and the index's): when no candidate follows,
there is none. ScannedCount counts what was read, Count what passed the filter; capacity is
the size of everything read, summed and rounded once, as the index holds it (a GSI's or a
scanned index's projection; an LSI Query fetches unprojected attributes from the table).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ddbkit.emulator.capacity.rules import read_step
from ddbkit.emulator.expressions.conditions import Condition
from ddbkit.emulator.moto_ext import reads
from ddbkit.emulator.operations import item_reads, pipeline, writes
from ddbkit.emulator.operations.call import Answer, answer
from ddbkit.emulator.store import access

PAGE_BYTES = 1024 * 1024  # "a maximum of 1 MB of data" per Query or Scan page


@dataclass
class Page:
    items: list[Any] = field(default_factory=list)  # stored items, in the order read
    stopped: bool = False  # by Limit or 1 MB, before the last candidate


def read_page(candidates: Iterable[Any], limit: int | None, following: Any = None) -> Page:
    """Reads candidates until Limit or 1 MB; `following` is the item after the last
    candidate (a Query's next item in the partition), which only decides whether the page
    ends with a LastEvaluatedKey."""
    page = Page()
    size = 0
    for item in candidates:
        item_bytes = access.billed_size(item)
        if len(page.items) == limit or size + item_bytes > PAGE_BYTES:
            page.stopped = True
            return page
        page.items.append(item)
        size += item_bytes
    if following is not None and (len(page.items) == limit or
                                  size + access.billed_size(following) > PAGE_BYTES):
        page.stopped = True
    return page


def last_evaluated_key(table: Any, index: Any, item: Any) -> dict[str, Any]:
    names = [table.hash_key_attr, *([table.range_key_attr] if table.range_key_attr else [])]
    if index is not None:
        names += [k["AttributeName"] for k in index.schema if k["AttributeName"] not in names]
    attributes = access.attributes(item)
    return {name: attributes[name] for name in names}


@dataclass(frozen=True)
class Reading:
    """What a Query or Scan asked for, beyond its candidates."""

    operation: str
    table: Any
    index: Any
    params: dict[str, Any]  # with legacy filters written as a FilterExpression
    paths: item_reads.Paths  # the ProjectionExpression's (or AttributesToGet's); [] for all
    partition: Any  # the Query's partition key value (throughput model), None for a Scan
    fetches: bool  # an LSI Query: reads attributes the index does not project


def filter_condition(params: dict[str, Any]) -> Condition | None:
    """The request's FilterExpression (values already decoded), parsed."""
    expression = params.get("FilterExpression")
    if not expression:
        return None
    return writes.parse_condition(expression, params.get("ExpressionAttributeNames"),
                                  params.get("ExpressionAttributeValues") or {},
                                  "FilterExpression")


def finish(reading: Reading, page: Page, condition: Condition | None) -> Answer:
    """The index's projection, filter, projection, capacity and the answer, for one page."""
    table, index, params = reading.table, reading.index, reading.params
    seen = page.items if index is None or reading.fetches else \
        [reads.index_project(table, index, item) for item in page.items]
    # filter
    kept = seen if condition is None else \
        [i for i in seen if condition.holds(access.attributes(i))]
    result: dict[str, Any] = {"Count": len(kept), "ScannedCount": len(seen)}
    # project
    if params.get("Select") != "COUNT":
        result["Items"] = _documents(reading, kept, reading.paths)
    # meter: everything read, before the filter, rounded once (the model may refuse it)
    meter = pipeline.meter(reading.operation, params)
    if meter is not None:
        meter.read(table.name, index.name if index is not None else None,
                   reads.is_global(table, index), sum(access.billed_size(i) for i in seen),
                   read_step(bool(params.get("ConsistentRead"))), reading.partition)
        admit = pipeline.throughput()
        if admit is not None:
            admit(meter.charges)
    # answer
    if page.stopped and page.items:
        result["LastEvaluatedKey"] = last_evaluated_key(table, index, page.items[-1])
    if meter is not None and meter.mode is not None:
        result["ConsumedCapacity"] = meter.consumed(table.name)
    return answer(result)


def _documents(reading: Reading, items: list[Any], paths: item_reads.Paths) -> list[Any]:
    documents = [item_reads.document(item, paths) for item in items]
    asked_projected = reading.params.get("Select") in (None, "ALL_PROJECTED_ATTRIBUTES") \
        and not paths
    names = reads.projected_names(reading.table, reading.index) if reading.fetches and \
        asked_projected else None
    if names is None:
        return documents
    return [{k: v for k, v in document.items() if k in names} for document in documents]

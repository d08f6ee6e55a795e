"""Scan: every item of a table or index, a page at a time, optionally one segment of many.

Validation beyond the API model (the endpoint already refused malformed requests, mixed
legacy and expression parameters, undefined or unused `#names`): Segment and TotalSegments
together, Segment below TotalSegments; the FilterExpression and ProjectionExpression parse;
the index exists ("The table does not have the specified index"); Select against the
projection; the ExclusiveStartKey; no ConsistentRead on a GSI.

The candidates come from ddbkit's own indexes (store/indexes.py): partitions in key
order, each in its sort order, from after the ExclusiveStartKey; a parallel Scan keeps the
items of its segment (an md5 of the item's partition key, as moto splits a table). A page
and what follows is item_pages.py's.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ddbkit.emulator.moto_ext import calls, reads
from ddbkit.emulator.operations import item_pages, item_reads, pipeline, read_requests
from ddbkit.emulator.operations.call import Answer, Call, validation_error
from ddbkit.emulator.store import backfills, indexes

NO_TOTAL = ("The TotalSegments parameter is required but was not present in the request when "
            "Segment parameter is present")
NO_SEGMENT = ("The Segment parameter is required but was not present in the request when "
              "parameter TotalSegments is present")
SEGMENT_RANGE = ("The Segment parameter is zero-based and must be less than parameter "
                 "TotalSegments")


def run(call: Call) -> Answer:
    params = read_requests.request(call.params, "ScanFilter")
    # validate, resolve the table and index
    segment, total = _segments(params)
    with calls.moto_refusals():
        condition = item_pages.filter_condition(params)
        paths = item_reads.selection(params)
        table = pipeline.resolve_table(call, params["TableName"])
        index = reads.index_of(table, params.get("IndexName"))
        reads.check_select("Scan", params, table)
        read_requests.check_start_key(table, params)
        reads.check_consistency(table, index, bool(params.get("ConsistentRead")))
        backfills.check_readable(table, index)
        start = indexes.start_key(table, params.get("IndexName"),
                                  params.get("ExclusiveStartKey"))
        # read the table or index in order, this segment's items only
        candidates = indexes.index_order(table, params.get("IndexName"), start)
    if total is not None:
        candidates = _in_segment(candidates, segment, total)
    page = item_pages.read_page(candidates, params.get("Limit"))
    # filter, project, meter, answer
    return item_pages.finish(item_pages.Reading("Scan", table, index, params, paths, None,
                                                fetches=False), page, condition)


def _segments(params: dict[str, Any]) -> tuple[int, int | None]:
    segment, total = params.get("Segment"), params.get("TotalSegments")
    if segment is not None and total is None:
        raise validation_error(NO_TOTAL)
    if total is not None and segment is None:
        raise validation_error(NO_SEGMENT)
    if segment is not None and total is not None and segment >= total:
        raise validation_error(SEGMENT_RANGE)
    return segment or 0, total


def _in_segment(candidates: Iterator[Any], segment: int, total: int) -> Iterator[Any]:
    return (item for item in candidates if reads.segment_of(item, total) == segment)

"""Query: the items of one partition (of the table or an index) a key condition selects.

Validation beyond the API model (the endpoint already refused malformed requests, a missing
key condition, mixed legacy and expression parameters except KeyConditions, undefined or
unused `#names`): the index exists ("The table does not have the specified index"), the
FilterExpression and ProjectionExpression parse, the key condition's shape against the
table's or index's key schema (operations/key_selection.py, a GSI's multi-attribute key
too; DynamoDB's wording), no key attribute of that schema in the filter ("Filter Expression
can only contain non-primary key attributes: Primary key attribute: sk"), Select
against the projection, the ExclusiveStartKey, the condition values' types, and no
ConsistentRead on a GSI.

The candidates come from ddbkit's own index of the partition, in sort order either way
(ScanIndexForward), from after the ExclusiveStartKey (store/indexes.py); a page and what
follows is item_pages.py's.
"""

from __future__ import annotations

from typing import Any

from ddbkit.emulator.expressions import condition_grammar, key_conditions
from ddbkit.emulator.expressions.condition_grammar import ConditionRefused
from ddbkit.emulator.moto_ext import calls, reads
from ddbkit.emulator.operations import (
    item_pages,
    item_reads,
    key_selection,
    pipeline,
    read_requests,
)
from ddbkit.emulator.operations.call import Answer, Call, validation_error
from ddbkit.emulator.store import access, backfills, indexes

NO_KEY_CONDITION = ("Either the KeyConditions or KeyConditionExpression parameter must be "
                    "specified in the request.")
KEY_IN_FILTER = "{} can only contain non-primary key attributes: Primary key attribute: {}"


def run(call: Call) -> Answer:
    params = read_requests.request(call.params, "QueryFilter")
    # validate, resolve the table and index
    found = access.find_table(pipeline.backend(call), params["TableName"])
    key_selection.check_legacy_count(call.params.get("KeyConditions"), found,
                                     params.get("IndexName"))
    with calls.moto_refusals():
        index = reads.index_of(found, params.get("IndexName")) if found is not None else None
        condition = item_pages.filter_condition(params)
        paths = item_reads.selection(params)
        clauses = _key_clauses(params)
        table = pipeline.resolve_table(call, params["TableName"])
        if clauses is None:
            raise validation_error(NO_KEY_CONDITION)
        selected = key_selection.select(clauses, table, index)
        _check_filter_off_keys(call.params, reads.schema(table, index))
        reads.check_select("Query", params, table)
        read_requests.check_start_key(table, params)
        reads.check_consistency(table, index, bool(params.get("ConsistentRead")))
        backfills.check_readable(table, index)
        start = indexes.start_key(table, params.get("IndexName"),
                                  params.get("ExclusiveStartKey"))
        # read the partition's range, in the order asked
        candidates, following = indexes.partition_range(
            table, params.get("IndexName"), selected.partition, selected.comparison,
            selected.values, start, params.get("ScanIndexForward") is not False,
            selected.equal)
    page = item_pages.read_page(candidates, params.get("Limit"), following)
    # filter, project, meter, answer
    return item_pages.finish(item_pages.Reading(
        "Query", table, index, params, paths, selected.partition,
        fetches=index is not None and not reads.is_global(table, index)), page, condition)


def _key_clauses(params: dict[str, Any]) -> list[key_conditions.Clause] | None:
    """The KeyConditionExpression's clauses (None without one), read before the table is
    looked up: DynamoDB refuses a malformed one first."""
    expression = params.get("KeyConditionExpression")
    if not expression:
        return None
    try:
        return key_conditions.read_clauses(expression, params.get("ExpressionAttributeNames"),
                                           params.get("ExpressionAttributeValues") or {})
    except ConditionRefused as refused:
        raise validation_error(refused.message) from None


def _check_filter_off_keys(params: dict[str, Any], schema: list[dict[str, str]]) -> None:
    """A filter (QueryFilter or FilterExpression, as sent) names no key attribute of the
    table or index queried: those belong in the key condition."""
    legacy = params.get("QueryFilter")
    expression = params.get("FilterExpression")
    if legacy:
        heads, member = set(legacy), "QueryFilter"
    elif expression:
        heads, member = condition_grammar.path_heads(
            expression, params.get("ExpressionAttributeNames")), "Filter Expression"
    else:
        return
    for key in schema:
        if key["AttributeName"] in heads:
            raise validation_error(KEY_IN_FILTER.format(member, key["AttributeName"]))

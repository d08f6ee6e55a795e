"""Query: the items of one partition (of the table or an index) a key condition selects.

Validation beyond the API model (the endpoint already refused malformed requests, a missing
key condition, mixed legacy and expression parameters except KeyConditions, undefined or
unused `#names`): the index exists ("The table does not have the specified index"), the
FilterExpression and ProjectionExpression parse, the key condition's shape against the
table's or index's key schema (expressions/key_conditions.py, DynamoDB's wording), no key
attribute of that schema in the filter ("Filter Expression can only contain non-primary key
attributes: Primary key attribute: sk"), Select
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
from ddbkit.emulator.operations import item_pages, item_reads, pipeline, read_requests
from ddbkit.emulator.operations.call import Answer, Call, validation_error
from ddbkit.emulator.store import access, backfills, indexes

NO_KEY_CONDITION = ("Either the KeyConditions or KeyConditionExpression parameter must be "
                    "specified in the request.")
KEY_IN_FILTER = "{} can only contain non-primary key attributes: Primary key attribute: {}"
CONDITION_TYPE = ("One or more parameter values were invalid: Condition parameter type does "
                  "not match schema type")


def run(call: Call) -> Answer:
    params = read_requests.request(call.params, "QueryFilter")
    # validate, resolve the table and index
    found = access.find_table(pipeline.backend(call), params["TableName"])
    with calls.moto_refusals():
        index = reads.index_of(found, params.get("IndexName")) if found is not None else None
        condition = item_pages.filter_condition(params)
        paths = item_reads.selection(params)
        clauses = _key_clauses(params)
        table = pipeline.resolve_table(call, params["TableName"])
        partition, comparison, values = _key_condition(clauses, table, index)
        _check_filter_off_keys(call.params, reads.schema(table, index))
        reads.check_select("Query", params, table)
        read_requests.check_start_key(table, params)
        reads.check_consistency(table, index, bool(params.get("ConsistentRead")))
        backfills.check_readable(table, index)
        start = indexes.start_key(table, params.get("IndexName"),
                                  params.get("ExclusiveStartKey"))
        # read the partition's range, in the order asked
        candidates, following = indexes.partition_range(
            table, params.get("IndexName"), partition, comparison, values, start,
            params.get("ScanIndexForward") is not False)
    page = item_pages.read_page(candidates, params.get("Limit"), following)
    # filter, project, meter, answer
    return item_pages.finish(item_pages.Reading(
        "Query", table, index, params, paths, partition,
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


def _key_condition(clauses: list[key_conditions.Clause] | None, table: Any,
                   index: Any) -> tuple[Any, str | None, list[Any]]:
    """(partition key value, sort key operator or None, its values) as `store.item.Key`s."""
    if clauses is None:
        raise validation_error(NO_KEY_CONDITION)
    try:
        hash_conditions, range_conditions = key_conditions.against(
            clauses, reads.schema(table, index))
    except ConditionRefused as refused:
        raise validation_error(refused.message) from None
    declared = reads.declared_types(table)
    for name, value in [*hash_conditions,
                        *((name, v) for name, _, values in range_conditions for v in values)]:
        if not isinstance(value, dict) or next(iter(value), None) != declared.get(name):
            raise validation_error(CONDITION_TYPE)
    partition = reads.value(hash_conditions[0][1])
    if not range_conditions:
        return partition, None, []
    _, comparison, values = range_conditions[-1]
    return partition, comparison, [reads.value(v) for v in values]

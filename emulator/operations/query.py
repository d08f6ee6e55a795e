"""Query: the items of one partition (of the table or an index) a key condition selects.

Validation beyond the API model (the endpoint already refused malformed requests, a missing
key condition, mixed legacy and expression parameters except KeyConditions, undefined or
unused `#names`): the index exists ("The table does not have the specified index"), the
FilterExpression and ProjectionExpression parse, the key condition's shape against the
table's or index's key schema (moto_ext/key_conditions.py, DynamoDB's wording), Select
against the projection, the ExclusiveStartKey, the condition values' types, and no
ConsistentRead on a GSI.

The candidates come from ddbkit's own index of the partition, in sort order either way
(ScanIndexForward), from after the ExclusiveStartKey (moto_ext/indexes.py); a page and what
follows is item_pages.py's.
"""

from __future__ import annotations

from typing import Any

from ddbkit.emulator.moto_ext import calls, indexes, key_conditions, reads
from ddbkit.emulator.operations import item_pages, item_reads, pipeline, read_requests
from ddbkit.emulator.operations.call import Answer, Call, validation_error

NO_KEY_CONDITION = ("Either the KeyConditions or KeyConditionExpression parameter must be "
                    "specified in the request.")
CONDITION_TYPE = ("One or more parameter values were invalid: Condition parameter type does "
                  "not match schema type")


def run(call: Call) -> Answer:
    params = read_requests.request(call.params, "QueryFilter")
    # validate, resolve the table and index
    found = calls.find_table(pipeline.backend(call), params["TableName"])
    with calls.moto_refusals():
        index = reads.index_of(found, params.get("IndexName")) if found is not None else None
        condition = item_pages.filter_condition(params)
        paths = item_reads.selection(params)
        table = pipeline.resolve_table(call, params["TableName"])
        partition, comparison, values = _key_condition(params, table, index)
        reads.check_select("Query", params, table)
        read_requests.check_start_key(table, params)
        reads.check_consistency(table, index, bool(params.get("ConsistentRead")))
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


def _key_condition(params: dict[str, Any], table: Any,
                   index: Any) -> tuple[Any, str | None, list[Any]]:
    """(partition key value, sort key operator or None, its values) as `store.item.Key`s."""
    expression = params.get("KeyConditionExpression")
    if not expression:
        raise validation_error(NO_KEY_CONDITION)
    hash_conditions, range_conditions = key_conditions.parse(
        expression, params.get("ExpressionAttributeNames") or {},
        params.get("ExpressionAttributeValues") or {}, reads.schema(table, index))
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

"""Rules DynamoDB applies across a request's members before it looks at a table, as data:
step 6 of the validation engine (rules/__init__.py), after each member's own constraints.

botocore's model knows members and types; these rules span members, and moto, which does not
check them on every path, crashes on the requests that break them (KeyError on an undefined
`:value`, a TypeError building a legacy condition with the wrong number of values,
UnboundLocalError on a Query without a key condition). Wording as DynamoDB answers, recorded
in dynalite's test suite (https://github.com/architect/dynalite, test/*.js run against AWS).

- Expressions and their names and values: rules/expressions.py.
- CreateTable's and UpdateTable's key schemas, indexes and capacity: rules/schema.py; tags:
  rules/tags.py.
- A Scan's Segment and TotalSegments go together, Segment below TotalSegments.
- A transaction names each item once, and its items total at most 4 MB; a BatchGetItem
  names each key once.
- Legacy parameters are not mixed with expressions; their conditions (Expected, KeyConditions,
  QueryFilter, ScanFilter) take as many values as
  their ComparisonOperator does; Expected's Exists/Value combinations; AttributeUpdates'
  actions fit the value's type.
- A Query has a key condition; a legacy condition's operator takes its number of values,
  of types it compares (sets only with EQ and NE, BEGINS_WITH no numbers).
- PutItem and DeleteItem return ALL_OLD or NONE.
- What a read returns: rules/selection.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from ddbkit.emulator.endpoint.rules import (
    expressions,
    layers,
    schema,
    selection,
    tags,
    transaction_rules,
)
from ddbkit.emulator.endpoint.wire import WireError

INVALID = "One or more parameter values were invalid: "
EXPRESSIONS = expressions.EXPRESSIONS
# Where an operation's request holds expressions and legacy conditions: a path of member
# names, "*" for every value of a map, "[]" for every element of a list; () is the request.
# The kind of request each holds is the operation, or a transaction action's member name.
HOLDERS: dict[str, tuple[tuple[str, ...], ...]] = {
    "BatchGetItem": (("RequestItems", "*"),),
    "TransactGetItems": (("TransactItems", "[]", "Get"),),
    "TransactWriteItems": (("TransactItems", "[]", "*"),),
}
# Rules of whole requests, by operation.
OPERATION_RULES: dict[str, tuple[Callable[[dict[str, Any]], None], ...]] = {
    "CreateTable": (schema.create_table, tags.create_table),
    "UpdateTable": (schema.update_table,),
    "TagResource": (tags.tag_resource,), "UntagResource": (tags.untag_resource,),
    "TransactWriteItems": (transaction_rules.write,),
    "TransactGetItems": (transaction_rules.get,)}
# How many values each ComparisonOperator takes: (fewest, most).
ARGUMENTS = {"EQ": (1, 1), "NE": (1, 1), "LE": (1, 1), "LT": (1, 1), "GE": (1, 1),
             "GT": (1, 1), "CONTAINS": (1, 1), "NOT_CONTAINS": (1, 1), "BEGINS_WITH": (1, 1),
             "NULL": (0, 0), "NOT_NULL": (0, 0), "IN": (1, 10**9), "BETWEEN": (2, 2)}
COUNT = INVALID + "Invalid number of argument(s) for the {operator} ComparisonOperator"
FILTERS = ("KeyConditions", "QueryFilter", "ScanFilter")
# The pre-expression parameters, which DynamoDB does not mix with expressions.
LEGACY = ("AttributesToGet", "QueryFilter", "ScanFilter", "KeyConditions", "Expected",
          "AttributeUpdates", "ConditionalOperator")
# AttributeUpdates: the value types each action accepts (None: a value is required).
ACTION_TYPES = {"ADD": frozenset({"N", "SS", "NS", "BS", "L"}),
                "DELETE": frozenset({"SS", "NS", "BS"})}


# Lists whose every element holds exactly one of these members, and what DynamoDB says if not.
ONE_OF = {
    "TransactWriteItems": (("TransactItems", "[]"), ("ConditionCheck", "Put", "Delete", "Update"),
                           "TransactItems can only contain one of Check, Put, Update or Delete"),
    # (sic: DynamoDB's answer to an empty WriteRequest, recorded by dynalite)
    "BatchWriteItem": (("RequestItems", "*", "[]"), ("PutRequest", "DeleteRequest"),
                       "Supplied AttributeValue has more than one datatypes set, must contain "
                       "exactly one of the supported datatypes"),
}
# The ReturnValues a write without an update takes (the enum allows UPDATED_*, ALL_NEW).
RETURN_VALUES = {"PutItem": ("ALL_OLD", "NONE"), "DeleteItem": ("ALL_OLD", "NONE")}
# The value types a legacy condition's operator refuses (recorded in dynalite's tests):
# only EQ and NE compare sets, and BEGINS_WITH no numbers.
SETS = frozenset({"SS", "NS", "BS"})
REFUSED_TYPES = {"EQ": frozenset(), "NE": frozenset(), "BEGINS_WITH": SETS | {"N"}}
TYPE_REFUSED = INVALID + "ComparisonOperator {operator} is not valid for {kind} AttributeValue type"
# Operators no key condition can use: no index orders items by them.
UNINDEXABLE = frozenset({"NULL", "NOT_NULL", "CONTAINS", "NOT_CONTAINS", "IN"})
SEQUENCED = ("AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER")
# Requests per batch call, over all its tables; checked before any work, so one oversized
# batch never holds the store lock (a 20,000-delete BatchWriteItem stalled every client 2 s).
# https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html
# https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchGetItem.html
# (limit, the member of each table's entry that lists its requests; None: the entry is the list)
BATCH_LIMITS: dict[str, tuple[int, str | None]] = {"BatchWriteItem": (25, None),
                                                   "BatchGetItem": (100, "Keys")}


def check(operation: str, params: dict[str, Any],
          pending: tuple[int | None, WireError] | None = None, syntax: bool = False) -> None:
    """Raises WireError (a ValidationException) for the first rule the request breaks.

    `pending`: a transaction action's value problem (the action's position, the error),
    raised when the actions before it pass; `syntax`: an error is pending after these rules,
    so the expressions' syntax, which DynamoDB reads before it, is checked here too."""
    if operation in ONE_OF:
        path, members, message = ONE_OF[operation]
        for _, element in _holders(params, (path,), operation):
            if sum(element.get(m) is not None for m in members) != 1:
                raise _invalid(message)
    if operation in BATCH_LIMITS:
        _batch_size_rule(operation, params)
    if operation == "BatchGetItem":
        _distinct_keys(params)
    if operation == "Query":
        _query_rules(params)
    if operation == "Scan":
        _segment_rules(params)
    if operation == "GetShardIterator":
        _shard_iterator_rules(params)
    allowed = RETURN_VALUES.get(operation)
    if allowed is not None and params.get("ReturnValues", "NONE") not in allowed:
        raise _invalid(f"ReturnValues can only be {' or '.join(allowed)}")
    current = operation in layers.CURRENT
    for position, (kind, holder) in enumerate(
            _holders(params, HOLDERS.get(operation, ((),)), operation)):
        if pending is not None and pending[0] == position:
            raise pending[1]
        if operation in layers.ORDERED_ACTIONS:
            transaction_rules.action(kind, holder)
        _legacy_rules(holder)
        expressions.check(holder, kind, current)
        selection.check(holder, kind in ("Query", "Scan"))
        if syntax or pending is not None:
            expressions.syntax(holder)
    if pending is not None:
        raise pending[1]
    for rule in OPERATION_RULES.get(operation, ()):
        rule(params)


def _segment_rules(params: dict[str, Any]) -> None:
    segment, total = params.get("Segment"), params.get("TotalSegments")
    if segment is not None and total is None:
        raise _invalid("The TotalSegments parameter is required but was not present in the "
                       "request when Segment parameter is present")
    if total is not None and segment is None:
        raise _invalid("The Segment parameter is required but was not present in the request "
                       "when parameter TotalSegments is present")
    if segment is not None and total is not None and segment >= total:
        raise _invalid("The Segment parameter is zero-based and must be less than parameter "
                       f"TotalSegments: Segment: {segment} is not less than TotalSegments: "
                       f"{total}")


def _batch_size_rule(operation: str, params: dict[str, Any]) -> None:
    limit, member = BATCH_LIMITS[operation]
    tables = params.get("RequestItems")
    if not isinstance(tables, dict):
        return
    total = 0
    for table in tables.values():
        found = table.get(member) if member and isinstance(table, dict) else table
        total += len(found) if isinstance(found, list) else 0
    if total > limit:
        raise _invalid(f"Too many items requested for the {operation} call")


def _distinct_keys(params: dict[str, Any]) -> None:
    """A BatchGetItem's keys name each item of a table once (a Key is the whole key)."""
    for table in (params.get("RequestItems") or {}).values():
        keys = table.get("Keys") if isinstance(table, dict) else None
        if isinstance(keys, list):
            distinct = {json.dumps(key, sort_keys=True) for key in keys}
            if len(distinct) < len(keys):
                raise _invalid("Provided list of item keys contains duplicates")


LEGACY_CONDITIONS = "Conditions can be of length 1 or 2 only"
MAX_KEY_CONDITIONS = 8


def _query_rules(params: dict[str, Any]) -> None:
    if "KeyConditionExpression" not in params and "KeyConditions" not in params:
        raise _invalid("Either the KeyConditions or KeyConditionExpression parameter must be "
                       "specified in the request.")
    conditions = params.get("KeyConditions")
    # up to 8 for a GSI's multi-attribute key; more than 2 on another key:
    # operations/key_selection.check_legacy_count, once the index is known
    if isinstance(conditions, dict) and not 1 <= len(conditions) <= MAX_KEY_CONDITIONS:
        raise _invalid(LEGACY_CONDITIONS)
    for condition in (conditions or {}).values() if isinstance(conditions, dict) else ():
        if isinstance(condition, dict) and condition.get("ComparisonOperator") in UNINDEXABLE:
            raise _invalid("Attempted conditional constraint is not an indexable operation")


def _shard_iterator_rules(params: dict[str, Any]) -> None:
    kind = params.get("ShardIteratorType")
    number = params.get("SequenceNumber")
    if kind in SEQUENCED and number is None:
        raise _invalid(f"SequenceNumber is required for ShardIteratorType {kind}")
    if number is not None and not (isinstance(number, str) and number.isascii()
                                   and number.isdigit()):
        raise _invalid(f"Invalid SequenceNumber: {number}")


def _invalid(message: str) -> WireError:
    return WireError("ValidationException", message)


def _holders(params: Any, paths: tuple[tuple[str, ...], ...],
             operation: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(kind, holder) for each part of the request that holds expressions: the operation's
    name, or a transaction action's member (Put, Update, ...)."""
    for path in paths:
        found: list[tuple[str, Any]] = [(operation, params)]
        for step in path:
            if step == "*":
                found = [(k if path[0] == "TransactItems" else kind, v) for kind, f in found
                         if isinstance(f, dict) for k, v in f.items()]
            elif step == "[]":
                found = [(kind, v) for kind, f in found if isinstance(f, list) for v in f]
            else:
                found = [(step if path[0] == "TransactItems" else kind, f[step])
                         for kind, f in found if isinstance(f, dict) and step in f]
        yield from ((kind, f) for kind, f in found if isinstance(f, dict))


def _count_fits(operator: Any, count: int) -> bool:
    fewest, most = ARGUMENTS.get(operator, (0, 10**9))  # an unknown one: botocore's enum
    return fewest <= count <= most


def _legacy_rules(holder: dict[str, Any]) -> None:
    legacy = [m for m in LEGACY if m in holder]
    if "KeyConditionExpression" not in holder:
        # DynamoDB lets a Query's legacy KeyConditions stand beside the other expressions
        # (ProjectionExpression, FilterExpression); only KeyConditionExpression replaces it.
        legacy = [m for m in legacy if m != "KeyConditions"]
    modern = [m for m in EXPRESSIONS if m in holder]
    if legacy and modern:
        raise _invalid("Can not use both expression and non-expression parameters in the same "
                       f"request: Non-expression parameters: {{{', '.join(legacy)}}} "
                       f"Expression parameters: {{{', '.join(modern)}}}")
    for member in FILTERS:
        conditions = holder.get(member)
        for condition in (conditions or {}).values() if isinstance(conditions, dict) else ():
            if not isinstance(condition, dict):
                continue
            operator = condition.get("ComparisonOperator")
            values = condition.get("AttributeValueList") or []
            if not _count_fits(operator, len(values)):
                raise _invalid(COUNT.format(operator=operator))
            refused = REFUSED_TYPES.get(str(operator), SETS)
            for value in values:
                kind = next(iter(value), None) if isinstance(value, dict) else None
                if kind in refused:
                    raise _invalid(TYPE_REFUSED.format(operator=operator, kind=kind))
    expected = holder.get("Expected")
    for name, condition in (expected or {}).items() if isinstance(expected, dict) else ():
        if isinstance(condition, dict):
            _expected_rules(name, condition)
    updates = holder.get("AttributeUpdates")
    for update in (updates or {}).values() if isinstance(updates, dict) else ():
        if isinstance(update, dict):
            _update_rules(update)


def _expected_rules(name: str, condition: dict[str, Any]) -> None:
    operator = condition.get("ComparisonOperator")
    values = condition.get("AttributeValueList")
    if operator is not None:
        if "Exists" in condition:
            raise _invalid(f"{INVALID}Exists and ComparisonOperator cannot be used together "
                           f"for Attribute: {name}")
        if values is not None and "Value" in condition:
            raise _invalid(f"{INVALID}Value and AttributeValueList cannot be used together "
                           f"for Attribute: {name}")
        count = len(values) if values is not None else 1 if "Value" in condition else 0
        if count == 0 and ARGUMENTS.get(operator, (0, 0))[0] > 0:
            raise _invalid(f"{INVALID}Value or AttributeValueList must be used with "
                           f"ComparisonOperator: {operator} for Attribute: {name}")
        if not _count_fits(operator, count):
            raise _invalid(COUNT.format(operator=operator))
        return
    if values is not None:
        raise _invalid(f"{INVALID}AttributeValueList can only be used with a "
                       f"ComparisonOperator for Attribute: {name}")
    exists = condition.get("Exists")
    if exists is not False and "Value" not in condition:
        said = "null" if exists is None else "true"
        raise _invalid(f"{INVALID}Value must be provided when Exists is {said} for "
                       f"Attribute: {name}")
    if exists is False and "Value" in condition:
        raise _invalid(f"{INVALID}Value cannot be used when Exists is false for "
                       f"Attribute: {name}")


def _update_rules(update: dict[str, Any]) -> None:
    action = update.get("Action", "PUT")
    value = update.get("Value")
    if not isinstance(value, dict) or len(value) != 1:
        if action != "DELETE" and value is None:
            raise _invalid(f"{INVALID}Only DELETE action is allowed when no attribute value "
                           "is specified")
        return
    kind = next(iter(value))
    allowed = ACTION_TYPES.get(action)
    if allowed is not None and kind not in allowed:
        verb = "DELETE action with value is" if action == "DELETE" else "ADD action is"
        raise _invalid(f"{INVALID}{verb} not supported for the type {kind}")

"""The stages of a single-item write, as functions each write operation calls in order.

PutItem, DeleteItem, UpdateItem (with `updates`), BatchWriteItem and TransactWriteItems use
them, and PartiQL's writes through those operations. In pipeline order:

- `decoded`: the request's attribute values as the store holds them (binary as bytes);
- `check_key`, `check_item`, `conditions`: validation that needs the table;
- `read_old`, `check_condition`: the item before, and the write's condition on it;
- `journal`, `put`, `delete`: the store change, noted first in the undo log (a refused or
  unjournaled write is put back) and in the change set the durability journal drains;
- `maintain_indexes`, `stream`: the table's GSIs/LSIs and its stream records;
- `metered`, `charge_write`, `consumed`: capacity, and the throughput model's admission;
- `collection_metrics`: ReturnItemCollectionMetrics SIZE on a table with LSIs.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ddbkit.emulator.capacity import consumed_capacity
from ddbkit.emulator.capacity.meter import Meter
from ddbkit.emulator.expressions import conditions as evaluation
from ddbkit.emulator.expressions.condition_grammar import ConditionRefused, parse
from ddbkit.emulator.moto_ext import item_writes
from ddbkit.emulator.moto_ext.calls import moto_refusals
from ddbkit.emulator.operations import (
    index_keys,
    item_collection_metrics,
    key_schema,
    key_values,
    legacy_conditions,
    pipeline,
)
from ddbkit.emulator.operations.call import Call, OperationError, validation_error
from ddbkit.emulator.store import atomic_writes, changes, indexes, table_description
from ddbkit.emulator.store.access import attributes

CONDITION_FAILED = "The conditional request failed"
# DynamoDB's wording for an empty string key in a batch's or transaction's item (PutItem's
# differs).
EMPTY_KEY = ("One or more parameter values are not valid. The AttributeValue for a key "
             "attribute cannot contain an empty string value. Key: {}")


# -- validate ---------------------------------------------------------------------------------

def decoded(value: Any) -> Any:
    """An attribute value with its binary members as bytes, as moto's parser gives them."""
    if type(value) is not dict or len(value) != 1:
        return value
    ((kind, inner),) = value.items()
    if kind == "B":
        return {kind: _bytes(inner)}
    if kind == "BS" and isinstance(inner, list):
        return {kind: [_bytes(v) for v in inner]}
    if kind == "L" and isinstance(inner, list):
        return {kind: [decoded(v) for v in inner]}
    if kind == "M" and isinstance(inner, dict):
        return {kind: decoded_map(inner)}
    return value


def decoded_map(attributes: Any) -> Any:
    if not isinstance(attributes, dict):
        return attributes
    return {name: decoded(value) for name, value in attributes.items()}


def _bytes(text: Any) -> Any:
    """The endpoint refused text of a length no base64 has; the rest decodes as moto's
    parser decodes it (characters outside the alphabet skipped)."""
    if not isinstance(text, str):
        return text
    try:
        return base64.b64decode(text)
    except (binascii.Error, ValueError):
        raise validation_error(f"'{text}' can not be converted to a Blob") from None


def decoded_expected(expected: Any) -> Any:
    """A legacy Expected map with its values decoded."""
    if not isinstance(expected, dict):
        return expected
    out = {}
    for name, spec in expected.items():
        if isinstance(spec, dict):
            spec = dict(spec)
            if "Value" in spec:
                spec["Value"] = decoded(spec["Value"])
            if isinstance(spec.get("AttributeValueList"), list):
                spec["AttributeValueList"] = [decoded(v) for v in spec["AttributeValueList"]]
        out[name] = spec
    return out


def check_key(table: Any, key: dict[str, Any]) -> tuple[Any, Any]:
    """The Key names exactly the table's keys, of their types, not empty, within the size
    limits (DynamoDB's wording); its (hash, range) as the store keys items."""
    with moto_refusals():
        key_schema.check(table, key)
        key_values.check(table, key)
        return item_writes.key_of(table, key)


def check_item(table: Any, item: dict[str, Any]) -> None:
    """Before the condition is read: empty key values (table and index keys), empty sets."""
    with moto_refusals():
        item_writes.put_checks(table, item)


def check_item_keys(table: Any, item: dict[str, Any]) -> None:
    """A transaction's Put: its key values (table and index keys, empty binaries included)
    not empty, in EMPTY_KEY's words. (The endpoint refused empty sets.)"""
    with moto_refusals():
        item_writes.empty_key_checks(table, item, EMPTY_KEY)


def item_keys(table: Any, item: dict[str, Any]) -> tuple[Any, Any]:
    """An item's index keys of their declared types and sizes, then its table keys."""
    with moto_refusals():
        index_keys.check(table, item)
        index_keys.check_sizes(table, item)
        return item_writes.key_of(table, item)


@dataclass(frozen=True)
class Condition:
    parsed: evaluation.Condition | None  # None when there is no ConditionExpression
    # a legacy Expected not written as an expression: an empty one, which holds (every
    # other shape was refused, or rewritten by legacy_conditions)
    expected: dict[str, Any] | None
    return_old: bool  # ReturnValuesOnConditionCheckFailure ALL_OLD


def conditions(params: dict[str, Any]) -> Condition:
    """The write's condition: ConditionExpression, or legacy Expected as the expression it
    stands for (ConditionalOperator OR included), parsed with its names and values."""
    request: dict[str, Any] = {name: params[name] for name in (
        "Expected", "ConditionalOperator", "ConditionExpression", "ExpressionAttributeNames",
        "ExpressionAttributeValues") if name in params}
    if "Expected" in request:
        request["Expected"] = decoded_expected(request["Expected"])
        legacy_conditions.rewrite(request, "Expected", "ConditionExpression")
    expression = request.get("ConditionExpression")
    values = decoded_map(request.get("ExpressionAttributeValues") or {})
    parsed = parse_condition(expression, request.get("ExpressionAttributeNames"), values) \
        if expression else None
    return Condition(parsed, request.get("Expected"),
                     params.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD")


def parse_condition(expression: str, names: dict[str, str] | None, values: dict[str, Any],
                    member: str = "ConditionExpression",
                    operands: bool = True) -> evaluation.Condition:
    """A ConditionExpression or FilterExpression (`member`) as ddbkit evaluates it; what
    DynamoDB refuses in it is a ValidationException (`operands`: condition_grammar.parse)."""
    try:
        return parse(expression, names, values, member, operands)
    except ConditionRefused as refused:
        raise validation_error(refused.message) from None


# -- execute ----------------------------------------------------------------------------------

def read_old(table: Any, keys: tuple[Any, Any]) -> Any:
    return item_writes.stored_item(table, *keys)


def check_condition(condition: Condition, old: Any) -> None:
    """ConditionalCheckFailedException when the condition does not hold on `old`, with the
    item when ALL_OLD was asked and there is one."""
    item = None if old is None else attributes(old)
    if evaluation.holds(condition.parsed, item):
        return
    fields = {"Item": item_writes.item_attributes(old)} if (
        condition.return_old and condition.expected is None and old is not None) else None
    raise OperationError("ConditionalCheckFailedException", CONDITION_FAILED, fields)


def condition_on_stored(metering: Metering, table: Any, keys: tuple[Any, Any],
                        condition: Condition, old: Any) -> None:
    """The condition on the stored item; a failed one is still charged, by the item stored."""
    try:
        check_condition(condition, old)
    except OperationError:
        charge_failed(metering, table, keys)
        raise


def build(table: Any, keys: tuple[Any, Any], item: dict[str, Any]) -> Any:
    with moto_refusals():
        return item_writes.build_item(table, keys, item)


def journal(table: Any, keys: tuple[Any, Any]) -> None:
    """Notes the item about to be replaced: the undo log puts it back if the request is
    refused (throughput) or cannot be journaled; the durability journal writes its after-image."""
    atomic_writes.note(table, *keys)
    changes.note(table, *keys)


def put(table: Any, keys: tuple[Any, Any], item: Any) -> None:
    journal(table, keys)
    replaced = item_writes.stored_item(table, *keys)
    item_writes.store(table, item)
    table_description.changed(table, replaced, item)


def delete(table: Any, keys: tuple[Any, Any]) -> Any:
    """The item removed, or None when there was none (nothing changes then)."""
    journal(table, keys)
    removed = item_writes.remove(table, *keys)
    table_description.changed(table, removed, None)
    return removed


def maintain_indexes(table: Any, old: Any, new: Any) -> None:
    """The table's maintained indexes (base, GSIs, LSIs) follow a write that stored `new`
    (None: a delete) in place of `old` (None: no item was there)."""
    maintained = indexes.maintained(table)
    if maintained is not None:
        maintained.replace(old, new)


def stream(table: Any, old: Any, new: Any, by_service: bool = False) -> None:
    """The write's stream record, if the table has a stream; `by_service`: a TTL delete,
    which the stream shows as made by DynamoDB itself."""
    item_writes.stream_record(table, old, new, by_service)


# -- meter ------------------------------------------------------------------------------------

@dataclass
class Metering:
    meter: Meter | None
    admit: Any  # the throughput model's admission, or None
    before: Any = None  # the old item's image, taken before the write


def metering_for(call: Call, **options: Any) -> Metering:
    """The request's meter (`pipeline.meter`, `options` to the Meter) and the throughput
    model's admission, when either is watching."""
    return Metering(pipeline.meter(call.operation, call.params, **options),
                    consumed_capacity.admission.get())


@contextlib.contextmanager
def metered(call: Call) -> Iterator[Metering]:
    """A meter when ReturnConsumedCapacity asks for one or a throughput model watches; with
    a model, the write is undone if the model refuses it (a failed condition is charged)."""
    metering = metering_for(call)
    admit = metering.admit
    if metering.meter is None or admit is None:
        yield metering
        return
    with atomic_writes.atomic():
        try:
            yield metering
        except OperationError as exc:
            if exc.error_type == "ConditionalCheckFailedException":
                admit(metering.meter.charges)
            raise
        admit(metering.meter.charges)


def image_before(metering: Metering, table: Any, old: Any) -> None:
    if metering.meter is not None:
        metering.before = consumed_capacity.image(table, old)


def charge_failed(metering: Metering, table: Any, keys: tuple[Any, Any]) -> None:
    if metering.meter is not None:
        metering.meter.failed_write(table.name, metering.before, keys[0])


def charge_write(metering: Metering, table: Any, new: Any) -> None:
    """WCU by the larger of the old and new item, and each index entry that changed."""
    if metering.meter is not None:
        after = consumed_capacity.image(table, new)
        global_names = frozenset(i.name for i in (table.global_indexes or []))
        metering.meter.write(table.name, metering.before, after, global_names)


def consumed(metering: Metering, table_name: str, answer: dict[str, Any]) -> None:
    meter = metering.meter
    if meter is not None and meter.mode is not None:
        answer["ConsumedCapacity"] = meter.consumed(table_name)


# -- answer -----------------------------------------------------------------------------------

def collection_metrics(params: dict[str, Any], table: Any, hash_value: Any,
                       answer: dict[str, Any]) -> None:
    """ItemCollectionMetrics for SIZE on a table with local secondary indexes."""
    if params.get("ReturnItemCollectionMetrics") == "SIZE" and table.indexes:
        metrics = item_collection_metrics.metrics(table, hash_value)
        metrics["ItemCollectionKey"] = {
            name: item_writes.wire(value) for name, value in metrics["ItemCollectionKey"].items()}
        answer["ItemCollectionMetrics"] = metrics


def old_attributes(params: dict[str, Any], old: Any, answer: dict[str, Any]) -> None:
    """Attributes for ReturnValues ALL_OLD, when there was an item."""
    if params.get("ReturnValues") == "ALL_OLD" and old is not None:
        answer["Attributes"] = item_writes.item_attributes(old)

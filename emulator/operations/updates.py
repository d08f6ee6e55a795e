"""The `update` stage of UpdateItem, beside the write stages in writes.py.

- `parse`: the request's update (UpdateExpression or legacy AttributeUpdates, never both),
  its expression read by ddbkit's grammar (expressions/update_grammar.py);
- `check_actions`: the update's checks that need no item (one clause of each kind, no
  overlapping paths, no table key attribute updated, each `:value` of a type its operator
  takes), made before the condition is read;
- `check_statement_size`: UpdateItem's charge for the statement (capacity/sizes.py), made on
  the stored item before the condition;
- `apply`: the update on the old item (or a new item holding only the key) as DynamoDB JSON
  (expressions/updates.py); the stored item is not touched;
- `checked`: the item it leaves (index key types and sizes, 400 KB), as the store holds it;
- `returned`: Attributes for every ReturnValues, UPDATED_* by the paths the update names.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from ddbkit.emulator.capacity.sizes import MAX_ITEM_BYTES, update_statement_size
from ddbkit.emulator.expressions import update_checks
from ddbkit.emulator.expressions import updates as evaluation
from ddbkit.emulator.expressions.update_grammar import parse_update
from ddbkit.emulator.expressions.update_paths import MISSING, found_at, pick
from ddbkit.emulator.expressions.update_plan import Path, Plan
from ddbkit.emulator.expressions.update_values import SETS, set_difference, stored
from ddbkit.emulator.moto_ext import item_writes
from ddbkit.emulator.moto_ext.calls import moto_refusals
from ddbkit.emulator.operations import index_keys
from ddbkit.emulator.operations.call import validation_error
from ddbkit.emulator.operations.writes import decoded, decoded_map
from ddbkit.emulator.store.access import attributes
from ddbkit.emulator.store.item import Item

BOTH = ("Can not use both expression and non-expression parameters in the same request: "
        "Non-expression parameters: {AttributeUpdates} Expression parameters: "
        "{UpdateExpression}")
KEY_UPDATED = ("One or more parameter values were invalid: Cannot update attribute {}. "
               "This attribute is part of the key")
TOO_LARGE = "Item size to update has exceeded the maximum allowed size"


@dataclass(frozen=True)
class Update:
    expression: str | None  # the UpdateExpression as parsed
    plan: Plan | None  # ddbkit's plan of it, or None
    attribute_updates: dict[str, Any] | None  # legacy AttributeUpdates, values decoded
    names: dict[str, Any]
    values: dict[str, Any]


# -- validate ---------------------------------------------------------------------------------

def parse(params: dict[str, Any]) -> Update:
    text = params.get("UpdateExpression")
    legacy = params.get("AttributeUpdates")
    if text is not None and legacy:
        raise validation_error(BOTH)
    names = params.get("ExpressionAttributeNames") or {}
    values = decoded_map(params.get("ExpressionAttributeValues") or {})
    if isinstance(text, str) and text.strip():
        text = text.strip()
        with refusals():
            plan = parse_update(text)
        return Update(text, plan, None, names, values)
    updates = {name: _decoded_update(spec) for name, spec in (legacy or {}).items()}
    return Update(None, None, updates or None, names, values)


def _decoded_update(spec: Any) -> Any:
    if isinstance(spec, dict) and "Value" in spec:
        return {**spec, "Value": decoded(spec["Value"])}
    return spec


def check_actions(table: Any, update: Update) -> None:
    """Before the item is read: one clause of each kind, no overlapping paths, neither the
    expression nor AttributeUpdates naming a table key attribute, operand types."""
    if update.plan is not None:
        with refusals():
            update_checks.check_actions(update.plan, update.names, table.table_key_attrs)
            update_checks.check_operands(update.plan, update.values)
    for name in table.table_key_attrs:
        if update.attribute_updates and name in update.attribute_updates:
            raise validation_error(KEY_UPDATED.format(name))


@contextmanager
def refusals() -> Iterator[None]:
    """The evaluator's refusals as ValidationExceptions."""
    try:
        yield
    except evaluation.UpdateRefused as refused:
        raise validation_error(refused.message) from None


def check_statement_size(update: Update, old: Any) -> None:
    """UpdateItem's own limit: the statement's charge (what it writes, not the key or what
    it leaves alone) at most 400 KB, refused before the condition is evaluated."""
    if update.plan is None:
        return
    item = attributes(old) if old is not None else {}

    def added(path: Path, value: Any) -> Any:  # an ADD to a set charges new members only
        kind = next(iter(value), None)
        existing = found_at(item, path)
        if kind not in SETS or existing is MISSING or kind not in existing:
            return value
        return {kind: set_difference(kind, value[kind], existing[kind])}

    if update_statement_size(update.plan, update.names, update.values, added) > MAX_ITEM_BYTES:
        raise validation_error(TOO_LARGE)


# -- execute ----------------------------------------------------------------------------------

def apply(table: Any, key: dict[str, Any], old: Any, update: Update) -> dict[str, Any]:
    """The item the update leaves, as DynamoDB JSON (binary as bytes), built from the old
    item (or from the Key when there was none)."""
    item = attributes(old) if old is not None else {n: stored(v) for n, v in key.items()}
    index_attributes = frozenset(table.attribute_keys)
    with refusals():
        if update.plan is not None:
            request = evaluation.Request(update.names, update.values, index_attributes)
            return evaluation.apply(update.plan, item, request)
        if update.attribute_updates:
            return evaluation.apply_attribute_updates(item, update.attribute_updates,
                                                      index_attributes)
    return item


def creates_nothing(table: Any, update: Update, old: Any, new: dict[str, Any]) -> bool:
    """An update that only removes (REMOVE, DELETE from a set, legacy DELETE) of an item
    that is not there: DynamoDB creates nothing. An empty update still creates the item."""
    named = update.plan is not None or bool(update.attribute_updates)
    return old is None and named and set(new) <= set(table.table_key_attrs)


def checked(table: Any, keys: tuple[Any, Any], new: dict[str, Any]) -> Any:
    """Index keys of their declared types and sizes, none an empty binary; at most 400 KB.
    The item as the store holds it."""
    with moto_refusals():
        index_keys.check_update(table, new)
    item = Item.of(new, table.hash_key_attr, table.range_key_attr)
    if item.size() > MAX_ITEM_BYTES:
        raise validation_error(TOO_LARGE)
    return item


# -- answer -----------------------------------------------------------------------------------

def returned(params: dict[str, Any], update: Update, old: Any, new: dict[str, Any] | None,
             answer: dict[str, Any]) -> None:
    """Attributes: the whole item before (ALL_OLD) or after (ALL_NEW), or the paths the
    update names as they were (UPDATED_OLD, those that existed) or are (UPDATED_NEW); `new`
    None: no item after."""
    wanted = params.get("ReturnValues")
    if wanted == "ALL_OLD" and old is not None:
        answer["Attributes"] = item_writes.item_attributes(old)
    elif wanted == "ALL_NEW" and new is not None:
        answer["Attributes"] = item_writes.wire(new)
    elif wanted in ("UPDATED_OLD", "UPDATED_NEW"):
        if update.plan is not None:
            paths = [evaluation.resolved(p, update.names) for p in update.plan.targets()]
        else:
            paths = [(name,) for name in update.attribute_updates or {}]
        if wanted == "UPDATED_OLD":
            chosen = pick(attributes(old) if old is not None else None, paths)
        else:
            chosen = pick(new, paths)
        if chosen:
            answer["Attributes"] = item_writes.wire(chosen)

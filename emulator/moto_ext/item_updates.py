"""What ddbkit's UpdateItem (operations/update_item.py) calls in moto to change an item.

Calls only: moto's UpdateExpression parser, validator (with index_keys' processors) and
executor (with request_gaps' and number_values' fixes), run on a copy of the stored item;
its item type for an item the update creates. UPDATED_OLD/NEW are projected by ddbkit
(`expressions/projections.py`).
The legacy AttributeUpdates (PUT, ADD, DELETE) are applied here for every data type, where
moto's `Item.update_with_attribute_updates` crashes on an empty map, stores a PUT of BOOL, B
or BS as a string, deletes the attribute for a PUT of NULL, raises NotImplementedError for a
binary set and adds values of another type (DynamoDB: "Type mismatch for attribute to
update"). Refusals are moto's exceptions, turned into `OperationError`s by the caller's
`calls.moto_refusals()`.
"""

from __future__ import annotations

import copy
import functools
from typing import Any

from moto.dynamodb.exceptions import (
    ItemSizeTooLarge,
    ItemSizeToUpdateTooLarge,
    MockValidationException,
)
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.parsing.executors import UpdateExpressionExecutor
from moto.dynamodb.parsing.expressions import (  # type: ignore[attr-defined]
    UpdateExpressionParser,
)
from moto.dynamodb.parsing.validators import (
    ActionCountValidator,
    OverlappingPathsValidator,
    UpdateExpressionValidator,
    UpdateHashRangeKeyValidator,
)

from ddbkit.emulator.expressions import projections
from ddbkit.emulator.moto_ext.calls import attributes
from ddbkit.emulator.moto_ext.item_size import forget

__all__ = ["apply_attribute_updates", "apply_expression", "check_actions",
           "check_attribute_updates", "parse_update", "projected", "working_copy"]

TYPE_MISMATCH = "Type mismatch for attribute to update"
SETS = frozenset({"SS", "NS", "BS"})


@functools.lru_cache(maxsize=512)
def parse_update(expression: str) -> Any:
    """The UpdateExpression as moto's parser reads it; syntax errors are refusals (in
    DynamoDB's words, validation_wording). Remembered by its text (a load repeats a few
    expressions): moto's validator works on its own deep copy, never on this tree."""
    return UpdateExpressionParser.make(expression)


def check_actions(table: Any, ast: Any, names: dict[str, Any]) -> None:
    """The checks that need no item, as DynamoDB makes them before it reads one: one clause
    of each kind, no two paths overlapping, no table key attribute updated. (These only
    inspect the tree: the remembered parse is not changed.)"""
    for check in (ActionCountValidator(), OverlappingPathsValidator(names),
                  UpdateHashRangeKeyValidator(table.table_key_attrs, names)):
        check.traverse(ast)


def working_copy(keys: tuple[Any, Any], key: dict[str, Any], old: Any) -> Any:
    """The item the update is applied to: a copy of the stored item, or for an absent item
    a new one holding only its Key (decoded: binary as bytes, as the store holds it). Its
    remembered size goes: the update changes it."""
    if old is None:
        item = Item(keys[0], keys[1], dict(key))
    else:
        item = copy.deepcopy(old)
    forget(item)
    return item


def apply_expression(table: Any, item: Any, ast: Any, names: dict[str, Any],
                     values: dict[str, Any]) -> None:
    """Validates the parsed expression against the item (undefined paths, operand types,
    key attributes, empty key values) and executes it on the item in place."""
    validated = UpdateExpressionValidator(
        ast, expression_attribute_names=names, expression_attribute_values=values,
        item=item, table=table).validate()
    validated.normalize()
    try:
        UpdateExpressionExecutor(validated, item, names).execute()
    except ItemSizeTooLarge:
        raise ItemSizeToUpdateTooLarge() from None
    forget(item)


def check_attribute_updates(table: Any, item: Any, updates: dict[str, Any]) -> None:
    """moto's check that no PUT leaves an empty string in a key attribute."""
    item.validate_no_empty_key_values(updates, table.attribute_keys)


def apply_attribute_updates(item: Any, updates: dict[str, Any]) -> None:
    """DynamoDB's rules (API_AttributeValueUpdate): PUT replaces the value; ADD adds a number
    to a number (0 if absent), or elements to a set or list of the same type; DELETE without
    a value removes the attribute, with a set removes those elements (the attribute goes when
    none are left). request_rules.py already refused actions a value's type does not allow."""
    attrs = item.attrs
    for name, update in updates.items():
        action = update.get("Action", "PUT")
        if "Value" not in update:  # only DELETE gets here (request_rules)
            attrs.pop(name, None)
            continue
        value = DynamoType(update["Value"])
        existing = attrs.get(name)
        if action == "PUT":
            attrs[name] = value
        elif action == "ADD":
            attrs[name] = _add(existing, value)
        elif existing is not None:  # DELETE of set elements
            if existing.type != value.type:
                raise MockValidationException(TYPE_MISMATCH)
            remaining = [v for v in existing.value if v not in value.value]
            if remaining:
                attrs[name] = DynamoType({value.type: remaining})
            else:
                attrs.pop(name, None)
    forget(item)


def _add(existing: DynamoType | None, value: DynamoType) -> DynamoType:
    if existing is None:
        return value
    if existing.type != value.type:
        raise MockValidationException(TYPE_MISMATCH)
    if value.type == "N":
        return existing + value  # number_values: exact, range-checked
    if value.type in SETS:
        return DynamoType({value.type: existing.value + [
            v for v in value.value if v not in existing.value]})
    return DynamoType({"L": [*existing.to_json()["L"], *value.to_json()["L"]]})


def projected(item: Any, paths: list[list[str]]) -> dict[str, Any]:
    """The item's attributes at these document paths (segments like `a[1]`, names already
    substituted), nested as they are in the item (binary values as bytes)."""
    if item is None or not paths:
        return {}
    return projections.project(attributes(item), [projections.segment_path(p) for p in paths])

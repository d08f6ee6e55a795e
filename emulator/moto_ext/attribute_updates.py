"""UpdateItem's legacy AttributeUpdates (PUT, ADD, DELETE), for every data type.

Replaces `moto.dynamodb.models.dynamo_type.Item.update_with_attribute_updates`, which
- crashes when there is nothing to update (an UpdateItem with only a Key: AttributeError);
- stores a PUT of BOOL, B or BS as a string, and deletes the attribute for a PUT of NULL;
- raises NotImplementedError for ADD or DELETE of a binary set;
- adds to an attribute of another type as if it had the value's (Decimal of a string:
  InvalidOperation; a union of a number set with a string set), where DynamoDB answers
  "Type mismatch for attribute to update".
DynamoDB's rules (API_AttributeValueUpdate): PUT replaces the value; ADD adds a number to a
number (0 if absent), or elements to a set or list of the same type; DELETE without a value
removes the attribute, with a set removes those elements (the attribute goes when none are
left). request_rules.py already refused actions a value's type does not allow.
"""

from __future__ import annotations

from typing import Any

from moto.dynamodb.exceptions import MockValidationException
from moto.dynamodb.models.dynamo_type import DynamoType, Item

from ddbkit.emulator.moto_ext.store import require

TYPE_MISMATCH = "Type mismatch for attribute to update"
SETS = frozenset({"SS", "NS", "BS"})


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


def update_with_attribute_updates(self: Item, attribute_updates: Any) -> None:
    for name, update in (attribute_updates or {}).items():
        action = update.get("Action", "PUT")
        if "Value" not in update:  # only DELETE gets here (request_rules)
            self.attrs.pop(name, None)
            continue
        value = DynamoType(update["Value"])
        existing = self.attrs.get(name)
        if action == "PUT":
            self.attrs[name] = value
        elif action == "ADD":
            self.attrs[name] = _add(existing, value)
        elif existing is not None:  # DELETE of set elements
            if existing.type != value.type:
                raise MockValidationException(TYPE_MISMATCH)
            remaining = [v for v in existing.value if v not in value.value]
            if remaining:
                self.attrs[name] = DynamoType({value.type: remaining})
            else:
                self.attrs.pop(name, None)


def install() -> None:
    require(Item, "update_with_attribute_updates")
    Item.update_with_attribute_updates = update_with_attribute_updates  # type: ignore[method-assign]

"""An UpdateExpression (or legacy AttributeUpdates) applied to an item held as DynamoDB JSON.

As DynamoDB runs it, after the checks that need no item (update_checks.py):
- `apply`, on the item (or on a new item holding only its key): every operand is read from
  the item as it was before the update (`SET a = b, b = a` swaps), every path written must
  lie in an existing map or list, then the actions are applied to a draft in the order
  written (a run of REMOVEs by the indexes the lists had before it); an index past a list's
  end appends. The item given is never changed; the new item is returned.
Refusals are `UpdateRefused` with DynamoDB's message (ValidationException).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ddbkit.emulator.expressions import update_checks
from ddbkit.emulator.expressions.update_checks import resolved, value_of
from ddbkit.emulator.expressions.update_paths import (
    MISSING,
    Draft,
    UpdateRefused,
    check_target,
    value_at,
)
from ddbkit.emulator.expressions.update_plan import (
    Action,
    Function,
    Operand,
    Path,
    PathOperand,
    Plan,
    ValueOperand,
)
from ddbkit.emulator.expressions.update_values import (
    SETS,
    NumberRefused,
    arithmetic,
    set_difference,
    set_union,
    stored,
)

__all__ = ["Request", "UpdateRefused", "apply", "apply_attribute_updates", "resolved"]

NOT_IN_ITEM = "The provided expression refers to an attribute that does not exist in the item"
INCORRECT_DATA_TYPE = "An operand in the update expression has an incorrect data type"
OPERAND_TYPE = update_checks.OPERAND_TYPE
EMPTY_INDEX_KEY = ("One or more parameter values are not valid. The update expression "
                   "attempted to update a secondary index key to a value that is not "
                   "supported. The AttributeValue for a key attribute cannot contain an empty "
                   "{} value.")
EMPTY_KEY_PUT = ("One or more parameter values were invalid: An AttributeValue may not "
                 "contain an empty string")
TYPE_MISMATCH = "Type mismatch for attribute to update"


@dataclass(frozen=True)
class Request:
    """What an update reads besides the item: the request's `#names` and `:values` (binary
    as bytes), and the attributes that key a secondary index (none may be set empty)."""

    names: Mapping[str, str]
    values: Mapping[str, dict[str, Any]]
    index_keys: frozenset[str] = frozenset()


def _kind(value: dict[str, Any]) -> str:
    return next(iter(value))


# -- on the item --------------------------------------------------------------------------

def apply(plan: Plan, item: dict[str, Any], request: Request) -> dict[str, Any]:
    """The item the update leaves (a new dict; `item` is not changed)."""
    update_checks.check_operands(plan, request.values)
    paths = [resolved(action.path, request.names) for action in plan.actions]
    for path in paths:  # every path written, before any operand is read
        check_target(item, path)
    steps = [(action, path, _action_value(action, item, request))
             for action, path in zip(plan.actions, paths, strict=True)]
    _check_key_values(steps, request.index_keys)
    draft = Draft(item)
    removes: list[Path] = []
    for action, path, value in steps:
        if action.kind == "REMOVE":
            removes.append(path)
            continue
        if removes:
            draft.remove_all(removes)
            removes = []
        if action.kind == "SET":
            draft.set(path, value)
        elif action.kind == "ADD":
            _add(draft, path, value)
        else:
            _delete(draft, path, value)
    if removes:
        draft.remove_all(removes)
    return draft.item


def _action_value(action: Action, item: dict[str, Any], request: Request) -> Any:
    if action.operand is None:
        return None
    value = _evaluate(action.operand, item, request)
    if value is MISSING:
        raise UpdateRefused(NOT_IN_ITEM)
    return value


def _evaluate(operand: Operand, item: dict[str, Any], request: Request) -> Any:
    """The operand's value on the item, or MISSING for a path the item does not have."""
    if isinstance(operand, ValueOperand):
        return stored(value_of(operand.placeholder, request.values))
    if isinstance(operand, PathOperand):
        return value_at(item, resolved(operand.path, request.names))
    if isinstance(operand, Function):
        first = _evaluate(operand.arguments[0], item, request)
        if operand.name == "if_not_exists":
            return _evaluate(operand.arguments[1], item, request) if first is MISSING \
                else first
        second = _evaluate(operand.arguments[1], item, request)
        return {"L": [*_typed(first, "L", operand.name), *_typed(second, "L", operand.name)]}
    left = _evaluate(operand.left, item, request)
    right = _evaluate(operand.right, item, request)
    try:
        return arithmetic(operand.operator, _typed(left, "N", operand.operator),
                          _typed(right, "N", operand.operator))
    except NumberRefused as refused:
        raise UpdateRefused(str(refused)) from None


def _typed(value: Any, kind: str, operator: str) -> Any:
    """The inner value of an operand that must be of `kind`."""
    if value is MISSING:
        raise UpdateRefused(NOT_IN_ITEM)
    inner = value.get(kind)
    if inner is None:
        raise UpdateRefused(OPERAND_TYPE.format(operator, _kind(value)))
    return inner


def _check_key_values(steps: list[tuple[Action, Path, Any]],
                      index_keys: frozenset[str]) -> None:
    """No SET leaves a secondary index's key attribute an empty string or binary."""
    for action, path, value in steps:
        if action.kind == "SET" and len(path) == 1 and path[0] in index_keys:
            kind = _kind(value)
            if kind in ("S", "B") and not value[kind]:
                raise UpdateRefused(EMPTY_INDEX_KEY.format(
                    "string" if kind == "S" else "binary"))


def _add(draft: Draft, path: Path, value: dict[str, Any]) -> None:
    kind = _kind(value)
    existing = draft.value_at(path)
    if existing is not MISSING and _kind(existing) != kind:
        raise UpdateRefused(INCORRECT_DATA_TYPE)
    if kind == "N":
        total = value if existing is MISSING else _sum(existing["N"], value["N"])
        draft.set(path, total)
    elif existing is MISSING:
        draft.set(path, value)
    else:
        draft.set(path, {kind: set_union(kind, existing[kind], value[kind])})


def _sum(left: str, right: str) -> dict[str, Any]:
    try:
        return arithmetic("+", left, right)
    except NumberRefused as refused:
        raise UpdateRefused(str(refused)) from None


def _delete(draft: Draft, path: Path, value: dict[str, Any]) -> None:
    existing = draft.value_at(path)
    if existing is MISSING:
        return
    kind = _kind(value)
    if _kind(existing) != kind:
        raise UpdateRefused(INCORRECT_DATA_TYPE)
    remaining = set_difference(kind, existing[kind], value[kind])
    if remaining:
        draft.set(path, {kind: remaining})
    else:
        draft.remove_all([path])


# -- legacy AttributeUpdates --------------------------------------------------------------

def apply_attribute_updates(item: dict[str, Any], updates: Mapping[str, Any],
                            index_keys: frozenset[str] = frozenset()) -> dict[str, Any]:
    """DynamoDB's rules (API_AttributeValueUpdate): PUT replaces the value; ADD adds a number
    to a number (0 if absent), or elements to a set or list of the same type; DELETE without
    a value removes the attribute, with a set removes those elements (the attribute goes
    when none are left). The endpoint already refused actions a value's type does not allow.
    A new dict is returned."""
    for name, update in updates.items():
        if update.get("Action", "PUT") == "PUT" and name in index_keys and \
                update.get("Value") == {"S": ""}:
            raise UpdateRefused(EMPTY_KEY_PUT)
    result = dict(item)
    for name, update in updates.items():
        action = update.get("Action", "PUT")
        if "Value" not in update:  # only DELETE gets here
            result.pop(name, None)
            continue
        value = stored(update["Value"])
        existing = result.get(name)
        if action == "PUT":
            result[name] = value
        elif action == "ADD":
            result[name] = _legacy_add(existing, value)
        elif existing is not None:  # DELETE of set elements
            kind = _kind(value)
            if _kind(existing) != kind:
                raise UpdateRefused(TYPE_MISMATCH)
            remaining = set_difference(kind, existing[kind], value[kind])
            if remaining:
                result[name] = {kind: remaining}
            else:
                result.pop(name, None)
    return result


def _legacy_add(existing: dict[str, Any] | None, value: dict[str, Any]) -> dict[str, Any]:
    if existing is None:
        return value
    kind = _kind(value)
    if _kind(existing) != kind:
        raise UpdateRefused(TYPE_MISMATCH)
    if kind == "N":
        return _sum(existing["N"], value["N"])
    if kind in SETS:
        return {kind: set_union(kind, existing[kind], value[kind])}
    return {"L": [*existing["L"], *value["L"]]}

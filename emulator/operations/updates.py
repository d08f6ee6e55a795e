"""The `update` stage of UpdateItem, beside the write stages in writes.py.

- `parse`: the request's update (UpdateExpression or legacy AttributeUpdates, never both),
  its expression read by moto's parser after `ungrouped` dropped the grouping parentheses
  DynamoDB accepts and moto's parser does not (`SET c = (c - :v)`: an AssertionError);
- `check_actions`: the update's checks that need no item (one clause of each kind, no
  overlapping paths, no table key attribute updated), made before the condition is read;
- `apply`: the update on a copy of the old item (or a new item holding only the key);
- `check_result`: the item it leaves (index key types and sizes, 400 KB);
- `returned`: Attributes for every ReturnValues, UPDATED_* by the paths the update names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ddbkit.emulator.capacity.sizes import MAX_ITEM_BYTES, item_size
from ddbkit.emulator.moto_ext import index_keys, item_updates, item_writes
from ddbkit.emulator.moto_ext.calls import moto_refusals
from ddbkit.emulator.operations.call import validation_error
from ddbkit.emulator.operations.writes import decoded, decoded_map

BOTH = ("Can not use both expression and non-expression parameters in the same request: "
        "Non-expression parameters: {AttributeUpdates} Expression parameters: "
        "{UpdateExpression}")
KEY_UPDATED = ("One or more parameter values were invalid: Cannot update attribute {}. "
               "This attribute is part of the key")
TOO_LARGE = "Item size to update has exceeded the maximum allowed size"
_CLAUSE = re.compile(r"(?<![#:\w])(SET|REMOVE|ADD|DELETE)\b", re.IGNORECASE)  # not #set
_INDEX = re.compile(r"\[\d+\]")
_WORD = re.compile(r"[\w#:\]]")  # ends a function name (or a path): its '(' is a call's


@dataclass(frozen=True)
class Update:
    expression: str | None  # the UpdateExpression as parsed (grouping dropped)
    ast: Any  # moto's parse of it, or None
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
        text = ungrouped(text.strip())
        with moto_refusals():
            return Update(text, item_updates.parse_update(text), None, names, values)
    updates = {name: _decoded_update(spec) for name, spec in (legacy or {}).items()}
    return Update(None, None, updates or None, names, values)


def _decoded_update(spec: Any) -> Any:
    if isinstance(spec, dict) and "Value" in spec:
        return {**spec, "Value": decoded(spec["Value"])}
    return spec


def ungrouped(text: str) -> str:
    """`text` without grouping parentheses around a whole SET value or around a single
    operand; a function's argument list (its '(' follows the name) is left as it is."""
    start = 0
    while (i := text.find("(", start)) >= 0:
        end = _closing(text, i)
        before = text[:i].rstrip()
        if end < 0 or (before and _WORD.fullmatch(before[-1])):
            start = i + 1
            continue
        inner = text[i + 1:end]
        after = text[end + 1:].lstrip()
        whole_value = before.endswith("=") and (not after or after[0] == "," or
                                                _CLAUSE.match(after) is not None)
        operators = _top_level(inner)
        if "," not in operators and (whole_value or not operators):
            text = f"{text[:i]} {inner} {text[end + 1:]}"
            start = i
        else:
            start = i + 1
    return text


def _closing(text: str, opening: int) -> int:
    depth = 0
    for position in range(opening, len(text)):
        depth += {"(": 1, ")": -1}.get(text[position], 0)
        if depth == 0:
            return position
    return -1


def _top_level(text: str) -> set[str]:
    """The operators (+ - ,) of `text` outside its own parentheses."""
    found, depth = set(), 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0 and char in "+-,":
            found.add(char)
    return found


def check_actions(table: Any, update: Update) -> None:
    """Before the item is read: one clause of each kind, no overlapping paths, and neither
    the expression nor AttributeUpdates naming a table key attribute."""
    if update.ast is not None:
        with moto_refusals():
            item_updates.check_actions(table, update.ast, update.names)
    for name in table.table_key_attrs:
        if update.attribute_updates and name in update.attribute_updates:
            raise validation_error(KEY_UPDATED.format(name))


# -- execute ----------------------------------------------------------------------------------

def apply(table: Any, keys: tuple[Any, Any], key: dict[str, Any], old: Any,
          update: Update) -> Any:
    """The item the update leaves, built on a copy (or from the Key when there was no item):
    the stored item is not touched."""
    with moto_refusals():
        new = item_updates.working_copy(keys, key, old)
        if update.ast is not None:
            item_updates.apply_expression(table, new, update.ast, update.names, update.values)
        elif update.attribute_updates:
            item_updates.check_attribute_updates(table, new, update.attribute_updates)
            item_updates.apply_attribute_updates(new, update.attribute_updates)
    return new


def check_result(table: Any, new: Any) -> None:
    """Index keys of their declared types and sizes, none an empty binary; at most 400 KB."""
    with moto_refusals():
        index_keys.check_update(table, new.attrs)
    if item_size(new.attrs) > MAX_ITEM_BYTES:
        raise validation_error(TOO_LARGE)


# -- answer -----------------------------------------------------------------------------------

def returned(params: dict[str, Any], update: Update, old: Any, new: Any,
             answer: dict[str, Any]) -> None:
    """Attributes: the whole item before (ALL_OLD) or after (ALL_NEW), or the paths the
    update names as they were (UPDATED_OLD, those that existed) or are (UPDATED_NEW)."""
    wanted = params.get("ReturnValues")
    if wanted == "ALL_OLD" and old is not None:
        answer["Attributes"] = item_writes.item_attributes(old)
    elif wanted == "ALL_NEW":
        answer["Attributes"] = item_writes.item_attributes(new)
    elif wanted in ("UPDATED_OLD", "UPDATED_NEW"):
        paths = target_paths(update.expression, update.names) if update.expression else \
            [[name] for name in update.attribute_updates or {}]
        chosen = item_updates.projected(old if wanted == "UPDATED_OLD" else new, paths)
        if chosen:
            answer["Attributes"] = item_writes.wire(chosen)


def target_paths(expression: str, names: dict[str, str]) -> list[list[str]]:
    """The document paths an UpdateExpression writes, as moto's projection paths."""
    pieces = _CLAUSE.split(expression)
    targets: list[str] = []
    for keyword, body in zip(pieces[1::2], pieces[2::2], strict=False):
        for action in _split(body):
            if keyword.upper() == "SET":
                targets.append(action.split("=", 1)[0].strip())
            elif keyword.upper() == "REMOVE":
                targets.append(action)
            else:  # ADD / DELETE: path value
                targets.append(action.split(None, 1)[0])
    paths = []
    for target in targets:
        segments = []
        for segment in target.split("."):
            name = _INDEX.split(segment, maxsplit=1)[0]
            segments.append(names.get(name, name) + segment[len(name):])
        paths.append(segments)
    return paths


def _split(text: str) -> list[str]:
    """`text` split at commas outside parentheses."""
    parts, depth, start = [], 0, 0
    for position, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(text[start:position])
            start = position + 1
    parts.append(text[start:])
    return [part.strip() for part in parts if part.strip()]

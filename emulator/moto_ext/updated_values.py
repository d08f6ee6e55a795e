"""UpdateItem's ReturnValues UPDATED_OLD and UPDATED_NEW: the paths the update names.

Replaces the UPDATED_* answer of `moto.dynamodb.responses.DynamoHandler.update_item`, which
compares whole top-level attributes before and after: an attribute SET to the value it had
is left out, and `SET m.a = :v` returns all of `m` as it was (UPDATED_OLD). DynamoDB returns
exactly the paths the update expression (or AttributeUpdates) acts on, each as it was
before (UPDATED_OLD: only those that existed) or is after (UPDATED_NEW: only those that
exist), nested paths nested.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from moto.dynamodb.models.dynamo_type import Item
from moto.dynamodb.responses import DynamoHandler

from ddbkit.emulator.moto_ext.store import require

_CLAUSE = re.compile(r"\b(SET|REMOVE|ADD|DELETE)\b", re.IGNORECASE)
_INDEX = re.compile(r"\[\d+\]")


def _split(text: str, mark: str) -> list[str]:
    """`text` split at `mark`s outside parentheses."""
    parts, depth, start = [], 0, 0
    for position, char in enumerate(text):
        depth += char == "("
        depth -= char == ")"
        if char == mark and depth == 0:
            parts.append(text[start:position])
            start = position + 1
    parts.append(text[start:])
    return [part.strip() for part in parts if part.strip()]


def target_paths(expression: str, names: dict[str, str]) -> list[list[str]]:
    """The document paths an UpdateExpression writes, as moto's projection paths."""
    pieces = _CLAUSE.split(expression)
    targets: list[str] = []
    for keyword, body in zip(pieces[1::2], pieces[2::2], strict=False):
        for action in _split(body, ","):
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


def _projected(item: Any, paths: list[list[str]]) -> dict[str, Any] | None:
    if item is None or not paths:
        return None
    attributes = item.project(paths).to_json()["Attributes"]
    return attributes or None


def _wrap_update_item(original: Any) -> Any:
    def update_item(self: DynamoHandler) -> Any:
        body = self.body
        wanted = body.get("ReturnValues") if isinstance(body, dict) else None
        if wanted not in ("UPDATED_OLD", "UPDATED_NEW"):
            return original(self)
        if isinstance(body.get("UpdateExpression"), str):
            paths = target_paths(body["UpdateExpression"],
                                 body.get("ExpressionAttributeNames") or {})
        else:
            paths = [[name] for name in body.get("AttributeUpdates") or {}]
        before = copy.deepcopy(self.dynamodb_backend.get_item(body["TableName"], body["Key"]))
        answer = original(self)
        result = getattr(answer, "result", None)
        if not isinstance(result, dict):
            return answer
        if wanted == "UPDATED_OLD":
            chosen = _projected(before, paths)
        else:
            chosen = _projected(self.dynamodb_backend.get_item(body["TableName"], body["Key"]),
                                paths)
        result.pop("Attributes", None)
        if chosen:
            result["Attributes"] = chosen
        return answer

    return update_item


def install() -> None:
    require(DynamoHandler, "update_item")
    require(Item, "project")
    DynamoHandler.update_item = _wrap_update_item(  # type: ignore[method-assign]
        DynamoHandler.update_item)

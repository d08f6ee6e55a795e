"""The node for an attribute value: its kinds' JSON types, then DynamoDB's own rules for
its content (attribute_values.py), the first problem worded for its place."""

from __future__ import annotations

from typing import Any, cast

from ddbkit.emulator.endpoint import attribute_values
from ddbkit.emulator.endpoint.attribute_values import Problem
from ddbkit.emulator.endpoint.protocol import PLAIN_SCALAR_TYPES
from ddbkit.emulator.endpoint.rules import layers, wording
from ddbkit.emulator.endpoint.rules.nodes import Node, Path, Report, kind_error, serialization
from ddbkit.emulator.endpoint.wire import WireError

# Kinds of attribute value and the JSON type each carries.
_SCALARS = {"S": str, "N": str, "B": str, "BOOL": bool, "NULL": bool}
_SETS = ("SS", "NS", "BS")


class AttributeValueNode(Node):
    """An attribute value: its kinds' JSON types, then DynamoDB's rules for its content,
    the first problem worded for its place (`wording` takes message and key)."""

    __slots__ = ("current", "defers", "place", "rules", "wraps")

    def __init__(self, place: str | None, current: bool, wraps: bool, defers: bool,
                 rules: bool = True) -> None:
        super().__init__()
        self.place = place
        self.current, self.wraps = current, wraps  # the layer's wording (layers.py)
        self.defers = defers  # a value past the deserializer's depth is refused last
        self.rules = rules  # False: the JSON types only (PartiQL's parameters: partiql/values.py)

    def check(self, value: Any, path: Path, report: Report) -> None:
        if not self.rules:
            if type(value) is not dict:
                raise serialization(wording.START_OF_LIST if isinstance(value, list)
                                    else "Expected null")
            _kinds(value)
            _binaries(value)
            return
        if type(value) is dict and len(value) == 1:
            for kind, inner in value.items():
                if type(inner) is PLAIN_SCALAR_TYPES.get(kind):
                    message = None
                    if kind == "N":
                        message = attribute_values.number_problem(cast(str, inner), self.current,
                                                                  self.wraps)
                    elif kind == "NULL" and not inner:
                        message = attribute_values.NULL_NOT_TRUE
                    if message is not None:
                        self._note(Problem("ValidationException", message), value, path,
                                   report)
                    return
        if type(value) is not dict:
            if isinstance(value, list):
                raise serialization(wording.START_OF_LIST)
            raise serialization("Expected null")
        _kinds(value)  # SerializationException for a member of the wrong JSON type
        problem = attribute_values.check(value, self.current, self.wraps)
        if problem is not None:
            if problem.error_type == "SerializationException":
                raise serialization(problem.message)
            self._note(problem, value, path, report)

    def _note(self, problem: Problem, value: Any, path: Path, report: Report) -> None:
        if self.defers and problem.message == attribute_values.NESTING and \
                attribute_values.nested_beyond(value, layers.DESERIALIZER_LEVELS):
            report.late = report.late or problem
            return
        if report.problem is not None:
            return
        if self.place is not None and problem.message != attribute_values.NESTING:
            key = _attribute_name(path)
            problem = Problem(problem.error_type, self.place.format(message=problem.message,
                                                                    key=key))
        report.problem, report.problem_path = problem, path


def _attribute_name(path: Path) -> str:
    """The map key this value is under (path: ... key, member)."""
    if path is not None and path[0] is not None:
        return str(path[0][1])
    return ""


def _kinds(value: dict[str, Any]) -> None:
    """Checks the JSON types inside an attribute value and the values nested in it,
    without recursion (a value may nest thousands of levels), dropping members that name
    no data type or are null (DynamoDB ignores both)."""
    stack = [value]
    while stack:
        current = stack.pop()
        for kind in [k for k, v in current.items()
                     if v is None or k not in attribute_values.DATA_TYPES]:
            del current[kind]  # a null member is absent, as DynamoDB reads it
        for kind, inner in current.items():
            expected = _SCALARS.get(kind)
            if expected is not None:
                if type(inner) is not expected:
                    raise _scalar_error(kind, inner)
            elif kind in _SETS:
                if type(inner) is not list:
                    raise kind_error(inner, "List") if isinstance(inner, dict) else \
                        serialization("Expected list or null")
                for element in inner:
                    if type(element) is not str:
                        raise _scalar_error("B" if kind == "BS" else "S", element)
            elif kind == "M":
                if type(inner) is not dict:
                    raise serialization(wording.START_OF_LIST) if isinstance(inner, list) \
                        else serialization("Expected map or null")
                for name in [n for n, v in inner.items() if v is None]:
                    inner[name] = {}  # a null value: an attribute value of no data type
                _push(stack, inner.values())
            elif kind == "L":
                if type(inner) is not list:
                    raise serialization(wording.START_OF_MAP) if isinstance(inner, dict) \
                        else serialization("Expected list or null")
                inner[:] = [{} if element is None else element for element in inner]
                _push(stack, inner)


def _binaries(value: dict[str, Any]) -> None:
    """SerializationException for a binary that is not base64, however deep (DynamoDB cannot
    deserialize it, whatever the rules of the value's place)."""
    stack = [value]
    while stack:
        current = stack.pop()
        binaries = [current["B"]] if "B" in current else current.get("BS") or []
        for binary in binaries:
            problem = attribute_values.binary_problem(binary)
            if problem is not None:
                raise serialization(problem.message)
        members = current.get("M")
        stack.extend(members.values() if isinstance(members, dict) else current.get("L") or [])


def _push(stack: list[dict[str, Any]], values: Any) -> None:
    for element in values:
        if type(element) is dict:
            stack.append(element)
        else:
            raise serialization(wording.START_OF_LIST if isinstance(element, list)
                                else "Expected null")


def _scalar_error(kind: str, value: Any) -> WireError:
    if kind in ("BOOL", "NULL"):
        if isinstance(value, str):
            return serialization(f"'{value.upper()}' can not be converted to an Boolean")
        return kind_error(value, "Boolean")
    if kind == "B":
        return kind_error(value, "Blob", "a")
    return kind_error(value, "String")

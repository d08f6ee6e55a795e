"""The checks one member of a request gets, compiled once from botocore's model.

A node checks a JSON value of one shape: its kind (a value of the wrong kind cannot be
deserialized by DynamoDB: SerializationException, raised at once) and its constraints (each
violation is noted in the Report, to be answered together). Attribute values also get
DynamoDB's own rules (attribute_values.py); their first problem is noted, worded for where
the value is.
"""

from __future__ import annotations

import json
import re
from typing import Any

from botocore.utils import parse_timestamp

from ddbkit.emulator.endpoint import attribute_values
from ddbkit.emulator.endpoint.attribute_values import Problem
from ddbkit.emulator.endpoint.rules import wording
from ddbkit.emulator.endpoint.rules.aws_limits import MAX_REPORTED
from ddbkit.emulator.endpoint.wire import WireError

# A path step: (parent, step, is_member): member names are spelled lower-camel, map keys
# and list positions as they are.
Path = tuple[Any, str, bool] | None


class Report:
    """What one request's walk found: constraint violations, the first rule problem (and
    where: `problem_path`) and the first value nested past the deserializer's depth (`late`:
    refused after every other check, layers.py)."""

    __slots__ = ("deferred", "late", "problem", "problem_path", "violations")

    def __init__(self) -> None:
        self.violations: list[str] = []
        self.deferred: list[str] = []  # violations reported only when nothing else is wrong
        self.problem: Problem | None = None
        self.problem_path: Path = None
        self.late: Problem | None = None

    def violate(self, value: Any, path: Path, constraint: str, bare: bool = False) -> None:
        if len(self.violations) < MAX_REPORTED:
            self.violations.append(wording.violation(value, spell(path, bare), constraint,
                                                     bare=bare))


def spell(path: Path, bare: bool = False) -> str:
    steps: list[str] = []
    while path is not None:
        path, step, is_member = path
        steps.append(wording.lower_first(step) if is_member and not bare else step)
    return ".".join(reversed(steps))


def top_position(path: Path) -> int | None:
    """The position (from 0) in the request's top-level list this path runs through."""
    steps: list[str] = []
    while path is not None:
        path, step, _ = path
        steps.append(step)
    return int(steps[-2]) - 1 if len(steps) > 1 and steps[-2].isdigit() else None


def serialization(message: str) -> WireError:
    return WireError("SerializationException", message)


def kind_error(value: Any, expected: str, article: str = "an") -> WireError:
    if isinstance(value, dict):
        return serialization(wording.START_OF_MAP)
    if isinstance(value, list):
        return serialization(wording.START_OF_LIST)
    return serialization(f"class {wording.java_class(value)} can not be converted to "
                         f"{article} {expected}")


class Node:
    __slots__ = ("bare",)

    def __init__(self) -> None:
        self.bare = False

    def check(self, value: Any, path: Path, report: Report) -> None:
        raise NotImplementedError


class AnyNode(Node):
    """A shape this engine does not constrain (a document, a recursive reference)."""

    def check(self, value: Any, path: Path, report: Report) -> None:
        return None


class StringNode(Node):
    __slots__ = ("choices", "enum", "free", "high", "low", "pattern", "pattern_text")

    def __init__(self, low: int | None, high: int | None, enum: tuple[str, ...],
                 pattern_text: str | None) -> None:
        super().__init__()
        self.low, self.high = low, high
        self.enum, self.choices = enum, frozenset(enum)
        self.pattern_text = pattern_text
        try:
            self.pattern = re.compile(pattern_text) if pattern_text else None
        except re.error:  # a Java-only construct: not checked here
            self.pattern = None
        # Nothing to check but the type (most expressions and names): no call per value.
        self.free = not (low or high is not None or enum or self.pattern)

    def check(self, value: Any, path: Path, report: Report) -> None:
        if type(value) is not str:
            raise kind_error(value, "String")
        if not self.free:
            self.constrain(value, path, report)

    def constrain(self, value: str, path: Path, report: Report) -> None:
        if self.choices and value not in self.choices:
            report.violate(value, path, wording.enum(self.enum), self.bare)
        if self.pattern is not None and not self.pattern.fullmatch(value):
            report.violate(value, path, wording.pattern(self.pattern_text or ""), self.bare)
        if self.low is not None and len(value) < self.low:
            report.violate(value, path, wording.min_length(self.low), self.bare)
        if self.high is not None and len(value) > self.high:
            report.violate(value, path, wording.max_length(self.high), self.bare)


class TableNameNode(StringNode):
    """A table's name or ARN (botocore's TableArn: 1 to 1024): a name, not an ARN, is also
    3 to 255 of [a-zA-Z0-9_.-]. The model's limits fail alone; a name's are reported
    together."""

    NAME = StringNode(3, 255, (), "[a-zA-Z0-9_.-]+")

    def constrain(self, value: str, path: Path, report: Report) -> None:
        before = len(report.violations)
        super().constrain(value, path, report)
        if len(report.violations) == before and not value.startswith("arn:"):
            self.NAME.constrain(value, path, report)


class NumberNode(Node):
    __slots__ = ("high", "kind", "low")

    def __init__(self, kind: str, low: int | None, high: int | None) -> None:
        super().__init__()
        self.kind, self.low, self.high = kind, low, high

    def check(self, value: Any, path: Path, report: Report) -> None:
        if type(value) is bool or not isinstance(value, (int, float)):
            raise kind_error(value, self.kind)
        if self.low is not None and value < self.low:
            report.violate(value, path, wording.min_value(self.low), self.bare)
        if self.high is not None and value > self.high:
            report.violate(value, path, wording.max_value(self.high), self.bare)


class BooleanNode(Node):
    def check(self, value: Any, path: Path, report: Report) -> None:
        if type(value) is bool:
            return
        if isinstance(value, str):
            raise serialization(f"'{value.upper()}' can not be converted to an Boolean")
        raise kind_error(value, "Boolean")


class BlobNode(Node):
    def check(self, value: Any, path: Path, report: Report) -> None:
        if type(value) is not str:
            raise kind_error(value, "Blob", "a")
        problem = attribute_values.binary_problem(value)
        if problem is not None:
            raise serialization(problem.message)


class TimestampNode(Node):
    """Epoch seconds or an ISO 8601 text, of a date a calendar has (years 1 to 9999)."""

    def check(self, value: Any, path: Path, report: Report) -> None:
        if type(value) is bool or not isinstance(value, (int, float, str)):
            raise kind_error(value, "Date")
        try:
            parse_timestamp(value)
        except Exception:  # noqa: BLE001 - whatever botocore's parser cannot read is no date
            raise serialization(f"'{value}' can not be converted to a Date") from None


class ListNode(Node):
    __slots__ = ("high", "length_checked", "low", "member")

    def __init__(self, member: Node, low: int | None, high: int | None) -> None:
        super().__init__()
        self.member, self.low, self.high = member, low, high
        self.length_checked = True

    def limits(self) -> list[str]:
        """The length constraints, as a map of these lists lists them."""
        return ([wording.max_length(self.high)] if self.high is not None else []) + \
            ([wording.min_length(self.low)] if self.low is not None else [])

    def show(self, value: list[Any]) -> str:
        structure = self.member.name if isinstance(self.member, StructureNode) else None
        return "[" + ", ".join(wording.java(v, structure) for v in value) + "]"

    def fits(self, value: list[Any]) -> bool:
        return (self.low is None or len(value) >= self.low) and \
            (self.high is None or len(value) <= self.high)

    def check(self, value: Any, path: Path, report: Report) -> None:
        if type(value) is not list:
            if isinstance(value, dict):
                raise serialization(wording.START_OF_MAP)
            raise serialization("Expected list or null")
        if self.length_checked and not self.fits(value):
            shown = self.show(value)
            if self.low is not None and len(value) < self.low:
                report.violate(shown, path, wording.min_length(self.low), self.bare)
            if self.high is not None and len(value) > self.high:
                report.violate(shown, path, wording.max_length(self.high), self.bare)
        member = self.member
        for position, element in enumerate(value, 1):
            at = ((path, str(position), False), "member", False)
            if element is None:
                report.violate(None, at, wording.NOT_NULL, self.bare)
            else:
                member.check(element, at, report)


class MapNode(Node):
    """A map; a list value's length limits are reported on the map as a whole, as
    DynamoDB does ("Map value must satisfy constraint: [...]")."""

    __slots__ = ("high", "key", "key_longest", "low", "name_keys", "value")

    def __init__(self, key: StringNode | None, value: Node, low: int | None,
                 high: int | None) -> None:
        super().__init__()
        self.key, self.value, self.low, self.high = key, value, low, high
        # A key constrained by its length alone (AttributeName: 64 KB) is measured inline.
        self.key_longest = key.high if key is not None and not (
            key.low or key.choices or key.pattern) else None
        if self.key_longest is not None:
            self.key = None
        if isinstance(value, ListNode) and value.limits():
            value.length_checked = False
        self.name_keys: str | None = None  # keys are table names (aws_limits.TABLE_NAME_KEYS)

    def check(self, value: Any, path: Path, report: Report) -> None:
        if type(value) is not dict:
            if isinstance(value, list):
                raise serialization(wording.START_OF_LIST)
            raise serialization("Expected map or null")
        if self.low is not None and len(value) < self.low:
            report.violate(wording.java(value), path, wording.min_length(self.low), self.bare)
        if self.high is not None and len(value) > self.high:
            report.violate(wording.java(value), path, wording.max_length(self.high), self.bare)
        inner = self.value
        unfit = False
        key_node, longest = self.key, self.key_longest
        for key, element in value.items():
            if key_node is not None:
                key_node.constrain(key, ((path, key, False), "key", False), report)
            elif longest is not None and len(key) > longest:
                report.violate(key, ((path, key, False), "key", False),
                               wording.max_length(longest), self.bare)
            if element is None:
                report.violate(None, ((path, key, False), "member", False), wording.NOT_NULL,
                               self.bare)
                continue
            if isinstance(inner, ListNode) and not inner.length_checked and \
                    type(element) is list and not inner.fits(element):
                unfit = True
            inner.check(element, ((path, key, False), "member", False), report)
        if self.name_keys is not None:
            self._table_names(value, path, report)
        if unfit:
            assert isinstance(inner, ListNode)
            shown = "{" + ", ".join(f"{k}={inner.show(v) if type(v) is list else wording.java(v)}"
                                    for k, v in value.items()) + "}"
            report.violate(shown, path, wording.map_value(inner.limits()), self.bare)


    def _table_names(self, value: dict[str, Any], path: Path, report: Report) -> None:
        names = TableNameNode.NAME
        probe = Report()
        for key in value:
            if not key.startswith("arn:"):
                names.constrain(key, None, probe)
        if not probe.violations:
            return
        assert names.high is not None and names.low is not None
        constraint = "Map keys must satisfy constraint: [" + ", ".join((
            wording.max_length(names.high), wording.min_length(names.low),
            wording.pattern(names.pattern_text or ""))) + "]"
        if self.name_keys == "json":
            report.violate(json.dumps(value, separators=(",", ":")), path, constraint,
                           self.bare)
        else:
            report.deferred.append(wording.violation(shown(self, value), spell(path), constraint))


def shown(node: Node | None, value: Any) -> str:
    """A value as DynamoDB's Java prints it, its structures named after their shapes."""
    if isinstance(node, StructureNode) and type(value) is dict:
        return f"{node.name}(" + ", ".join(
            f"{wording.lower_first(k)}={shown(node.by_name.get(k), v)}"
            for k, v in value.items()) + ")"
    if isinstance(node, ListNode) and type(value) is list:
        return "[" + ", ".join(shown(node.member, v) for v in value) + "]"
    if isinstance(node, MapNode) and type(value) is dict:
        return "{" + ", ".join(f"{k}={shown(node.value, v)}" for k, v in value.items()) + "}"
    return wording.java(value)


class StructureNode(Node):
    __slots__ = ("by_name", "members", "name", "required")

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self.members: tuple[tuple[str, Node, bool], ...] = ()
        self.by_name: dict[str, Node] = {}
        self.required: tuple[tuple[str, Node], ...] = ()

    def set_members(self, members: tuple[tuple[str, Node, bool], ...]) -> None:
        """(member name, node, required); set after construction, as shapes may recur."""
        self.members = members
        self.by_name = {name: node for name, node, _ in members}
        self.required = tuple((name, node) for name, node, required in members if required)

    def check_in_order(self, value: dict[str, Any], report: Report) -> None:
        """The request's members in member order, a missing required one at its place."""
        for name, node, required in self.members:
            member = value.get(name)
            if member is not None:
                node.check(member, (None, name, True), report)
            elif required:
                report.violate(None, (None, name, True), wording.NOT_NULL, node.bare)

    def check(self, value: Any, path: Path, report: Report) -> None:
        if type(value) is not dict:
            if isinstance(value, list):
                raise serialization(wording.START_OF_LIST)
            raise serialization("Expected null")
        for name, node in self.required:
            if value.get(name) is None:
                report.violate(None, (path, name, True), wording.NOT_NULL, node.bare)
        # The request's own members, in the model's order (the order violations are listed).
        if len(value) > 1:
            present = [(name, node) for name, node, _ in self.members if name in value]
        else:
            present = [(name, self.by_name[name]) for name in value if name in self.by_name]
        for name, node in present:
            member = value[name]
            if member is not None:
                node.check(member, (path, name, True), report)

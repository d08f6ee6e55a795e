"""Compiles botocore's model of an operation's input, with AWS's own limits (aws_limits.py),
into nodes (nodes.py), once per operation: a request then costs one walk, with no lookup in
botocore's model."""

from __future__ import annotations

from botocore.model import Shape

from ddbkit.emulator.endpoint.rules import aws_limits, layers
from ddbkit.emulator.endpoint.rules.attribute_value_node import AttributeValueNode
from ddbkit.emulator.endpoint.rules.nodes import (
    AnyNode,
    BlobNode,
    BooleanNode,
    ListNode,
    MapNode,
    Node,
    NumberNode,
    StringNode,
    StructureNode,
    TableNameNode,
    TimestampNode,
)

# Where an attribute value's problem is reported with its place (DynamoDB's wording).
PLACES = {"ExpressionAttributeValues": "ExpressionAttributeValues contains invalid value: "
                                       "{message} for key {key}",
          "ExclusiveStartKey": "The provided starting key is invalid: {message}"}
TABLE_NAME_SHAPES = ("TableArn", "TableName")
_NUMBERS = {"integer": "Integer", "long": "Long", "double": "Double", "float": "Double"}


def compile_operation(operation: str, shape: Shape) -> StructureNode:
    return _Compiler(operation).structure(shape, "", None)  # type: ignore[return-value]


class _Compiler:
    def __init__(self, operation: str) -> None:
        self.operation = operation
        self.open: dict[str, StructureNode] = {}  # structures being compiled (recursion)

    def node(self, shape: Shape, raw: str, member: str | None) -> Node:
        node = self._build(shape, raw, member)
        if (self.operation, raw) in aws_limits.BARE_PATHS:
            node.bare = True
        return node

    def _build(self, shape: Shape, raw: str, member: str | None) -> Node:
        limits = {**shape.metadata, **aws_limits.SHAPE_LIMITS.get(shape.name, {}),
                  **aws_limits.MEMBER_LIMITS.get((self.operation, raw), {})}
        low, high = limits.get("min"), limits.get("max")
        kind = shape.type_name
        if shape.name == "AttributeValue":
            current = self.operation in layers.CURRENT
            # PartiQL's parameters follow rules of their own, checked as the statement is read
            return AttributeValueNode(None if current else PLACES.get(member or ""), current,
                                      self.operation in layers.WRAPPING_NUMBERS,
                                      self.operation in layers.DEFERRED_DEPTH,
                                      rules=member != "Parameters")
        if kind == "structure":
            return self.structure(shape, raw, member)
        if kind == "list":
            return ListNode(self.node(shape.member, raw + ".[]", member), low, high)
        if kind == "map":
            key = self.node(shape.key, raw + ".key", member)
            value = self.node(shape.value, raw + ".*", member)
            node = MapNode(key if isinstance(key, StringNode) and _constrained(key) else None,
                           value, low, high)
            node.name_keys = aws_limits.TABLE_NAME_KEYS.get((self.operation, raw))
            return node
        if kind == "string":
            enum = aws_limits.ENUM_ORDER.get(shape.name) or tuple(shape.enum or ())
            cls = TableNameNode if member == "TableName" and \
                shape.name in TABLE_NAME_SHAPES else StringNode
            return cls(low, high, enum, limits.get("pattern"))
        if kind in _NUMBERS:
            return NumberNode(_NUMBERS[kind], low, high)
        if kind == "boolean":
            return BooleanNode()
        if kind == "blob":
            return BlobNode()
        if kind == "timestamp":
            return TimestampNode()
        return AnyNode()

    def structure(self, shape: Shape, raw: str, member: str | None) -> Node:
        if shape.name in self.open:
            return AnyNode()  # a recursive shape: checked down to where it recurs
        node = StructureNode(shape.name)
        self.open[shape.name] = node
        required = set(shape.required_members)
        if not raw:  # the operation's input
            required.update(aws_limits.REQUIRED_MEMBERS.get(self.operation, ()))
        members = list(shape.members.items())
        if not raw:  # the operation's input
            members = _reordered(members, aws_limits.MEMBER_ORDER.get(self.operation, ()))
        node.set_members(tuple(
            (name, self.node(child, f"{raw}.{name}" if raw else name, name), name in required)
            for name, child in members))
        del self.open[shape.name]
        return node


def _reordered(members: list[tuple[str, Shape]],
               order: tuple[str, ...]) -> list[tuple[str, Shape]]:
    """`order`'s members, in that order, where the first of them stands; the rest as they are."""
    if not order:
        return members
    moved = [m for m in members if m[0] in order]
    moved.sort(key=lambda m: order.index(m[0]))
    at = next(i for i, m in enumerate(members) if m[0] in order)
    rest = [m for m in members if m[0] not in order]
    return rest[:at] + moved + rest[at:]


def _constrained(node: StringNode) -> bool:
    return bool(node.low or node.high is not None or node.choices or node.pattern)


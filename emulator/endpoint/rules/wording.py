"""DynamoDB's wording for constraint violations and for values it cannot deserialize.

DynamoDB is a Java service: a violation names the value as Java prints it (`[a, b]` for a
list, `{k=v}` for a map, `Shape(member=value)` for a structure, `null` unquoted) and the place
as a path of lower-camel member names, list positions from 1 and map keys, each element
followed by `member` (`keySchema.1.member.keyType`). Several violations are joined:
`2 validation errors detected: ...; ...`.
"""

from __future__ import annotations

from typing import Any


def lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


# How deep a value is printed: a value nested deeper is shown as "..." (its nesting is
# refused elsewhere; printing it whole would only recurse).
MAX_SHOWN_DEPTH = 40


def java(value: Any, structure: str | None = None, depth: int = 0) -> str:
    """The value as DynamoDB's messages print it."""
    if depth > MAX_SHOWN_DEPTH:
        return "..."
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(java(v, None, depth + 1) for v in value) + "]"
    if isinstance(value, dict):
        if structure is not None:
            members = ", ".join(f"{lower_first(k)}={java(v, None, depth + 1)}"
                                for k, v in value.items())
            return f"{structure}({members})"
        return "{" + ", ".join(f"{k}={java(v, None, depth + 1)}" for k, v in value.items()) + "}"
    return str(value)


def violation(value: Any, path: str, constraint: str, *, bare: bool = False) -> str:
    if bare:
        return f"Value at '{path}' failed to satisfy constraint: {constraint}"
    shown = "null" if value is None else f"'{value}'"
    return f"Value {shown} at '{path}' failed to satisfy constraint: {constraint}"


def joined(violations: list[str]) -> str:
    count = len(violations)
    return f"{count} validation error{'s' if count > 1 else ''} detected: " + \
        "; ".join(violations)


NOT_NULL = "Member must not be null"


def min_length(limit: int) -> str:
    return f"Member must have length greater than or equal to {limit}"


def max_length(limit: int) -> str:
    return f"Member must have length less than or equal to {limit}"


def min_value(limit: int) -> str:
    return f"Member must have value greater than or equal to {limit}"


def max_value(limit: int) -> str:
    return f"Member must have value less than or equal to {limit}"


def pattern(text: str) -> str:
    return f"Member must satisfy regular expression pattern: {text}"


def enum(values: tuple[str, ...]) -> str:
    return f"Member must satisfy enum value set: [{', '.join(values)}]"


def map_value(constraints: list[str]) -> str:
    return f"Map value must satisfy constraint: [{', '.join(constraints)}]"


def required(member: str) -> str:
    return f"The parameter '{member}' is required but was not present in the request"


# SerializationException: a JSON value of the wrong kind for the member.
def java_class(value: Any) -> str:
    if value is True or value is False:
        return "java.lang.Boolean"
    if isinstance(value, float):
        return "java.lang.Double"
    if isinstance(value, int):
        return "java.lang.Short" if -32768 <= value <= 32767 else \
            "java.lang.Integer" if -2**31 <= value < 2**31 else "java.lang.Long"
    return "java.lang.String"


START_OF_MAP = "Start of structure or map found where not expected."
START_OF_LIST = "Start of list found where not expected"

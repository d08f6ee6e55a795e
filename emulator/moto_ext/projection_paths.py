"""ProjectionExpression paths with list indexes on placeholder names: `#l[0]`, `#m.#l[1]`.

Replaces `moto.dynamodb.responses.ProjectionExpressionParser.parse` (for moto's Query and
Scan; ddbkit's own operations call `paths`), which substitutes a placeholder only when a
path segment is exactly a name in ExpressionAttributeNames, so `#l[0]` is neither
substituted nor counted as using `#l`, and the request fails with
"Value provided in ExpressionAttributeNames unused in expressions". Here the name part of
each segment is substituted and the index suffix kept, as moto's path walker
(`find_nested_key`) reads `name[i]`. Two paths that overlap once their names are
substituted (`a, a.b`; `#a, #b` both naming `a`) are refused as DynamoDB refuses them,
where moto compared the texts as written and refused only two equal ones. moto's checks of
each path are moto's.
"""

from __future__ import annotations

import re
from typing import Any

import moto.dynamodb.responses as responses
from moto.dynamodb.exceptions import MockValidationException
from moto.dynamodb.responses import ProjectionExpressionParser

from ddbkit.emulator.moto_ext.store import require

_responses: Any = responses  # moto exports neither helper explicitly
_SEGMENT = re.compile(r"([^\[\]]+)((?:\[\d+\])*)\Z")
_INDEX = re.compile(r"\[\d+\]")
OVERLAP = ("Invalid ProjectionExpression: Two document paths overlap with each other; must "
           "remove or rewrite one of these paths; path one: [{}], path two: [{}]")


def _segment(names: dict[str, str], found: list[str], text: str) -> str:
    match = _SEGMENT.match(text)
    name, index = (match.group(1), match.group(2)) if match else (text, "")
    substitute = names.get(name)
    if substitute:
        found.append(name)
        return str(substitute) + index
    return text


def paths(expression: str | None, names: dict[str, str]) -> tuple[list[list[str]], list[str]]:
    """(the expression's document paths, the `#names` it used)."""
    found: list[str] = []
    if not expression:
        return [], found
    expressions = [x.strip() for x in expression.split(",")]
    for one in expressions:
        _responses.check_projection_expression(one)
    parsed = [[_segment(names, found, part) for part in one.split(".")] for one in expressions]
    _no_overlap(parsed)
    return parsed, found


def _elements(path: list[str]) -> list[str]:
    """A path's names and list indexes, one element each: `a[1].b` is a, [1], b."""
    elements: list[str] = []
    for segment in path:
        match = _SEGMENT.match(segment)
        if match is None:
            elements.append(segment)
            continue
        elements.append(match.group(1))
        elements.extend(_INDEX.findall(match.group(2)))
    return elements


def _no_overlap(parsed: list[list[str]]) -> None:
    """No path is another's prefix (or equal to it), names substituted."""
    elements = [_elements(path) for path in parsed]
    for i, one in enumerate(elements):
        for two in elements[i + 1:]:
            if one[:len(two)] == two[:len(one)]:
                raise MockValidationException(OVERLAP.format(", ".join(one), ", ".join(two)))


def parse(self: ProjectionExpressionParser) -> list[list[str]]:
    parsed, found = paths(self.projection_expression, self.expression_attribute_names)
    self.expr_attr_names_found.extend(found)
    return parsed


def install() -> None:
    require(responses, "check_projection_expression")
    require(ProjectionExpressionParser, "parse")
    owner: Any = ProjectionExpressionParser
    owner.parse = parse

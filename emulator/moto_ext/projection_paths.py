"""ProjectionExpression paths with list indexes on placeholder names: `#l[0]`, `#m.#l[1]`.

Replaces `moto.dynamodb.responses.ProjectionExpressionParser.parse`, which substitutes a
placeholder only when a path segment is exactly a name in ExpressionAttributeNames, so
`#l[0]` is neither substituted nor counted as using `#l`, and the request fails with
"Value provided in ExpressionAttributeNames unused in expressions". Here the name part of
each segment is substituted and the index suffix kept, as moto's path walker
(`find_nested_key`) reads `name[i]`. Everything else (duplicate paths, moto's checks of
each path) is moto's.
"""

from __future__ import annotations

import re
from typing import Any

import moto.dynamodb.responses as responses
from moto.dynamodb.exceptions import InvalidProjectionExpression
from moto.dynamodb.responses import ProjectionExpressionParser

from ddbkit.emulator.moto_ext.store import require

_responses: Any = responses  # moto exports neither helper explicitly
_SEGMENT = re.compile(r"([^\[\]]+)((?:\[\d+\])*)\Z")


def _segment(parser: ProjectionExpressionParser, text: str) -> str:
    match = _SEGMENT.match(text)
    name, index = (match.group(1), match.group(2)) if match else (text, "")
    substitute = parser.expression_attribute_names.get(name)
    if substitute:
        parser.expr_attr_names_found.append(name)
        return str(substitute) + index
    return text


def parse(self: ProjectionExpressionParser) -> list[list[str]]:
    if not self.projection_expression:
        return []
    expressions = [x.strip() for x in self.projection_expression.split(",")]
    duplicates = _responses.find_duplicates(expressions)
    if duplicates:
        raise InvalidProjectionExpression(*duplicates)
    for expression in expressions:
        _responses.check_projection_expression(expression)
    return [[_segment(self, part) for part in expression.split(".")]
            for expression in expressions]


def install() -> None:
    require(responses, "find_duplicates", "check_projection_expression")
    require(ProjectionExpressionParser, "parse")
    owner: Any = ProjectionExpressionParser
    owner.parse = parse

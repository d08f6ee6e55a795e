"""ProjectionExpression text read into document paths: moto's checks of each path, then
ddbkit's parse (`expressions/projections.py`).

moto's `check_projection_expression` refuses a path that is a reserved word, starts with a
digit or holds white space, in DynamoDB's words. The paths themselves are ddbkit's: a
placeholder is substituted in an indexed segment too (`#l[0]`, which moto's own parser left
as written), and overlapping paths (`a, a.b`; `#a, #b` both naming `a`) are refused (moto
compared the texts as written). A call: moto's parser is not replaced.
"""

from __future__ import annotations

from typing import Any

import moto.dynamodb.responses as responses

from ddbkit.emulator.expressions import projections

_responses: Any = responses  # moto exports the check only implicitly


def paths(expression: str | None,
          names: dict[str, str]) -> tuple[list[projections.Path], list[str]]:
    """(the expression's document paths, the `#names` it used)."""
    found: list[str] = []
    if not expression:
        return [], found
    for one in expression.split(","):
        _responses.check_projection_expression(one.strip())
    return projections.parse(expression, names, found), found

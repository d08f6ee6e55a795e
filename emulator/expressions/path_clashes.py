"""Two document paths of one expression that DynamoDB refuses together, in its words: they
overlap (one is the other, or its prefix) or conflict (at one step one uses a list index
where the other uses a map name: `a[0]` and `a.b`). ProjectionExpression and
UpdateExpression share the rule; each prefixes its own "Invalid ...Expression: ".
"""

from __future__ import annotations

from collections.abc import Sequence

Path = tuple[str | int, ...]

CLASH = ("Two document paths {} with each other; must remove or rewrite one of these paths; "
         "path one: [{}], path two: [{}]")


def first_clash(paths: Sequence[Path]) -> str | None:
    """The refusal of the first pair of paths (in the order written) that clash, or None."""
    for i, one in enumerate(paths):
        for two in paths[i + 1:]:
            kind = _clash(one, two)
            if kind is not None:
                return CLASH.format(kind, shown(one), shown(two))
    return None


def _clash(one: Path, two: Path) -> str | None:
    for a, b in zip(one, two, strict=False):
        if (type(a) is int) != (type(b) is int):
            return "conflict"
        if a != b:
            return None
    return "overlap"


def shown(path: Path) -> str:
    return ", ".join(f"[{e}]" if type(e) is int else str(e) for e in path)

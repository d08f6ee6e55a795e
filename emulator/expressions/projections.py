"""ProjectionExpression on an item held as DynamoDB JSON: which parts of it a read returns.

A path is a tuple of elements, attribute names (str) and list indexes (int): `a.b[1].c` is
("a", "b", 1, "c"). What the paths reach is returned nested as it is in the item, as
DynamoDB returns it: `m.x` gives {"m": {"M": {"x": ...}}}; list elements keep their list and
come in index order, so `l[2], l[0]` gives {"l": {"L": [l0, l2]}} (moto kept only one of
them). A path the item does not have (a missing name or index, a step through a scalar, a
name looked up in a list or an index in a map) returns nothing for it. Paths that overlap
(one is the other or its prefix) or conflict (`a[0]` with `a.b`) are refused as DynamoDB
refuses them (path_clashes.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from ddbkit.emulator.expressions.path_clashes import CLASH, first_clash
from ddbkit.emulator.operations.call import validation_error

Element = str | int
Path = tuple[Element, ...]
Tree = dict[Element, "Tree | None"]  # None: the whole value at this point

INVALID = "Invalid ProjectionExpression: "
OVERLAP = INVALID + CLASH.format("overlap", "{}", "{}")
_SEGMENT = re.compile(r"([^\[\]]*)((?:\[\d+\])*)\Z")
_INDEX = re.compile(r"\[(\d+)\]")


def segment_path(segments: Iterable[str], names: dict[str, str] | None = None,
                 used: list[str] | None = None) -> Path:
    """A path from its dot-separated segments, each a name with optional `[i]` suffixes
    (`#name` placeholders substituted from `names`, recorded in `used`)."""
    elements: list[Element] = []
    for segment in segments:
        match = _SEGMENT.match(segment)
        name, suffix = (match.group(1), match.group(2)) if match else (segment, "")
        if names and name in names:
            if used is not None:
                used.append(name)
            name = names[name]
        elements.append(name)
        elements.extend(int(i) for i in _INDEX.findall(suffix))
    return tuple(elements)


def parse(expression: str, names: dict[str, str] | None = None,
          used: list[str] | None = None) -> list[Path]:
    """A ProjectionExpression's paths, placeholders substituted; overlaps refused."""
    paths = [segment_path(one.strip().split("."), names, used)
             for one in expression.split(",")]
    check_no_overlap(paths)
    return paths


def check_no_overlap(paths: Sequence[Path]) -> None:
    """No path is another's prefix or equal to it, none uses as a list what another uses as
    a map (names already substituted)."""
    clash = first_clash(paths)
    if clash is not None:
        raise validation_error(INVALID + clash)


def project(item: dict[str, Any], paths: Iterable[Path]) -> dict[str, Any]:
    """The parts of `item` (attribute name -> DynamoDB JSON value) the paths reach."""
    return _from_map(item, _tree(paths))


def _tree(paths: Iterable[Path]) -> Tree:
    tree: Tree = {}
    for path in paths:
        node = tree
        for element in path[:-1]:
            child = node.setdefault(element, {})
            if child is None:  # a shorter path already takes the whole value
                break
            node = child
        else:
            if path:
                node[path[-1]] = None
    return tree


def _from_map(attributes: dict[str, Any], tree: Tree) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for element, below in tree.items():
        if isinstance(element, str) and element in attributes:
            value = _pick(attributes[element], below)
            if value is not None:
                found[element] = value
    return found


def _pick(value: Any, tree: Tree | None) -> Any:
    """What `tree` reaches in one attribute value, or None for nothing."""
    if tree is None:
        return value
    if not isinstance(value, dict) or len(value) != 1:
        return None
    kind, inner = next(iter(value.items()))
    if kind == "M" and isinstance(inner, dict):
        members = _from_map(inner, tree)
        return {"M": members} if members else None
    if kind == "L" and isinstance(inner, list):
        indexes = sorted(e for e in tree if isinstance(e, int) and e < len(inner))
        elements = [picked for picked in (_pick(inner[i], tree[i]) for i in indexes)
                    if picked is not None]
        return {"L": elements} if elements else None
    return None

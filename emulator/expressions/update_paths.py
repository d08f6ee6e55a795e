"""Document paths in an item held as DynamoDB JSON: read, written on a draft, picked out.

A path here has its `#name` placeholders already replaced: a `str` is an attribute (or map
key) name, an `int` a list index. The item an update starts from is never changed: a `Draft`
copies the top level once and each map or list on the way to a change the first time it is
changed (copy on write), so an update of one attribute of a large item copies little.
"""

from __future__ import annotations

from typing import Any

from ddbkit.emulator.expressions import documents, projections
from ddbkit.emulator.expressions.update_plan import Element, Path

INVALID_PATH = "The document path provided in the update expression is invalid for update"


class UpdateRefused(ValueError):
    """An update DynamoDB refuses (ValidationException), with its message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()  # what a path reaches when the item has nothing there


def value_at(top: dict[str, Any], path: Path) -> Any:
    """The value at `path`, or MISSING. A name below something that is no map is missing;
    an index into an existing value that is no list is an invalid document path."""
    value: Any = top.get(path[0], MISSING)  # type: ignore[arg-type]
    for element in path[1:]:
        if value is MISSING:
            return MISSING
        if type(element) is int:
            inner = value.get("L")
            if inner is None:
                raise UpdateRefused(INVALID_PATH)
            value = inner[element] if element < len(inner) else MISSING
        else:
            inner = value.get("M")
            value = MISSING if inner is None else inner.get(element, MISSING)
    return value


def found_at(top: dict[str, Any], path: Path) -> Any:
    """What `path` reaches in the item (`documents.at`), MISSING wherever it has no such
    path; never a refusal."""
    found = documents.at(top, path)
    return MISSING if found is None else found


def check_target(top: dict[str, Any], path: Path) -> None:
    """An update may write or remove `path` only when everything above it exists: the
    attribute or element it is in is a map (for a name) or a list (for an index)."""
    if len(path) > 1:
        _container(found_at(top, path[:-1]), path[-1])


def _member(container: Any, element: Element) -> Any:
    """A map's member or a list's element (the container is of the kind `element` needs)."""
    if type(element) is int:
        return container[element] if element < len(container) else MISSING
    return container.get(element, MISSING)


def _container(holder: Any, element: Element) -> Any:
    """The dict or list inside `holder` that `element` names a member of."""
    if holder is MISSING:
        raise UpdateRefused(INVALID_PATH)
    inner = holder.get("L" if type(element) is int else "M")
    if inner is None:
        raise UpdateRefused(INVALID_PATH)
    return inner


class Draft:
    """The item as the update changes it; `item` is the result."""

    def __init__(self, item: dict[str, Any]) -> None:
        self.item = dict(item)
        self._owned: set[int] = set()  # ids of the maps and lists copied for this draft

    def value_at(self, path: Path) -> Any:
        return value_at(self.item, path)

    def parent(self, path: Path) -> Any:
        """The dict or list that holds `path`'s last element, copied if not yet this
        draft's own (and every map or list above it too)."""
        inner: Any = self.item
        for depth in range(len(path) - 1):
            element, below = path[depth], path[depth + 1]
            child = _container(_member(inner, element), below)
            if id(child) not in self._owned:
                child = list(child) if type(below) is int else dict(child)
                self._owned.add(id(child))
                inner[element] = {"L" if type(below) is int else "M": child}
            inner = child
        return inner

    def set(self, path: Path, value: dict[str, Any]) -> None:
        """Writes `value` at `path`; an index past a list's end appends to the list."""
        parent, last = self.parent(path), path[-1]
        if type(last) is int and last >= len(parent):
            parent.append(value)
        else:
            parent[last] = value

    def remove_all(self, paths: list[Path]) -> None:
        """Removes every path; indexes count as in the item before any of these removals.
        A path the item does not have is no error."""
        from_lists: dict[int, tuple[list[Any], set[int]]] = {}
        for path in paths:
            parent, last = self.parent(path), path[-1]
            if type(last) is int:
                from_lists.setdefault(id(parent), (parent, set()))[1].add(last)
            else:
                parent.pop(last, None)
        for elements, indexes in from_lists.values():
            for index in sorted(indexes, reverse=True):
                if index < len(elements):
                    del elements[index]


def pick(item: dict[str, Any] | None, paths: list[Path]) -> dict[str, Any]:
    """The item's attributes at these paths, nested as they are in the item (the elements
    picked from a list keep their order and close up), as UPDATED_OLD / UPDATED_NEW show:
    a ProjectionExpression's rule (`projections.project`)."""
    return {} if item is None else projections.project(item, paths)

"""Reads emulator/moto_ext/ with `ast` and lists the moto names it uses (test_moto_surface).

A name is `module.Attr[.attr]`: what a `from moto... import` brings in, a `moto.a.b` chain,
and every attribute read, replaced or required (`require(Cls, "name")`, `getattr`,
`setattr`) on an imported moto module or class, or on a local bound to one
(`owner: Any = DynamoDBBackend`). Loops that `setattr` each name of a module constant
(`for name in KEY_PATHS: setattr(DynamoHandler, name, ...)`) are read through that constant.
Attributes of instances (a table, an item) are not followed.
"""

from __future__ import annotations

import ast
import importlib
import json
from pathlib import Path
from typing import Any

PACKAGE = "ddbkit.emulator.moto_ext"
FOLDER = Path(__file__).resolve().parent.parent / "emulator" / "moto_ext"


def surface() -> tuple[set[str], set[str]]:
    """(every moto name moto_ext uses, those it replaces at run time)."""
    used: set[str] = set()
    replaced: set[str] = set()
    for path in sorted(FOLDER.glob("*.py")):
        _Module(path, used, replaced).run()
    return used, replaced


class _Module:
    def __init__(self, path: Path, used: set[str], replaced: set[str]) -> None:
        self.tree = ast.parse(path.read_text(encoding="utf-8"))
        self.name = f"{PACKAGE}.{path.stem}" if path.stem != "__init__" else PACKAGE
        self.used, self.replaced = used, replaced
        self.moto: dict[str, str] = {}  # local name -> moto dotted path

    def run(self) -> None:
        for node in ast.walk(self.tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "moto":
                for alias in node.names:
                    self.moto[alias.asname or alias.name] = f"{node.module}.{alias.name}"
                    self.used.add(f"{node.module}.{alias.name}")
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] == "moto":
                        local = alias.asname or alias.name.split(".")[0]
                        self.moto[local] = alias.name if alias.asname else "moto"
        self._visit(self.tree, self._aliases(self.tree, dict(self.moto)))

    def _visit(self, node: ast.AST, names: dict[str, str]) -> None:
        """Walks `node` with `names` (moto locals), each function adding its own aliases."""
        saved, self.moto = self.moto, names
        if isinstance(node, ast.Attribute):
            self._attribute(node)
        elif isinstance(node, ast.Call):
            self._call(node)
        elif isinstance(node, ast.For):
            self._loop(node)
        if isinstance(node, ast.For) and self._each_class(node, names):
            self.moto = saved
            return
        for child in ast.iter_child_nodes(node):
            inner = names
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                inner = self._aliases(child, dict(names))
            self._visit(child, inner)
        self.moto = saved

    def _each_class(self, loop: ast.For, names: dict[str, str]) -> bool:
        """`for handler in (DynamoHandler, ...)`: the body, once for each moto class."""
        paths = [self._path(e) for e in getattr(loop.iter, "elts", [])]
        if not isinstance(loop.target, ast.Name) or not paths or None in paths:
            return False
        for path in paths:
            for child in loop.body:
                self._visit(child, {**names, loop.target.id: str(path)})
        return True

    def _aliases(self, scope: ast.AST, names: dict[str, str]) -> dict[str, str]:
        """Adds the scope's locals bound to a moto name (`owner: Any = DynamoDBBackend`),
        unless the same name is bound to anything else there (then it is not followed)."""
        aliases: dict[str, str] = {}
        targets: set[int] = set()
        other: set[str] = set()
        for node in ast.walk(scope):
            target, value = _binding(node)
            path = _chain(value, names) if target is not None else None
            if target is not None and path is not None:
                aliases.setdefault(target.id, path)
                targets.add(id(target))
        for node in ast.walk(scope):
            if isinstance(node, ast.arg):
                other.add(node.arg)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) \
                    and id(node) not in targets:
                other.add(node.id)
        names.update({k: v for k, v in aliases.items() if k not in other})
        return names

    def _path(self, node: ast.expr) -> str | None:
        if isinstance(node, ast.Name):
            return self.moto.get(node.id)
        if isinstance(node, ast.Attribute):
            base = self._path(node.value)
            return None if base is None else f"{base}.{node.attr}"
        return None

    def _attribute(self, node: ast.Attribute) -> None:
        path = self._path(node)
        if path is None:
            return
        self.used.add(path)
        if isinstance(node.ctx, ast.Store):
            self.replaced.add(path)

    def _call(self, node: ast.Call) -> None:
        func = node.func.id if isinstance(node.func, ast.Name) else None
        if func not in ("require", "getattr", "setattr") or not node.args:
            return
        owner = self._path(node.args[0])
        if owner is None:
            return
        names = node.args[1:] if func == "require" else node.args[1:2]
        for name in names:
            if isinstance(name, ast.Constant) and isinstance(name.value, str):
                self.used.add(f"{owner}.{name.value}")
                if func == "setattr":
                    self.replaced.add(f"{owner}.{name.value}")

    def _loop(self, loop: ast.For) -> None:
        for node in ast.walk(loop):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id == "setattr" and len(node.args) >= 2
                    and isinstance(node.args[1], ast.Name)):
                continue
            for owner_node, name in self._bindings(loop, node.args[0], node.args[1].id):
                owner = self._path(owner_node)
                if owner is not None:
                    self.used.add(f"{owner}.{name}")
                    self.replaced.add(f"{owner}.{name}")

    def _bindings(self, loop: ast.For, owner: ast.expr, name: str) -> list[tuple[ast.expr, str]]:
        """(owner, attribute name) for each pass of `loop` that sets `name`."""
        target, source = loop.target, loop.iter
        if isinstance(source, ast.Call) and isinstance(source.func, ast.Attribute) \
                and source.func.attr == "items":
            source = source.func.value
            target = target.elts[0] if isinstance(target, ast.Tuple) else target
        if isinstance(target, ast.Name) and target.id == name:
            return [(owner, str(n)) for n in self._constant(source)]
        if isinstance(target, ast.Tuple) and isinstance(source, ast.Tuple | ast.List):
            at = [i for i, t in enumerate(target.elts) if isinstance(t, ast.Name) and t.id == name]
            who = [i for i, t in enumerate(target.elts)
                   if isinstance(owner, ast.Name) and isinstance(t, ast.Name) and t.id == owner.id]
            pairs = []
            for element in source.elts:
                if isinstance(element, ast.Tuple) and at and who:
                    value = element.elts[at[0]]
                    if isinstance(value, ast.Constant):
                        pairs.append((element.elts[who[0]], str(value.value)))
            return pairs
        return []

    def _constant(self, node: ast.expr) -> list[Any]:
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            return [ast.literal_eval(e) for e in node.elts]
        if isinstance(node, ast.Name):  # a module constant: its keys or elements
            return list(getattr(importlib.import_module(self.name), node.id))
        return []


def _chain(node: ast.expr | None, names: dict[str, str]) -> str | None:
    """The moto path of `Name` or `Name.attr...` when Name is a moto local."""
    if isinstance(node, ast.Name):
        return names.get(node.id)
    if isinstance(node, ast.Attribute):
        base = _chain(node.value, names)
        return None if base is None else f"{base}.{node.attr}"
    return None


def _binding(node: ast.AST) -> tuple[ast.Name | None, ast.expr | None]:
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return node.target, node.value
    if isinstance(node, ast.Assign) and len(node.targets) == 1 \
            and isinstance(node.targets[0], ast.Name):
        return node.targets[0], node.value
    return None, None


def unresolved(names: list[str]) -> list[str]:
    """The names the installed moto lacks: import the longest module, getattr the rest."""
    return [name for name in names if not _resolves(name)]


def _resolves(name: str) -> bool:
    parts = name.split(".")
    obj: Any = importlib.import_module(parts[0])
    for i, part in enumerate(parts[1:], start=2):
        if hasattr(obj, part):
            obj = getattr(obj, part)
            continue
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            return False
    return True


LISTED = Path(__file__).resolve().parent / "moto_surface.txt"
_HEADER = """\
# Every moto name emulator/moto_ext/ uses (tests/test_moto_surface.py keeps this in step).
# `replaced`: ddbkit sets it at run time (install()); `added`: ddbkit adds it to moto's class,
# so the installed moto must not have it. Regenerate after a deliberate change with:
#   python -c 'import sys; sys.path.insert(0, "tests"); import moto_surface as m; m.write()'
"""


def listed() -> dict[str, str]:
    """The checked-in list: name -> "" (used), "replaced" or "added"."""
    names = {}
    for line in LISTED.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, tag = line.partition(" ")
            names[name] = tag.strip()
    return names


def found() -> dict[str, str]:
    """What the code uses now, tagged as `listed()` is (run before moto_ext is installed)."""
    used, replaced = surface()
    added = set(unresolved(sorted(replaced)))
    return {name: "added" if name in added else "replaced" if name in replaced else ""
            for name in sorted(used)}


def write() -> None:
    lines = [f"{name} {tag}".rstrip() for name, tag in found().items()]
    LISTED.write_text(_HEADER + "\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    """Prints, as JSON, what the code uses and which of those names moto lacks: run in a
    fresh interpreter, since moto_ext's install() changes moto's classes in place."""
    now = found()
    names = sorted(set(now) | set(listed()))
    print(json.dumps({"found": now, "unresolved": unresolved(names)}))


if __name__ == "__main__":
    main()

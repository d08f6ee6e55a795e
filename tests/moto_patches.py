"""A run-time census of moto's replaced attributes (issue 25's bar: 0).

Imports every module of moto's packages below, records the object behind every module
attribute and every entry of every moto class's `__dict__` (the classes those modules define,
and the moto classes they inherit from), then starts ddbkit's server in this process, serves
one request of each kind (moto_patch_requests.py) and records again. A name whose object
changed, that appeared or that disappeared is a replaced attribute. tests/moto_surface.py
counts the same thing from the source; this counts what actually happened.

Run it in a fresh interpreter: `python tests/moto_patches.py` prints the count and the list
(`--json` for test_moto_patches.py, `--write` to rewrite tests/moto_patches.txt).
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import sys
import tempfile
from pathlib import Path
from types import FunctionType, ModuleType
from typing import Any

PACKAGES = ("moto.core", "moto.dynamodb", "moto.dynamodbstreams", "moto.utilities")
LISTED = Path(__file__).resolve().parent / "moto_patches.txt"
HEADER = """\
# moto attributes replaced at run time once ddbkit serves one request of each kind
# (tests/moto_patches.py). A ratchet: test_moto_patches.py fails if a name not listed here is
# replaced; after removing patches, shrink the list with:
#   python tests/moto_patches.py --write
"""


def moto_modules() -> list[ModuleType]:
    """Every module of PACKAGES, imported (one that cannot be, for a missing optional
    dependency, is left out: nothing of ddbkit's can use it either)."""
    found: list[ModuleType] = []
    for name in PACKAGES:
        package = importlib.import_module(name)
        found.append(package)
        for info in pkgutil.walk_packages(package.__path__, f"{name}."):
            try:
                found.append(importlib.import_module(info.name))
            except ImportError:
                continue
    return found


def _classes(modules: list[ModuleType]) -> list[type]:
    """The classes those modules define, and every moto class in their ancestry."""
    names = {m.__name__ for m in modules}
    seen: dict[int, type] = {}
    for module in modules:
        for value in list(vars(module).values()):
            if isinstance(value, type) and value.__module__ in names:
                for cls in value.__mro__:
                    if cls.__module__.split(".")[0] == "moto":
                        seen.setdefault(id(cls), cls)
    return list(seen.values())


def snapshot(modules: list[ModuleType], classes: list[type]) -> dict[str, tuple[Any, Any]]:
    """name -> (the object, its code if a function): a function whose body was swapped
    counts as replaced too."""
    taken: dict[str, tuple[Any, Any]] = {}
    for module in modules:
        for attr, value in list(vars(module).items()):
            taken[f"{module.__name__}.{attr}"] = _identity(value)
    for cls in classes:
        for attr, value in list(vars(cls).items()):
            taken[f"{cls.__module__}.{cls.__qualname__}.{attr}"] = _identity(value)
    return taken


def _identity(value: Any) -> tuple[Any, Any]:
    return value, value.__code__ if isinstance(value, FunctionType) else None


# Rebound at run time, but by Python or by moto itself, not by ddbkit: copy's and pickle's
# cache of a class's slots; moto's lazily built keyword list and its request counter; the
# per-class lists of moto's model registry (`reset_model_data` gives each a new one; what
# ddbkit changes there is BaseModel.__new__, which is counted).
NOT_PATCHES = ("__slotnames__", "instances_tracked")
MOTO_STATE = ("moto.dynamodb.parsing.reserved_keywords.ReservedKeywords.KEYWORDS",
              "moto.core.authorization.ActionAuthenticatorMixin.request_count")


def replaced(before: dict[str, tuple[Any, Any]], after: dict[str, tuple[Any, Any]]) -> list[str]:
    """Every name added, removed or bound to another object between the two snapshots."""
    changed = {name for name in set(before) | set(after)
               if name not in before or name not in after
               or any(a is not b for a, b in zip(before[name], after[name], strict=True))}
    return sorted(name for name in changed if not _noise(name, after.get(name)))


def _noise(name: str, now: tuple[Any, Any] | None) -> bool:
    if name.rpartition(".")[2] in NOT_PATCHES or name in MOTO_STATE:
        return True
    # A class's empty `__annotations__`, which Python creates the first time it is read.
    return name.endswith(".__annotations__") and now is not None and now[0] == {}


def census() -> list[str]:
    """The moto names replaced once ddbkit's server has answered one request of each kind."""
    modules = moto_modules()
    classes = _classes(modules)
    before = snapshot(modules, classes)
    import moto_patch_requests

    with tempfile.TemporaryDirectory(prefix="ddbkit-census-") as folder:
        moto_patch_requests.serve_each_kind(Path(folder))
    return replaced(before, snapshot(modules, classes))


def listed() -> list[str]:
    lines = LISTED.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def main(argv: list[str]) -> None:
    names = census()
    if "--json" in argv:
        print(json.dumps(names))
        return
    if "--write" in argv:
        LISTED.write_text(HEADER + "".join(f"{name}\n" for name in names), encoding="utf-8")
    print("\n".join(names))
    print(f"moto attributes replaced at run time: {len(names)}")


if __name__ == "__main__":
    main(sys.argv[1:])

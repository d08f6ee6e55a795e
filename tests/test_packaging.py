"""What a fresh install needs: every library the shipped code imports is a declared
dependency, every shipped folder is a listed package, and nothing is importable by a bare
top-level name that a user's own project could shadow."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions, requires
from pathlib import Path

import ddbkit

ROOT = Path(ddbkit.__file__).parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PACKAGES: list[str] = PYPROJECT["tool"]["setuptools"]["packages"]
# pytest imports the plugin module, so pytest is there whenever it is imported; `load --otel`
# imports OpenTelemetry only after checking the otel extra installed it (one line otherwise).
PROVIDED_BY_HOST = {"ddbkit.emulator.pytest_plugin": {"pytest"},
                    "ddbkit.loadtests.otel": {"opentelemetry"}}


def _package_dir(package: str) -> Path:
    return ROOT.joinpath(*package.split(".")[1:])


def _shipped_modules() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in _package_dir(package).glob("*.py"):
            name = package if path.stem == "__init__" else f"{package}.{path.stem}"
            modules[name] = path
    return modules


def _imported_top_levels(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names - set(sys.stdlib_module_names) - {"ddbkit", "__future__"}


def _declared_distributions() -> set[str]:
    declared = set()
    for requirement in requires("ddbkit") or []:
        if "extra ==" in requirement:
            continue
        name = re.match(r"[A-Za-z0-9_.-]+", requirement)
        assert name is not None, requirement
        declared.add(_normal(name.group(0)))
    return declared


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_imported_library_is_a_declared_dependency() -> None:
    declared = _declared_distributions()
    providers = packages_distributions()
    undeclared = []
    for module, path in _shipped_modules().items():
        for name in _imported_top_levels(path) - PROVIDED_BY_HOST.get(module, set()):
            distributions = {_normal(d) for d in providers.get(name, [])}
            if not distributions & declared:
                undeclared.append(f"{module} imports {name} ({', '.join(distributions) or '?'})")
    assert undeclared == []


def test_every_shipped_folder_is_a_listed_package() -> None:
    roots = ["emulator", "fixtures", "loadtests", "examples"]
    found = {"ddbkit"} | {
        "ddbkit." + ".".join(init.parent.relative_to(ROOT).parts)
        for root in roots for init in (ROOT / root).rglob("__init__.py")}
    assert found == set(PACKAGES)


def test_shipped_code_imports_only_through_the_ddbkit_namespace() -> None:
    bare = {"emulator", "fixtures", "loadtests", "examples", "cli"}
    offenders = [f"{module} imports {name}" for module, path in _shipped_modules().items()
                 for name in _imported_top_levels(path) & bare]
    assert offenders == []


def test_public_api_names_resolve_without_importing_moto_for_the_spec() -> None:
    import subprocess

    code = ("import sys, ddbkit.emulator as e; e.Stage, e.TABLES, e.DdbkitError; "
            "assert 'moto' not in sys.modules; "
            "assert all(getattr(e, n) for n in e.__all__); print(len(e.__all__))")
    done = subprocess.run([sys.executable, "-P", "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) >= 10


def test_public_api_list_matches_what_loads() -> None:
    from ddbkit import emulator

    assert sorted(emulator.__all__) == sorted(emulator._EXPORTS)

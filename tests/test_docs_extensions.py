"""docs/emulator.md's table of moto extensions matches emulator/moto_ext/.

Every row names modules that exist, and every module that still replaces something in moto
(it has an `install()`) has a row, so moving an operation out of moto_ext cannot leave the
page describing patches that are gone, or hide one that is not.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "emulator.md"
FOLDER = ROOT / "emulator" / "moto_ext"


def _documented() -> set[str]:
    names: set[str] = set()
    for line in PAGE.read_text(encoding="utf-8").splitlines():
        if line.startswith("| `") and not line.startswith("| `--"):
            first_cell = line.split("|")[1]
            names.update(re.findall(r"`([a-z_]+)\.py`", first_cell))
    return names


def _installing() -> set[str]:
    return {path.stem for path in FOLDER.glob("*.py") if path.stem != "__init__"
            if re.search(r"^def install\(", path.read_text(encoding="utf-8"), re.M)}


def test_every_row_names_an_existing_extension() -> None:
    existing = {path.stem for path in FOLDER.glob("*.py")}
    gone = sorted(_documented() - existing)
    assert not gone, f"docs/emulator.md describes moto_ext modules that no longer exist: {gone}"


def test_every_installed_extension_has_a_row() -> None:
    missing = sorted(_installing() - _documented())
    assert not missing, f"moto_ext modules that patch moto but have no row in docs/emulator.md: {missing}"

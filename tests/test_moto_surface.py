"""moto has one door (issue 25): emulator/moto_ext/. Every moto name that folder uses is
listed in tests/moto_surface.txt, and each must exist in the installed moto, so a moto
upgrade that drops or renames one fails here, by name, instead of misbehaving.
(ruff's banned-api rule keeps moto imports inside that folder.)"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import moto_surface

HERE = Path(__file__).resolve().parent
REGENERATE = "regenerate with moto_surface.write() (command in moto_surface.txt)"


def _fresh_scan() -> dict[str, Any]:
    """Scanned in a new interpreter: this one may have moto_ext installed into moto."""
    done = subprocess.run([sys.executable, str(HERE / "moto_surface.py")], cwd=HERE,
                          capture_output=True, text=True, check=True, timeout=120)
    result: dict[str, Any] = json.loads(done.stdout)
    return result


SCAN = _fresh_scan()


def test_the_list_names_every_moto_name_moto_ext_uses() -> None:
    found: dict[str, str] = SCAN["found"]
    listed = moto_surface.listed()
    new = sorted(set(found) - set(listed))
    gone = sorted(set(listed) - set(found))
    assert not new, f"moto_ext now uses moto names not in moto_surface.txt: {new}; {REGENERATE}"
    assert not gone, f"moto_surface.txt lists names moto_ext no longer uses: {gone}"
    retagged = sorted(n for n in found if found[n] != listed[n])
    assert not retagged, f"these names changed tag (used/replaced/added): {retagged}"


def test_every_listed_name_exists_in_the_installed_moto() -> None:
    listed = moto_surface.listed()
    missing = sorted(set(SCAN["unresolved"]) - {n for n, tag in listed.items() if tag == "added"})
    assert not missing, f"the installed moto lacks names ddbkit relies on: {missing}"
    clashing = sorted(n for n, tag in listed.items() if tag == "added"
                      and n not in SCAN["unresolved"])
    assert not clashing, f"moto now has names ddbkit adds to its classes: {clashing}"


EXAMPLE = """
from typing import Any
from moto.dynamodb.models.table import Backup
from moto.dynamodb.responses import DynamoHandler

def install() -> None:
    backup: Any = Backup
    backup.details = property(lambda self: {})
    setattr(DynamoHandler, "list_imports", lambda self: None)
"""


def test_the_scan_sees_what_a_module_uses(tmp_path: Path) -> None:
    # The scanner itself (not the checked-in list): on uses of moto known to be there, and
    # on a module of the test's own, since the patches it was first tried on are gone.
    listed: dict[str, str] = SCAN["found"]
    assert listed["moto.dynamodb.responses.DynamoHandler"] == ""  # an import
    example = tmp_path / "example.py"
    example.write_text(EXAMPLE)
    used: set[str] = set()
    replaced: set[str] = set()
    moto_surface._Module(example, used, replaced).run()
    details = "moto.dynamodb.models.table.Backup.details"
    list_imports = "moto.dynamodb.responses.DynamoHandler.list_imports"
    assert {details, list_imports} <= replaced  # via an alias, and by setattr
    assert moto_surface.unresolved([details, list_imports]) == [list_imports]  # "added"
    # Nothing of moto's is replaced any more (moto's Item and DynamoType hold no items).
    assert sum(tag == "replaced" for tag in listed.values()) == 0

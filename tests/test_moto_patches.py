"""Issue 25's bar, counted at run time: which of moto's attributes ddbkit replaces once its
server has answered one request of each kind (moto_patches.py). The goal is none; until then
tests/moto_patches.txt is a ratchet: a name may leave it, never join it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import moto_patches

HERE = Path(__file__).resolve().parent
REGENERATE = "python tests/moto_patches.py --write"


def _census() -> list[str]:
    """In a new interpreter: this one may have had moto_ext installed already."""
    done = subprocess.run([sys.executable, str(HERE / "moto_patches.py"), "--json"], cwd=HERE,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    names: list[str] = json.loads(done.stdout)
    return names


def test_no_moto_attribute_is_replaced_that_the_ratchet_does_not_list() -> None:
    names = _census()
    listed = moto_patches.listed()
    print(f"moto attributes replaced at run time: {len(names)} (listed: {len(listed)})")
    new = sorted(set(names) - set(listed))
    assert not new, (f"ddbkit now replaces moto attributes that tests/moto_patches.txt does not "
                     f"list: {new}. Call moto instead of replacing its attributes (issue 25); "
                     f"the list may only shrink ({REGENERATE} rewrites it)")
    gone = sorted(set(listed) - set(names))
    if gone:
        print(f"{len(gone)} listed names are no longer replaced; shrink the list: {REGENERATE}")


def test_the_census_sees_a_replacement_and_ignores_moto_s_own_state() -> None:
    # The diff itself, on two snapshots of a class made here.
    class Probe:
        kept = 1

        def method(self) -> None:
            return None

    before = moto_patches.snapshot([], [Probe])
    Probe.method = lambda self: None  # type: ignore[method-assign]
    Probe.added = 2  # type: ignore[attr-defined]
    Probe.instances_tracked = []  # type: ignore[attr-defined]
    after = moto_patches.snapshot([], [Probe])
    prefix = f"{Probe.__module__}.{Probe.__qualname__}"
    assert moto_patches.replaced(before, after) == [f"{prefix}.added", f"{prefix}.method"]

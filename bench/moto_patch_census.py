"""Prints issue 25's bar: how many of moto's attributes ddbkit replaces at run time, once its
server has answered one request of each kind, and which (tests/moto_patches.py does the work;
the goal is 0).

    python bench/moto_patch_census.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import moto_patches  # from tests/, which is not a package

if __name__ == "__main__":
    moto_patches.main(sys.argv[1:])

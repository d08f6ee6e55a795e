"""Reading the kit's TOML files (faults, triggers, prices, anonymisation rules) one way.

Each failure is a one-line ConfigError naming the file and what it was meant to be.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from ddbkit.emulator.errors import ConfigError


def read_toml(path: Path, what: str) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text())
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read {what}: {exc.strerror}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: malformed {what}: {' '.join(str(exc).split())}") from exc

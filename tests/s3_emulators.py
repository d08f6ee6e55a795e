"""An in-process emulator with a local S3 folder of its own (exports, imports, bulk puts)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from ddbkit.emulator.endpoint.server import ServerConfig
from ddbkit.emulator.runtime import Emulator, EmulatorConfig


@contextmanager
def with_s3_folder(tmp_path_factory: pytest.TempPathFactory,
                   stage: str) -> Iterator[tuple[Emulator, Path]]:
    s3_dir = tmp_path_factory.mktemp("s3")
    config = EmulatorConfig(server=ServerConfig(port=0), stage=stage, ttl_interval=0,
                            s3_dir=s3_dir)
    with Emulator(config) as emulator:
        yield emulator, s3_dir

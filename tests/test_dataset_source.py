"""DatasetSource: one description of the seed data for the CLI, load workers and plugin."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from ddbkit.fixtures.files import write_dataset
from ddbkit.fixtures.options import DatasetOptions
from ddbkit.fixtures.source import DatasetSource

OPTIONS = DatasetOptions(seed=7, scale=0.5, counts=(("bookings", 40),), skew=1.1,
                         anchor=date(2025, 12, 4))


def test_json_round_trip_gives_the_same_items() -> None:
    source = DatasetSource(OPTIONS)
    again = DatasetSource.from_json(json.loads(json.dumps(source.to_json())))
    assert again == source
    assert again.load()[0] == source.load()[0]


def test_cli_options_name_every_choice() -> None:
    assert DatasetSource(OPTIONS).cli_options() == [
        "--seed", "7", "--anchor", "2025-12-04", "--scale", "0.5", "--count", "bookings=40",
        "--skew", "1.1"]


def test_a_directory_source_reads_what_was_written(tmp_path: Path) -> None:
    items, manifest = DatasetSource(OPTIONS).load()
    write_dataset(tmp_path, items, manifest or {})
    source = DatasetSource(from_dir=tmp_path)
    assert source.load()[0] == items
    assert source.cli_options() == ["--from", str(tmp_path)]
    assert DatasetSource.from_json(source.to_json()) == source

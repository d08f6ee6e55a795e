"""Seeding through the real emulator: every GSI populated, re-runs overwrite, bad files refused."""

from __future__ import annotations

import gzip
import json
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ddbkit.cli import cli
from ddbkit.emulator.errors import DataFileError, SchemaDriftError
from ddbkit.emulator.spec import TABLES
from ddbkit.fixtures.files import read_dataset, read_manifest, write_dataset
from ddbkit.fixtures.loader import BatchWriter
from ddbkit.fixtures.options import DatasetOptions
from ddbkit.fixtures.seed import SHIPPED_DATASET, generate_items, seed_endpoint

ANCHOR = date(2025, 12, 4)


def count_items(client: Any, table: str, **kwargs: Any) -> int:
    return sum(page["Count"] for page in client.get_paginator("scan").paginate(
        TableName=table, Select="COUNT", **kwargs))


def query_count(client: Any, table: str, index: str, attribute: str, value: Any) -> int:
    return sum(page["Count"] for page in client.get_paginator("query").paginate(
        TableName=table, IndexName=index, Select="COUNT",
        KeyConditionExpression="#k = :v", ExpressionAttributeNames={"#k": attribute},
        ExpressionAttributeValues={":v": value}))


def test_every_gsi_indexes_every_item_it_should(fresh_emulator: Any) -> None:
    client, stage = fresh_emulator.client(), fresh_emulator.config.stage
    items, _ = generate_items(DatasetOptions(seed=5, scale=2, anchor=ANCHOR))
    report = seed_endpoint(client, items, stage, show_progress=False)
    assert report.written == {key: len(v) for key, v in items.items()}

    for table in TABLES:
        name = table.name(stage)
        assert count_items(client, name) == len(items[table.key])
        for gsi in table.gsis:
            expected: dict[str, int] = defaultdict(int)
            values = {}
            for item in items[table.key]:
                if all(a in item for a in gsi.key.attributes):
                    key = json.dumps(item[gsi.key.partition], sort_keys=True)
                    expected[key] += 1
                    values[key] = item[gsi.key.partition]
            assert sum(expected.values()) == len(items[table.key])  # no item left unindexed
            for key, count in expected.items():
                assert query_count(client, name, gsi.name, gsi.key.partition,
                                   values[key]) == count, (table.key, gsi.name, key)


def test_second_seed_overwrites_instead_of_duplicating(fresh_emulator: Any) -> None:
    client, stage = fresh_emulator.client(), fresh_emulator.config.stage
    args = ["seed", "--endpoint-url", fresh_emulator.endpoint_url, "--stage", stage,
            "--scale", "3", "--anchor", "2025-12-04"]
    first = CliRunner().invoke(cli, args)
    assert first.exit_code == 0, first.output
    counts = {t.key: count_items(client, t.name(stage)) for t in TABLES}
    assert CliRunner().invoke(cli, args).exit_code == 0
    assert {t.key: count_items(client, t.name(stage)) for t in TABLES} == counts
    assert counts["bookings"] == 219
    assert "items/s" in first.output


def test_seed_refuses_tables_that_drift_from_the_spec(fresh_emulator: Any) -> None:
    client, stage = fresh_emulator.client(), fresh_emulator.config.stage
    client.update_table(TableName=f"marketplace-{stage}-services-table",
                        GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "category-index"}}])
    items, _ = generate_items(DatasetOptions(anchor=ANCHOR))
    with pytest.raises(SchemaDriftError, match="category-index is missing"):
        seed_endpoint(client, items, stage, show_progress=False)
    assert all(count_items(client, t.name(stage)) == 0 for t in TABLES)


def _write_lines(directory: Path, table: str, lines: list[str]) -> Path:
    directory.mkdir(exist_ok=True)
    path = directory / f"{table}.json.gz"
    with gzip.open(path, "wt") as gz:
        gz.write("\n".join(lines) + "\n")
    return path


GOOD_USER = json.dumps({"Item": {"userId": {"S": "u1"}, "email": {"S": "a@b.c"},
                                 "userType": {"S": "CUSTOMER"}, "createdAt": {"S": "2025"}}})


@pytest.mark.parametrize(("table", "bad_line", "phrase"), [
    ("users", '{"Item": {"userId": {"S": "u2"}', "not valid JSON"),
    ("users", '{"Item": {"email": {"S": "x@y.z"}}}', "no 'userId'"),
    ("users", '{"userId": {"S": "u3"}}', '{"Item"'),
    ("users", '{"Item": {"userId": {"S": "u4"}, "createdAt": {"N": "5"}}}',
     "'createdAt' is type N"),
    ("users", '{"Item": {"userId": {"S": "u5"}, "x": {"Q": "1"}}}', "attribute 'x'"),
])
def test_bad_line_names_file_and_line(tmp_path: Path, table: str, bad_line: str,
                                      phrase: str) -> None:
    path = _write_lines(tmp_path / "data", table, [GOOD_USER, bad_line])
    with pytest.raises(DataFileError) as error:
        read_dataset(tmp_path / "data")
    assert str(error.value).startswith(f"{path}:2: ") and phrase in str(error.value)


def test_unknown_table_file_is_named(tmp_path: Path) -> None:
    _write_lines(tmp_path / "data", "users", [GOOD_USER])
    path = _write_lines(tmp_path / "data", "orders", [GOOD_USER])
    with pytest.raises(DataFileError, match=f"{path}: no table 'orders' in the spec"):
        read_dataset(tmp_path / "data")


def test_cli_bad_directory_is_one_line_and_writes_nothing(fresh_emulator: Any,
                                                          tmp_path: Path) -> None:
    client, stage = fresh_emulator.client(), fresh_emulator.config.stage
    _write_lines(tmp_path / "data", "users", [GOOD_USER, '{"Item": {"email": {"S": "x"}}}'])
    result = CliRunner().invoke(cli, ["seed", "--endpoint-url", fresh_emulator.endpoint_url,
                                      "--stage", stage, "--from", str(tmp_path / "data")])
    assert result.exit_code == 2
    assert result.output.strip() == (f"ddbkit: error: {tmp_path}/data/users.json.gz:2: item has "
                                     "no 'userId', the key of users")
    assert count_items(client, f"marketplace-{stage}-users-table") == 0


def test_files_round_trip_and_load_from_directory(fresh_emulator: Any, tmp_path: Path) -> None:
    items, manifest = generate_items(DatasetOptions(seed=9, anchor=ANCHOR))
    write_dataset(tmp_path / "out", items, manifest)
    assert read_dataset(tmp_path / "out") == items
    assert read_manifest(tmp_path / "out")["counts"] == {k: len(v) for k, v in items.items()}
    result = CliRunner().invoke(cli, ["seed", "--endpoint-url", fresh_emulator.endpoint_url,
                                      "--stage", fresh_emulator.config.stage,
                                      "--from", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert f"seeded {sum(len(v) for v in items.values())} items" in result.output


def test_shipped_dataset_is_the_default_dataset_of_its_anchor() -> None:
    manifest = read_manifest(SHIPPED_DATASET)
    assert manifest is not None
    anchor = date.fromisoformat(manifest["options"]["anchor"])
    items, _ = generate_items(DatasetOptions(seed=manifest["options"]["seed"], anchor=anchor))
    assert read_dataset(SHIPPED_DATASET) == items


class _FlakyEndpoint:
    """Answers like a throttled DynamoDB: half the batch unprocessed, then a throttle error."""

    def __init__(self) -> None:
        self.calls: list[int] = []
        self.stored: dict[str, Any] = {}

    def batch_write_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:
        from botocore.exceptions import ClientError

        (table, requests), = RequestItems.items()
        self.calls.append(len(requests))
        if len(self.calls) == 2:
            raise ClientError({"Error": {"Code": "ProvisionedThroughputExceededException",
                                         "Message": "slow down"}}, "BatchWriteItem")
        keep, rest = requests[: len(requests) // 2 or 1], requests[len(requests) // 2 or 1:]
        for request in keep:
            self.stored[request["PutRequest"]["Item"]["k"]["S"]] = request
        return {"UnprocessedItems": {table: rest} if rest else {}}


def test_batch_writer_retries_unprocessed_items_and_throttling() -> None:
    endpoint, sleeps = _FlakyEndpoint(), []
    writer = BatchWriter(endpoint, sleep=sleeps.append)
    items = [{"k": {"S": str(i)}} for i in range(25)]
    assert writer.write("t", items) == 25
    assert sorted(endpoint.stored) == sorted(str(i) for i in range(25))
    assert writer.retries == len(sleeps) >= 2
    assert all(0 <= s <= 5 for s in sleeps)


@pytest.mark.slow
def test_ctrl_c_stops_a_load_and_says_what_was_written(fresh_emulator: Any,
                                                       tmp_path: Path) -> None:
    import os
    import re
    import signal
    import subprocess
    import sys
    import time

    client, stage = fresh_emulator.client(), fresh_emulator.config.stage
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "ddbkit"), "seed", "--endpoint-url",
         fresh_emulator.endpoint_url, "--stage", stage, "--scale", "300", "--workers", "2",
         "--checkpoint", str(tmp_path / "checkpoint.json")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    deadline = time.monotonic() + 60
    while count_items(client, f"marketplace-{stage}-bookings-table") == 0:
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    match = re.search(r"interrupted; items written so far: (.*)\. run the same command again "
                      r"to resume from (\S+)", stderr)
    assert match, stderr
    assert match[2] == str(tmp_path / "checkpoint.json")
    written = dict(part.split(": ") for part in match[1].split(", "))
    assert int(written["bookings"]) > 0
    for key, count in written.items():
        assert int(count) == count_items(client, f"marketplace-{stage}-{key}-table")

"""AWS's export layout: written as AWS writes it, read back by `seed --from`, damage named."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ddbkit.cli import cli
from ddbkit.emulator.errors import DataFileError
from ddbkit.emulator.spec import TABLES_BY_KEY, table_key_of_name
from ddbkit.fixtures import aws_layout
from ddbkit.fixtures.files import read_dataset
from ddbkit.fixtures.options import DatasetOptions
from ddbkit.fixtures.seed import generate_items

MOMENT = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def _export(bucket: Path, key: str, items: list[Any], **kwargs: Any) -> aws_layout.ExportInfo:
    arn = TABLES_BY_KEY[key].arn("prod")
    return aws_layout.write_export(bucket, table_arn=arn, table_id=f"id-{key}",
                                   export_time=MOMENT, items=items, **kwargs)


def test_export_has_aws_manifests_and_checksums(tmp_path: Path) -> None:
    items = [{"userId": {"S": f"u{n}"}, "n": {"N": str(n)}} for n in range(5)]
    info = _export(tmp_path / "bucket", "users", items, s3_prefix="nightly", items_per_file=2)
    assert info.export_dir == tmp_path / "bucket/nightly/AWSDynamoDB" / info.export_id
    summary = json.loads((info.export_dir / "manifest-summary.json").read_text())
    assert summary["itemCount"] == 5 and summary["outputFormat"] == "DYNAMODB_JSON"
    assert summary["exportArn"] == f"{summary['tableArn']}/export/{info.export_id}"
    assert summary["manifestFilesS3Key"] == (f"nightly/AWSDynamoDB/{info.export_id}/"
                                             "manifest-files.json")
    entries = [json.loads(line) for line in
               (info.export_dir / "manifest-files.json").read_text().splitlines()]
    assert [e["itemCount"] for e in entries] == [2, 2, 1]
    for entry in entries:
        data = (tmp_path / "bucket" / entry["dataFileS3Key"]).read_bytes()
        assert entry["md5Checksum"] == base64.b64encode(hashlib.md5(data).digest()).decode()
        assert entry["etag"] == hashlib.md5(data).hexdigest()
        assert all(json.loads(line)["Item"] for line in gzip.decompress(data).splitlines())
    assert list(aws_layout.iter_export_items(info.export_dir)) == items


def test_same_items_give_the_same_data_files(tmp_path: Path) -> None:
    items = [{"userId": {"S": f"u{n}"}} for n in range(3)]
    first = aws_layout.write_data_files(tmp_path / "a", items, key_prefix="users/")
    second = aws_layout.write_data_files(tmp_path / "b", items, key_prefix="users/")
    assert first == second


def test_table_names_of_any_stage_map_to_the_spec() -> None:
    assert table_key_of_name("marketplace-prod-eu-bookings-table") == "bookings"
    assert table_key_of_name("users") == "users"
    assert table_key_of_name("marketplace-prod-orders-table") is None


def test_exports_read_back_with_seed_from(fresh_emulator: Any, tmp_path: Path) -> None:
    items, _ = generate_items(DatasetOptions(seed=3, anchor=date(2025, 12, 4)))
    for key, table_items in items.items():
        _export(tmp_path / "bucket", key, table_items)
    assert read_dataset(tmp_path / "bucket") == items
    result = CliRunner().invoke(cli, ["seed", "--endpoint-url", fresh_emulator.endpoint_url,
                                      "--stage", fresh_emulator.config.stage,
                                      "--from", str(tmp_path / "bucket")])
    assert result.exit_code == 0, result.output
    client = fresh_emulator.client()
    for key, table_items in items.items():
        name = TABLES_BY_KEY[key].name(fresh_emulator.config.stage)
        assert sum(p["Count"] for p in client.get_paginator("scan").paginate(
            TableName=name, Select="COUNT")) == len(table_items)


def test_binary_and_nested_values_read_back_as_written(tmp_path: Path) -> None:
    items = [{"userId": {"S": "u1"}, "photo": {"B": "aGVsbG8="}, "tags": {"BS": ["AQ==", "Ag=="]},
              "prefs": {"M": {"dark": {"BOOL": True}, "l": {"L": [{"N": "1"}, {"NULL": True}]}}}}]
    _export(tmp_path, "users", items)
    assert read_dataset(tmp_path) == {"users": items}


@pytest.mark.parametrize(("value", "phrase"), [
    ({"B": "not base64!"}, "attribute 'v'"), ({"SS": []}, "may not be empty"),
    ({"N": "1e999"}, "overflow"), ({"S": 5}, "S holds a int"), ({"M": {"a": {}}}, "one type"),
])
def test_values_dynamodb_would_refuse_are_named(tmp_path: Path, value: Any, phrase: str) -> None:
    _export(tmp_path, "users", [{"userId": {"S": "u1"}, "v": value}])
    with pytest.raises(DataFileError, match=phrase):
        read_dataset(tmp_path)


def test_a_manifest_that_disagrees_with_its_data_is_named(tmp_path: Path) -> None:
    info = _export(tmp_path, "users", [{"userId": {"S": "u1"}}])
    manifest = info.export_dir / "manifest-files.json"
    manifest.write_text(manifest.read_text().replace('"itemCount": 1', '"itemCount": 2'))
    with pytest.raises(DataFileError, match=r"manifest-files\.json:1: .* holds 1 items, "
                                            r"the manifest says 2"):
        read_dataset(tmp_path)


def test_a_bad_data_line_is_named_by_file_and_line(tmp_path: Path) -> None:
    info = _export(tmp_path, "users", [{"userId": {"S": "u1"}}, {"userId": {"S": "u2"}}])
    data = next((info.export_dir / "data").iterdir())
    data.write_bytes(gzip.compress(b'{"Item": {"userId": {"S": "u1"}}}\n'
                                   b'{"Item": {"x": {"S": "y"}}}\n'))
    with pytest.raises(DataFileError, match=f"{data}:2: item has no 'userId'"):
        read_dataset(tmp_path)


def test_an_export_of_a_table_outside_the_spec_is_refused(tmp_path: Path) -> None:
    aws_layout.write_export(tmp_path, table_arn="arn:aws:dynamodb:us-east-1:1:table/orders",
                            table_id="x", export_time=MOMENT, items=[])
    with pytest.raises(DataFileError, match="table 'orders' is not in the spec"):
        read_dataset(tmp_path)

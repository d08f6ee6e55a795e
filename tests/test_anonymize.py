"""`seed --from EXPORT --anonymize`: no replaced original survives, references and GSI
queries still work on the pseudonyms, and the rules file adds attributes."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ddbkit.cli import cli
from ddbkit.emulator.spec import TABLES
from ddbkit.fixtures import aws_layout
from ddbkit.fixtures.options import DatasetOptions
from ddbkit.fixtures.seed import generate_items, seed_endpoint
from ddbkit.fixtures.source import DatasetSource

REPLACED = {"email", "businessName", "phone", "address", "comment", "description"}


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, list[Any]]]:
    """The marketplace as six AWS exports of a 'prod' stage, in one bucket folder."""
    items, _ = generate_items(DatasetOptions(seed=4, scale=2, anchor=date(2025, 12, 4)))
    bucket = tmp_path_factory.mktemp("bucket")
    for table in TABLES:
        aws_layout.write_export(bucket, table_arn=table.arn("prod"), table_id=table.key,
                                export_time=datetime(2026, 11, 30, tzinfo=UTC),
                                items=items[table.key], items_per_file=50)
    return bucket, items


def _anonymise(bucket: Path, out: Path, *extra: str) -> str:
    result = CliRunner().invoke(cli, ["seed", "--from", str(bucket), "--anonymize",
                                      "--anonymize-salt", "test-salt", "--out", str(out),
                                      *extra])
    assert result.exit_code == 0, result.output
    return result.output


def _originals(items: dict[str, list[Any]], names: set[str]) -> set[str]:
    return {value["S"] for table in items.values() for item in table
            for name, value in item.items() if name in names and "S" in value}


def test_no_original_survives_and_references_resolve(export: tuple[Path, Any],
                                                     tmp_path: Path) -> None:
    bucket, original = export
    output = _anonymise(bucket, tmp_path / "out", "--remap-ids")
    after = DatasetSource(from_dir=tmp_path / "out").load()[0]
    assert {k: len(v) for k, v in after.items()} == {k: len(v) for k, v in original.items()}

    ids = {n for t in TABLES for n in t.attributes if n.endswith("Id")} | {"idempotencyKey"}
    text = b"".join(gzip.decompress(p.read_bytes()) for p in (tmp_path / "out").glob("*.gz"))
    users_names = {u["name"]["S"] for u in original["users"]}
    for value in _originals(original, REPLACED | ids) | users_names:
        assert value.encode() not in text and json.dumps(value)[1:-1].encode() not in text
    assert [s["name"] for s in after["services"]] == [s["name"] for s in original["services"]]

    users = {u["userId"]["S"] for u in after["users"]}
    providers = {p["providerId"]["S"] for p in after["providers"]}
    services = {s["serviceId"]["S"]: s["providerId"]["S"] for s in after["services"]}
    bookings = {b["bookingId"]["S"] for b in after["bookings"]}
    assert providers <= users and set(services.values()) <= providers
    for booking in after["bookings"]:
        assert booking["customerId"]["S"] in users
        assert services[booking["serviceId"]["S"]] == booking["providerId"]["S"]
    assert {r["bookingId"]["S"] for r in after["reviews"]} <= bookings
    for record in after["idempotency"]:
        cached = json.loads(record["result"]["S"])
        assert cached["bookingId"] in bookings and cached["customerId"] in users
    counts = dict(part.split(" ")[::-1] for part in
                  output.splitlines()[-1].removeprefix("anonymised: ").split(", "))
    assert int(counts["email"]) == len(original["users"])
    assert int(counts["id"]) > 0 and int(counts["address"]) > 0


def test_every_gsi_query_finds_the_twin(export: tuple[Path, Any], tmp_path: Path,
                                        fresh_emulator: Any) -> None:
    bucket, original = export
    _anonymise(bucket, tmp_path / "out", "--remap-ids")
    twins = DatasetSource(from_dir=tmp_path / "out").load()[0]
    client, stage = fresh_emulator.client(), fresh_emulator.config.stage
    seed_endpoint(client, twins, stage, show_progress=False)
    for table in TABLES:
        for before, twin in zip(original[table.key], twins[table.key], strict=True):
            for gsi in table.gsis:
                if not all(a in before for a in gsi.key.attributes):
                    continue  # the item was never in this index
                names = {f"#k{i}": a for i, a in enumerate(gsi.key.attributes)}
                values = {f":v{i}": twin[a] for i, a in enumerate(gsi.key.attributes)}
                found = client.query(
                    TableName=table.name(stage), IndexName=gsi.name,
                    KeyConditionExpression=" AND ".join(f"#k{i} = :v{i}" for i in range(
                        len(names))),
                    ExpressionAttributeNames=names, ExpressionAttributeValues=values)["Items"]
                key = {a: twin[a] for a in table.primary.attributes}
                assert any({a: f[a] for a in key} == key for f in found), (table.key, gsi.name)


def test_ids_stay_unless_remapped_and_rules_add_attributes(export: tuple[Path, Any],
                                                          tmp_path: Path) -> None:
    bucket, original = export
    rules = tmp_path / "rules.toml"
    rules.write_text('[tables.services]\nname = "text"\n[tables.users]\nemail = "keep"\n')
    _anonymise(bucket, tmp_path / "out", "--anonymize-rules", str(rules))
    after = DatasetSource(from_dir=tmp_path / "out").load()[0]
    assert [u["userId"] for u in after["users"]] == [u["userId"] for u in original["users"]]
    assert [u["email"] for u in after["users"]] == [u["email"] for u in original["users"]]
    assert all(a["name"] != b["name"] for a, b in zip(after["services"], original["services"],
                                                      strict=True))


@pytest.mark.parametrize(("rules", "phrase"), [
    ('[attributes]\nnotes = "secret"\n', "notes = 'secret' is no kind"),
    ('[tables.orders]\nnotes = "text"\n', "[tables.orders] names no table"),
    ("[attributes\n", "malformed rules file"),
])
def test_bad_rules_file_is_one_line(export: tuple[Path, Any], tmp_path: Path, rules: str,
                                    phrase: str) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(rules)
    result = CliRunner().invoke(cli, ["seed", "--from", str(export[0]), "--anonymize",
                                      "--anonymize-rules", str(path), "--out",
                                      str(tmp_path / "out")])
    assert result.exit_code == 2 and phrase in result.output, result.output
    assert not (tmp_path / "out").exists()

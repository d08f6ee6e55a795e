from __future__ import annotations

import pytest

from ddbkit.emulator.errors import InvalidStageError
from ddbkit.emulator.spec import TABLES, get_table, table_name, validate_stage
from ddbkit.emulator.tables.schema import create_table_request


def test_spec_has_the_six_tables_and_thirteen_gsis() -> None:
    assert [t.key for t in TABLES] == ["bookings", "idempotency", "services", "providers",
                                       "reviews", "users"]
    assert sum(len(t.gsis) for t in TABLES) == 13
    assert [t.key for t in TABLES if t.stream_view] == ["bookings"]
    assert [(t.key, t.ttl_attribute) for t in TABLES if t.ttl_attribute] == [
        ("idempotency", "ttl")]
    assert all(t.pitr for t in TABLES)


def test_table_names_follow_the_stage() -> None:
    assert table_name("bookings") == "marketplace-dev-bookings-table"
    assert get_table("users").name("prod") == "marketplace-prod-users-table"


@pytest.mark.parametrize("stage", ["", "a b", "dev/1", "x" * 240, "ünï"])
def test_stage_that_cannot_form_a_table_name_is_refused(stage: str) -> None:
    with pytest.raises(InvalidStageError):
        validate_stage(stage)


def test_every_key_attribute_has_a_declared_type() -> None:
    for table in TABLES:
        request = create_table_request(table)
        defined = {a["AttributeName"] for a in request["AttributeDefinitions"]}
        keyed = {k["AttributeName"] for k in request["KeySchema"]}
        for gsi in request.get("GlobalSecondaryIndexes", []):
            keyed |= {k["AttributeName"] for k in gsi["KeySchema"]}
        assert defined == keyed


def test_unknown_table_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="bookings"):
        get_table("orders")

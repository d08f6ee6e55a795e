"""The pytest plugin, as another project would use it: no conftest, just the fixtures."""

from __future__ import annotations

import pytest

USER_TESTS = '''
import boto3

def test_put_then_get(ddbkit):
    table = boto3.resource("dynamodb").Table(ddbkit.table_name("bookings"))
    table.put_item(Item={"bookingId": "b1", "status": "PENDING"})
    assert table.get_item(Key={"bookingId": "b1"})["Item"]["status"] == "PENDING"

def test_tables_start_empty(ddbkit):
    table = boto3.resource("dynamodb").Table(ddbkit.table_name("bookings"))
    assert table.scan()["Items"] == []

def test_seeded_fixture_loads_the_default_dataset(ddbkit_seeded):
    table = boto3.resource("dynamodb").Table(ddbkit_seeded.table_name("bookings"))
    assert len(table.scan()["Items"]) == 73

def test_all_six_tables_exist(ddbkit_emulator):
    names = ddbkit_emulator.client().list_tables()["TableNames"]
    assert len([n for n in names if n.startswith("marketplace-dev-")]) == 6
'''


def test_plugin_fixtures_give_an_isolated_endpoint(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_user=USER_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=4)

"""The pytest plugin, as another project would use it: no conftest, just the fixtures."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # each test runs pytest and an emulator in child processes

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

def test_a_seeded_test_changes_the_data(ddbkit_seeded):
    client = ddbkit_seeded.client()
    bookings = ddbkit_seeded.table_name("bookings")
    for item in client.scan(TableName=bookings, Limit=10)["Items"]:
        client.delete_item(TableName=bookings, Key={"bookingId": item["bookingId"]})
    client.put_item(TableName=bookings, Item={"bookingId": {"S": "mine"},
                                              "status": {"S": "PENDING"}})

def test_the_next_seeded_test_gets_the_dataset_back(ddbkit_seeded):
    client = ddbkit_seeded.client()
    bookings = ddbkit_seeded.table_name("bookings")
    assert len(client.scan(TableName=bookings)["Items"]) == 73
    assert "Item" not in client.get_item(TableName=bookings, Key={"bookingId": {"S": "mine"}})
    found = client.query(TableName=bookings, IndexName="status-index",
                         KeyConditionExpression="#s = :s", ExpressionAttributeNames={"#s": "status"},
                         ExpressionAttributeValues={":s": {"S": "COMPLETED"}})["Count"]
    assert found > 0
'''


def test_plugin_fixtures_give_an_isolated_endpoint(pytester: pytest.Pytester,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DDBKIT_IN_MEMORY")  # as in a user's shell: the plugin itself says so
    pytester.makepyfile(test_user=USER_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=6)
    assert not (pytester.path / ".ddbkit").exists()  # the session's data stayed in memory


DECOY_TESTS = '''
import boto3
from fixtures.options import MY_OWN_OPTION    # the project's own fixtures package
from cli import main                           # and its own cli.py

def test_project_modules_are_its_own():
    assert MY_OWN_OPTION == "mine" and main() == "project cli"

def test_seeded_fixture_inside_a_project_with_its_own_fixtures(ddbkit_seeded):
    table = boto3.resource("dynamodb").Table(ddbkit_seeded.table_name("providers"))
    assert len(table.scan()["Items"]) == 5

def test_empty_fixture_inside_a_project_with_its_own_cli(ddbkit):
    table = boto3.resource("dynamodb").Table(ddbkit.table_name("providers"))
    assert table.scan()["Items"] == []
'''


def test_plugin_works_in_a_project_with_its_own_fixtures_package_and_cli(
        pytester: pytest.Pytester) -> None:
    """ddbkit installs under `ddbkit.*` and its child processes start with -P, so neither
    the test process nor the emulator picks up the project's `fixtures/` or `cli.py`."""
    pytester.mkpydir("fixtures")
    pytester.path.joinpath("fixtures", "options.py").write_text('MY_OWN_OPTION = "mine"\n')
    pytester.makepyfile(cli='def main():\n    return "project cli"\n')
    pytester.makepyfile(test_decoy=DECOY_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)


TTL_TESTS = '''
import time
import boto3

def _idempotency_count(endpoint):
    table = boto3.resource("dynamodb").Table(endpoint.table_name("idempotency"))
    return len(table.scan()["Items"])

def test_expired_records_are_swept_or_kept(ddbkit_seeded, request):
    seeded = ddbkit_seeded.dataset.options.resolved_counts()["idempotency"]
    sweeping = request.config.getoption("ddbkit_ttl_interval") != "0"
    deadline = time.monotonic() + (15 if sweeping else 2)
    while time.monotonic() < deadline and _idempotency_count(ddbkit_seeded) == seeded:
        time.sleep(0.1)
    assert (_idempotency_count(ddbkit_seeded) < seeded) == sweeping
'''


@pytest.mark.parametrize("interval", ["0.2", "0"])
def test_ttl_sweep_interval_is_a_plugin_option(pytester: pytest.Pytester, interval: str) -> None:
    """The seeded data (anchored today) holds expired idempotency records: a sweeping
    session deletes them; `--ddbkit-ttl-interval 0` keeps every one for the session."""
    pytester.makepyfile(test_ttl=TTL_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider",
                                           "--ddbkit-ttl-interval", interval)
    result.assert_outcomes(passed=1)


def test_ini_settings_choose_stage_and_anchor(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nddbkit_stage = pluginini\nddbkit_anchor = 2025-12-04\n"
                     "ddbkit_ttl_interval = 0\n")
    pytester.makepyfile(test_ini='''
import datetime

def test_settings_reach_the_fixtures(ddbkit_seeded):
    assert ddbkit_seeded.table_name("users") == "marketplace-pluginini-users-table"
    assert ddbkit_seeded.dataset.options.anchor == datetime.date(2025, 12, 4)
''')
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_plugin_ignores_the_users_ddbkit_settings(pytester: pytest.Pytester,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A shell set up for the user's own `ddbkit up` (auth on, another stage) must not
    change the plugin's emulator: its placeholder-signed clients would be refused."""
    monkeypatch.setenv("DDBKIT_AUTH", "AKIDEXAMPLE:secret")
    monkeypatch.setenv("DDBKIT_STAGE", "elsewhere")
    pytester.makepyfile(test_user=USER_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=6)


def test_throughput_model_is_a_plugin_option(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_model='''
import json
import urllib.request

def test_the_session_emulator_models_throughput(ddbkit):
    url = ddbkit.endpoint_url + "/ddbkit/throughput"
    with urllib.request.urlopen(url) as answer:
        assert isinstance(json.loads(answer.read()), dict)
''')
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider",
                                           "--ddbkit-throughput-model", "on-demand")
    result.assert_outcomes(passed=1)


@pytest.mark.parametrize(("args", "ini", "says"), [
    (["--ddbkit-stage", "bad/stage"], "",
     "ddbkit: --ddbkit-stage: stage 'bad/stage' can only hold letters, digits"),
    ([], "ddbkit_ttl_interval = soon\n",
     "ddbkit: ddbkit_ttl_interval: expects seconds (a number >= 0; 0 turns expiry off), "
     "got 'soon'"),
    ([], "ddbkit_anchor = 04/12/2025\n",
     "ddbkit: ddbkit_anchor: expects a date as YYYY-MM-DD, got '04/12/2025'"),
    (["--ddbkit-throughput-model", "provisioned"], "",
     "ddbkit: --ddbkit-throughput-model: expects one of on-demand (or nothing: off), "
     "got 'provisioned'"),
])
def test_a_bad_setting_is_reported_once_at_start_up(pytester: pytest.Pytester, args: list[str],
                                                    ini: str, says: str) -> None:
    if ini:
        pytester.makeini("[pytest]\n" + ini)
    pytester.makepyfile(test_user=USER_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    line, = [line for line in result.outlines + result.errlines if line.strip()]
    assert line.startswith(f"ERROR: {says}")  # one line, before any test ran


DOC = Path(__file__).parents[1] / "docs" / "pytest-plugin.md"


def test_the_doc_names_every_fixture_attribute_and_setting() -> None:
    import inspect

    from ddbkit.emulator import pytest_plugin

    doc = DOC.read_text()
    for name in ("ddbkit_emulator", "ddbkit_seeded", "`ddbkit`"):
        assert name in doc
    endpoint = pytest_plugin.LocalEndpoint("http://x", "us-east-1", "dev")
    public = {n for n in [*vars(endpoint), *vars(pytest_plugin.LocalEndpoint)]
              if not n.startswith("_")}
    for name in public:
        member = getattr(pytest_plugin.LocalEndpoint, name, None)
        shown = f"`{name}(" if inspect.isfunction(member) else f"`{name}`"
        assert shown in doc, name
    for name in pytest_plugin._SETTINGS:
        assert f"`--ddbkit-{name.replace('_', '-')}`" in doc and f"`ddbkit_{name}`" in doc


def test_the_doc_s_example_passes(pytester: pytest.Pytester) -> None:
    example = re.search(r"```python\n(.*?)```", DOC.read_text(), re.S)
    assert example is not None
    pytester.makepyfile(test_bookings=example.group(1))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=4)

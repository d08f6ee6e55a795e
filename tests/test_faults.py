"""Fault and latency injection: errors at about the configured rate, as DynamoDB sends them,
leaving no trace; clients that retry get through. Counts, never timings."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from botocore.exceptions import ClientError
from click.testing import CliRunner

from ddbkit.cli import cli
from ddbkit.emulator.endpoint.server import ServerConfig
from ddbkit.emulator.errors import ConfigError
from ddbkit.emulator.faults.injector import FaultInjector
from ddbkit.emulator.faults.plan import (
    FaultPlan,
    error_rule,
    latency_rule,
    load_plan,
    parse_latency_flag,
)
from ddbkit.emulator.runtime import Emulator, EmulatorConfig
from ddbkit.emulator.spec import get_table

_stages = itertools.count(1)


@pytest.fixture
def faulty(request: pytest.FixtureRequest) -> Iterator[tuple[Emulator, str]]:
    stage = f"flt{next(_stages)}"
    config = EmulatorConfig(server=ServerConfig(port=0), stage=stage, ttl_interval=0,
                            faults=request.param)
    with Emulator(config) as emulator:
        yield emulator, get_table("idempotency").name(stage)


def _bound(n: int, p: float) -> tuple[float, float]:
    """Five standard deviations either side of a binomial's mean: wide, never flaky."""
    spread = 5 * (n * p * (1 - p)) ** 0.5
    return n * p - spread, n * p + spread


READS_FAIL = FaultPlan(errors=(error_rule("InternalServerError", 0.2, ["read"]),), seed=11)


@pytest.mark.parametrize("faulty", [READS_FAIL], indirect=True)
def test_errors_at_the_configured_rate_without_retries(faulty: tuple[Emulator, str]) -> None:
    emulator, table = faulty
    client = emulator.client(max_attempts=0)
    key = {"idempotencyKey": {"S": "k"}}
    for _ in range(20):  # writes are not in the rule
        client.put_item(TableName=table, Item=key)
    failed = 0
    for _ in range(400):
        try:
            client.get_item(TableName=table, Key=key)
        except ClientError as exc:
            assert exc.response["Error"]["Code"] == "InternalServerError"
            assert exc.response["ResponseMetadata"]["HTTPStatusCode"] == 500
            failed += 1
    low, high = _bound(400, 0.2)
    assert low <= failed <= high


WRITES_THROTTLED = FaultPlan(errors=(error_rule("ThrottlingException", 0.5, ["PutItem"]),),
                             seed=3)


@pytest.mark.parametrize("faulty", [WRITES_THROTTLED], indirect=True)
def test_injected_errors_leave_no_trace(faulty: tuple[Emulator, str]) -> None:
    emulator, table = faulty
    client = emulator.client(max_attempts=0)
    written = set()
    for n in range(60):
        try:
            client.put_item(TableName=table, Item={"idempotencyKey": {"S": f"t{n}"}})
            written.add(f"t{n}")
        except ClientError as exc:
            assert exc.response["Error"]["Code"] == "ThrottlingException"
    stored = {item["idempotencyKey"]["S"] for item in client.scan(TableName=table)["Items"]}
    assert stored == written and 0 < len(written) < 60


FLAKY = FaultPlan(errors=(error_rule("ServiceUnavailable", 0.1, None),
                          error_rule("ThrottlingException", 0.1, None)),
                  latency=(parse_latency_flag("1,2,3,5"),), seed=5)


@pytest.mark.parametrize("faulty", [FLAKY], indirect=True)
def test_a_client_with_standard_retries_gets_through(faulty: tuple[Emulator, str]) -> None:
    emulator, table = faulty
    client = emulator.client(max_attempts=6)
    retried = 0
    for n in range(50):
        answer = client.put_item(TableName=table, Item={"idempotencyKey": {"S": f"r{n}"}})
        retried += answer["ResponseMetadata"]["RetryAttempts"]
    assert client.scan(TableName=table, Select="COUNT")["Count"] == 50
    assert retried > 0  # the faults were there to get through (20% a try: ~10 of 50)


CONFLICTS = FaultPlan(errors=(error_rule("TransactionConflict", 1.0, ["transact"]),))


@pytest.mark.parametrize("faulty", [CONFLICTS], indirect=True)
def test_transaction_conflicts_as_dynamodb_cancels(faulty: tuple[Emulator, str]) -> None:
    emulator, table = faulty
    client = emulator.client(max_attempts=0)
    items = [{"Put": {"TableName": table, "Item": {"idempotencyKey": {"S": f"x{n}"}}}}
             for n in range(2)]
    with pytest.raises(ClientError) as caught:
        client.transact_write_items(TransactItems=items)
    answer = caught.value.response
    assert answer["Error"]["Code"] == "TransactionCanceledException"
    assert [r["Code"] for r in answer["CancellationReasons"]] == ["TransactionConflict", "None"]
    assert client.scan(TableName=table)["Items"] == []


def test_same_seed_same_faults() -> None:
    plan = FaultPlan(errors=(error_rule("InternalServerError", 0.3, None),),
                     latency=(parse_latency_flag("5,20,80,200"),), seed=9)
    first, second = FaultInjector(plan), FaultInjector(plan)
    draws = [first.draw("GetItem") for _ in range(100)]
    assert draws == [second.draw("GetItem") for _ in range(100)]
    assert all(0 <= delay <= 0.2 for _, delay in draws)
    assert any(fault is not None for fault, _ in draws)  # equal, and not equally empty
    assert len({delay for _, delay in draws}) > 1


def test_latency_is_interpolated_between_percentiles() -> None:
    rule = latency_rule({"p50_ms": 10, "p90_ms": 50, "p99_ms": 100, "max_ms": 400})
    assert rule.sample_ms(0.25) == 5 and rule.sample_ms(0.5) == 10
    assert rule.sample_ms(0.7) == pytest.approx(30) and rule.sample_ms(1.0) == 400


def test_fault_files_and_their_mistakes(tmp_path: Path) -> None:
    good = tmp_path / "faults.toml"
    good.write_text('seed = 7\n[[error]]\non = ["write"]\ntype = "InternalServerError"\n'
                    'rate = 0.1\n[[latency]]\np50_ms = 4\np99_ms = 40\n')
    plan = load_plan(good)
    assert plan.seed == 7 and plan.errors[0].on.matches("PutItem")
    assert not plan.errors[0].on.matches("GetItem") and plan.latency[0].on.matches("GetItem")
    for text, words in [('[[error]]\ntype = "Boom"\nrate = 0.1\n', "unknown error type"),
                        ('[[error]]\ntype = "ThrottlingException"\nrate = 2\n', "from 0 to 1"),
                        ('[[latency]]\np50_ms = 40\np99_ms = 4\n', "must not decrease"),
                        ("speed = 1\n", "unknown key"), ("[[error]\n", "malformed")]:
        bad = tmp_path / "bad.toml"
        bad.write_text(text)
        with pytest.raises(ConfigError, match=words):
            load_plan(bad)


def test_up_refuses_a_bad_fault_option_in_one_line(tmp_path: Path) -> None:
    for args, words in [(["--faults", str(tmp_path / "none.toml")], "cannot read"),
                        (["--fault-rate", "0.1", "--fault-error", "Boom"],
                         "--fault-error: unknown error"),
                        (["--fault-error", "Boom"], "--fault-error: unknown error"),
                        (["--latency", "fast"], "--latency")]:
        result = CliRunner().invoke(cli, ["up", "--in-memory", "--port", "0", *args])
        assert result.exit_code == 2, result.output
        assert words in result.output and "Traceback" not in result.output

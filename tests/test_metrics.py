"""GET /metrics: Prometheus's text format, parsed with prometheus_client's own parser after a
known mix of requests; counts, capacity, throttles and faults as they were sent and answered."""

from __future__ import annotations

import itertools
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from prometheus_client.parser import text_string_to_metric_families

from ddbkit.emulator.durability.config import DurabilityConfig
from ddbkit.emulator.endpoint.auth import Credentials
from ddbkit.emulator.endpoint.server import EmulatorServer, ServerConfig
from ddbkit.emulator.faults.plan import FaultPlan, error_rule, latency_rule
from ddbkit.emulator.runtime import Emulator, EmulatorConfig
from ddbkit.emulator.spec import get_table

KB = 1024
_stages = itertools.count(1)


def _scrape(url: str, host: str | None = None) -> dict[str, Any]:
    """{family name: family}, as prometheus_client parses the endpoint's answer."""
    request = urllib.request.Request(url + "/metrics")
    if host is not None:
        request.add_header("Host", host)
    with urllib.request.urlopen(request) as answer:
        assert answer.headers["Content-Type"].startswith("text/plain; version=")
        text = answer.read().decode()
    return {family.name: family for family in text_string_to_metric_families(text)}


def _value(families: dict[str, Any], sample_name: str, **labels: str) -> float:
    """The one sample named `sample_name` whose labels include `labels` (0 when absent)."""
    family = families[sample_name.removesuffix("_total").removesuffix("_count")
                      .removesuffix("_sum")]
    found = [s.value for s in family.samples if s.name == sample_name
             and all(s.labels.get(k) == v for k, v in labels.items())]
    assert len(found) <= 1, found
    return float(found[0]) if found else 0.0


@pytest.fixture
def emulator(request: pytest.FixtureRequest) -> Iterator[Emulator]:
    options = getattr(request, "param", {})
    config = EmulatorConfig(server=ServerConfig(port=0), stage=f"met{next(_stages)}",
                            ttl_interval=0, **options)
    with Emulator(config) as running:
        yield running


def test_counts_latency_capacity_and_items_after_a_known_mix(emulator: Emulator) -> None:
    client = emulator.client(max_attempts=0)
    table = f"metrics-{emulator.config.stage}"
    client.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    consumed = {"write": 0.0, "read": 0.0}
    for n in range(50):  # sizes across the 1 KB write step: 1, 2 and 3 units
        answer = client.put_item(TableName=table, ReturnConsumedCapacity="TOTAL",
                                 Item={"pk": {"S": f"k{n}"}, "v": {"S": "x" * (n * 50)}})
        consumed["write"] += answer["ConsumedCapacity"]["CapacityUnits"]
    for n in range(30):  # eventually and strongly consistent: 0.5 and 1 unit steps
        answer = client.get_item(TableName=table, Key={"pk": {"S": f"k{n}"}},
                                 ConsistentRead=n % 2 == 0, ReturnConsumedCapacity="TOTAL")
        consumed["read"] += answer["ConsumedCapacity"]["CapacityUnits"]
    with pytest.raises(ClientError):
        client.get_item(TableName=table, Key={"nope": {"S": "x"}})

    families = _scrape(emulator.endpoint_url)
    assert _value(families, "ddbkit_requests_total", operation="PutItem", table=table,
                  outcome="ok") == 50
    assert _value(families, "ddbkit_requests_total", operation="GetItem", table=table,
                  outcome="ok") == 30
    assert _value(families, "ddbkit_requests_total", operation="GetItem", table=table,
                  outcome="ValidationException") == 1
    assert _value(families, "ddbkit_request_seconds_count", operation="PutItem") >= 50
    buckets = [s for s in families["ddbkit_request_seconds"].samples
               if s.name == "ddbkit_request_seconds_bucket"
               and s.labels["operation"] == "GetItem"]
    assert buckets[-1].labels["le"] == "+Inf" and buckets[-1].value >= 31
    assert consumed["write"] > 50 and consumed["read"] > 15  # the sizes did vary
    for kind in ("write", "read"):
        assert _value(families, "ddbkit_consumed_capacity_units_total", table=table,
                      index="", kind=kind) == pytest.approx(consumed[kind])
    assert _value(families, "ddbkit_table_items", table=table) == 50
    described = client.describe_table(TableName=table)["Table"]["TableSizeBytes"]
    assert _value(families, "ddbkit_table_bytes", table=table) == described
    assert _value(families, "process_resident_memory_bytes") > 0  # the library's defaults
    assert "python_gc_objects_collected" in families


def test_each_server_keeps_its_own_figures(emulator: Emulator) -> None:
    with EmulatorServer(ServerConfig(port=0)) as other:
        client = emulator.client()
        client.list_tables()
        ours, theirs = _scrape(emulator.endpoint_url), _scrape(other.endpoint_url)
    assert _value(ours, "ddbkit_requests_total", operation="ListTables", outcome="ok") >= 1
    assert _value(theirs, "ddbkit_requests_total", operation="ListTables") == 0


@pytest.mark.parametrize("emulator", [{"throughput_model": "on-demand"}], indirect=True)
def test_throttles_counted_under_the_throughput_model(emulator: Emulator) -> None:
    client = emulator.client(max_attempts=0)
    table = get_table("idempotency").name(emulator.config.stage)

    def put(tag: str) -> Any:  # 300 KB: 300 of a partition's 1,000 write units a second
        return client.put_item(TableName=table, Item={
            "idempotencyKey": {"S": "hot"}, "result": {"S": tag + "x" * (300 * KB - 40)}})

    throttled = 0
    for n in range(6):
        try:
            put(f"v{n}")
        except ClientError as exc:
            assert exc.response["Error"]["Code"] == "ThrottlingException"
            throttled += 1
    assert throttled >= 1
    families = _scrape(emulator.endpoint_url)
    assert _value(families, "ddbkit_throttled_requests_total", table=table,
                  reason="TableWriteKeyRangeThroughputExceeded") == throttled
    assert _value(families, "ddbkit_requests_total", operation="PutItem", table=table,
                  outcome="ThrottlingException") == throttled
    # a throttled request is not charged; the model meters every request, asked or not
    with urllib.request.urlopen(emulator.endpoint_url + "/ddbkit/throughput") as answer:
        model = json.loads(answer.read())[f"arn:aws:dynamodb:us-east-1:943814145891:table/{table}"]
    assert _value(families, "ddbkit_consumed_capacity_units_total", table=table, index="",
                  kind="write") == model["consumed_write_units"] == 300 * (6 - throttled)


FAULTS = FaultPlan(errors=(error_rule("InternalServerError", 0.5, ["GetItem"]),),
                   latency=(latency_rule({"min_ms": 1, "max_ms": 2}, ["PutItem"]),), seed=5)


@pytest.mark.parametrize("emulator", [{"faults": FAULTS}], indirect=True)
def test_faults_counted_by_type(emulator: Emulator) -> None:
    client = emulator.client(max_attempts=0)
    table = get_table("idempotency").name(emulator.config.stage)
    key = {"idempotencyKey": {"S": "k"}}
    for _ in range(5):
        client.put_item(TableName=table, Item=key)
    failed = 0
    for _ in range(40):
        try:
            client.get_item(TableName=table, Key=key)
        except ClientError:
            failed += 1
    assert 0 < failed < 40
    families = _scrape(emulator.endpoint_url)
    assert _value(families, "ddbkit_injected_faults_total", operation="GetItem",
                  type="InternalServerError") == failed
    assert _value(families, "ddbkit_injected_faults_total", operation="PutItem",
                  type="latency") == 5
    assert _value(families, "ddbkit_requests_total", operation="GetItem", table=table,
                  outcome="InternalServerError") == failed


def test_scraped_without_a_signature_but_only_by_answered_hosts() -> None:
    config = ServerConfig(port=0, auth=(Credentials("AKIDMETRICS", "secret"),))
    with EmulatorServer(config) as guarded:
        families = _scrape(guarded.endpoint_url)  # no Authorization header
        assert "ddbkit_requests" in families
        with pytest.raises(urllib.error.HTTPError) as refused:
            _scrape(guarded.endpoint_url, host="attacker.example")
        assert refused.value.code == 403
        unsigned = urllib.request.Request(guarded.endpoint_url + "/ddbkit/throughput")
        with pytest.raises(urllib.error.HTTPError) as unsigned_refused:
            urllib.request.urlopen(unsigned)
        assert unsigned_refused.value.code in (400, 403)  # other paths still need a signature


def test_durability_journal_fsyncs_and_snapshot_age(tmp_path: Path) -> None:
    config = EmulatorConfig(server=ServerConfig(port=0), stage=f"met{next(_stages)}",
                            ttl_interval=0, state_dir=tmp_path / "state",
                            durability=DurabilityConfig(tmp_path / "data", fsync="always"))
    with Emulator(config) as emulator:
        table = get_table("idempotency").name(config.stage)
        client = emulator.client()
        for n in range(5):
            client.put_item(TableName=table, Item={"idempotencyKey": {"S": f"d{n}"}})
        before = _scrape(emulator.endpoint_url)
        assert emulator.durability is not None
        emulator.durability.compact()
        after = _scrape(emulator.endpoint_url)
    assert _value(before, "ddbkit_journal_bytes") > 0
    assert _value(before, "ddbkit_fsync_seconds_count") >= 5  # `always`: one per write at least
    assert _value(after, "ddbkit_snapshot_bytes") > 0
    assert 0 <= _value(after, "ddbkit_seconds_since_snapshot") < 600
    assert _value(after, "ddbkit_journal_bytes") < _value(before, "ddbkit_journal_bytes")


def test_in_memory_emulator_has_no_durability_figures(emulator: Emulator) -> None:
    assert "ddbkit_journal_bytes" not in _scrape(emulator.endpoint_url)

"""The load kit's pure parts: latency buckets, the SLO gate, the key pool, the catalogue,
hit rates and error tallies, the report's files, title, find-max's knee, and the
run's writes.

Only Locust-free modules are imported here: Locust monkey-patches the process that imports it.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from ddbkit.emulator.connect.clients import is_aws_endpoint
from ddbkit.emulator.errors import ConfigError
from ddbkit.emulator.spec import TABLES
from ddbkit.fixtures.options import DatasetOptions
from ddbkit.fixtures.seed import generate_items
from ddbkit.fixtures.source import DatasetSource
from ddbkit.loadtests.client import DynamoCallError, found
from ddbkit.loadtests.config import LoadConfig, key_pool
from ddbkit.loadtests.keys import KeyPool
from ddbkit.loadtests.knee import find_knee, knee
from ddbkit.loadtests.patterns import catalogue
from ddbkit.loadtests.recorder import MAX_DISTINCT_ERRORS, OTHER_ERRORS, Recorder, Series
from ddbkit.loadtests.report import write_patterns_csv
from ddbkit.loadtests.restore import write_count, writes_note
from ddbkit.loadtests.slo import Slo, Targets, evaluate, load_slo


def test_catalogue_has_a_pattern_per_gsi_and_table_plus_the_flows() -> None:
    names = set(catalogue())
    assert {f"{t.key}/{g.name}" for t in TABLES for g in t.gsis} <= names
    assert {f"{t.key}/GetItem" for t in TABLES} <= names
    assert {"flow/create-booking", "flow/update-booking-status", "flow/post-review",
            "flow/sign-up"} <= names
    assert len(names) == 13 + 6 + 4


def test_percentiles_are_within_two_percent_and_merge_across_workers() -> None:
    rng = random.Random(1)
    samples = [rng.uniform(0.2, 40) for _ in range(5000)]
    a, b = Series(), Series()
    for i, ms in enumerate(samples):
        (a if i % 2 else b).add(ms, failed=False, read_units=0.5)
    a.merge(Series.from_wire(b.to_wire()))
    ordered = sorted(samples)
    for fraction in (0.5, 0.95, 0.99):
        exact = ordered[int(fraction * len(ordered)) - 1]
        assert abs(a.percentile(fraction) - exact) / exact < 0.015
    assert a.max_ms == max(samples) and a.requests == 5000 and a.read_units == 2500


def test_worker_reports_reach_the_master_recorder() -> None:
    worker, master = Recorder(), Recorder()
    worker.on_request("GetItem", "users/GetItem", 1.5)
    worker.on_request("GetItem", "users/GetItem", 2.5, exception=RuntimeError("x"))
    data: dict[str, object] = {}
    worker._report("w1", data)
    master._receive("w1", data)
    series = master.by_pattern()["users/GetItem"]
    assert (series.requests, series.failures) == (2, 1)
    assert master.worker_requests == {"w1": 2} and worker.series == {}


def test_slo_breaches_are_named_per_pattern() -> None:
    fast, slow = Series(), Series()
    for _ in range(100):
        fast.add(1.0, False, 0)
        slow.add(80.0, False, 0)
    slow.add(90.0, True, 0)
    slo = Slo(Targets(p99_ms=50, max_error_rate=0.0),
              {"users/GetItem": Targets(min_rps=1000)})
    breaches = evaluate(slo, {"users/GetItem": fast, "bookings/status-index": slow}, 10.0)
    p99 = float(breaches[0].split()[2])
    assert abs(p99 - 80) <= 0.8  # the 100th of 101 samples, within 1%
    assert breaches == [
        f"bookings/status-index: p99 {p99:.3f} ms > 50 ms",
        "bookings/status-index: error rate 0.99% > 0.00%",
        "users/GetItem: 10.0 req/s < 1000 req/s",
    ]


def test_slo_files_in_toml_and_yaml(tmp_path: Path) -> None:
    known = set(catalogue())
    toml = tmp_path / "slo.toml"
    toml.write_text('[defaults]\np99_ms = 20\n[patterns."users/GetItem"]\np99_ms = 5\n')
    yaml_file = tmp_path / "slo.yaml"
    yaml_file.write_text("defaults: {p99_ms: 20}\npatterns: {users/GetItem: {p99_ms: 5}}\n")
    for path in (toml, yaml_file):
        assert load_slo(path, known).for_pattern("users/GetItem").p99_ms == 5
        assert load_slo(path, known).for_pattern("users/email-index").p99_ms == 20
    for text, phrase in [('[patterns."nope/x"]\np99_ms = 1\n', "unknown access pattern"),
                         ("[defaults]\np99 = 1\n", "unknown target 'p99'"),
                         ('[defaults]\np99_ms = "fast"\n', "non-negative number")]:
        toml.write_text(text)
        with pytest.raises(ConfigError, match=phrase):
            load_slo(toml, known)


def test_key_pool_ranges_span_real_items() -> None:
    items, _ = generate_items(DatasetOptions(anchor=date(2025, 12, 4)))
    pool = KeyPool(items, skew=1.2)
    rng = random.Random(3)
    value, sorts = pool.partition("bookings", "providerBookings-index", rng)
    under = [b for b in items["bookings"] if b["providerId"] == value]
    assert sorted(b["scheduledDate"]["S"] for b in under) == [s["S"] for s in sorts]
    per_provider = Counter(b["providerId"]["S"] for b in items["bookings"])
    hot = {"S": per_provider.most_common(1)[0][0]}
    picks = [pool.partition("bookings", "providerBookings-index", rng)[0] for _ in range(300)]
    assert picks.count(hot) > 300 / 5  # skew: the busiest provider is picked far more often


def test_hit_rates_travel_from_worker_to_master() -> None:
    worker, master = Recorder(), Recorder()
    worker.on_request("GetItem", "users/GetItem", 1.0, context={"found": True})
    worker.on_request("GetItem", "users/GetItem", 1.0, context={"found": False})
    worker.on_request("PutItem", "flow/sign-up", 1.0, context={"found": None})
    data: dict[str, object] = {}
    worker._report("w1", data)
    master._receive("w1", data)
    assert master.by_pattern()["users/GetItem"].hit_rate == 0.5
    assert master.by_pattern()["flow/sign-up"].hit_rate is None


def test_errors_are_tallied_by_kind_and_travel_from_worker_to_master() -> None:
    worker, master = Recorder(), Recorder()
    failure = DynamoCallError("ConditionalCheckFailedException", "The conditional request failed",
                              400, "UpdateItem")
    for _ in range(3):
        worker.on_error("flow/update-booking-status", failure)
    worker.on_error("flow/post-review", IndexError("list index out of range"))
    data: dict[str, object] = {}
    worker._report("w1", data)
    master._receive("w1", data)
    assert master.errors == {
        ("flow/update-booking-status",
         "UpdateItem ConditionalCheckFailedException: The conditional request failed"): 3,
        ("flow/post-review", "IndexError: list index out of range"): 1}
    assert worker.errors == {}


def test_distinct_errors_are_capped() -> None:
    recorder = Recorder()
    for i in range(MAX_DISTINCT_ERRORS + 50):
        recorder.on_error("flow/sign-up", ValueError(f"id {i}"))
    assert len(recorder.errors) == MAX_DISTINCT_ERRORS + 1
    assert recorder.errors[("flow/sign-up", OTHER_ERRORS)] == 50


def test_found_means_an_item_or_a_match() -> None:
    assert found("GetItem", {"Item": {}}) is True and found("GetItem", {}) is False
    assert found("Query", {"Count": 2}) is True and found("Query", {"Count": 0}) is False
    assert found("PutItem", {}) is None


def test_patterns_csv_leaves_missing_values_empty(tmp_path: Path) -> None:
    rows = [{"name": "users/GetItem", "index": None, "hit_rate": None, "note": "a, \"b\""}]
    path = tmp_path / "p.csv"
    write_patterns_csv(path, rows)
    assert path.read_text().splitlines() == ["name,index,hit_rate,note",
                                             'users/GetItem,,,"a, ""b"""']


def test_the_title_names_what_ran() -> None:
    assert LoadConfig(mix="personas").describe() == "personas mix"
    assert LoadConfig(mix="personas", patterns=("users/GetItem", "users/email-index")
                      ).describe() == "patterns: users/GetItem, users/email-index"


def _step(users: int, rps: float, p99_ms: float = 1.0, breaches: list[str] | None = None,
          failures: int = 0, throttles: int = 0) -> dict[str, Any]:
    return {"users": users, "requests": round(rps * 15), "rps": rps, "p99_ms": p99_ms,
            "failures": failures, "throttles": throttles, "breaches": breaches or []}


def test_the_knee_is_where_throughput_goes_flat_even_within_the_slo() -> None:
    """Recorded on a laptop: 1,484 -> 1,577 -> 1,528 req/s while p99 went 2.5 -> 9.9 ms."""
    steps = [_step(8, 790.0, 1.9), _step(16, 1484.0, 2.5), _step(32, 1577.0, 6.1),
             _step(64, 1528.0, 9.9)]
    result = knee(steps, interrupted=False)
    assert result["knee"] == {"users": 32, "rps": 1577.0, "p99_ms": 6.1, "reasons": [
        "throughput grew only 6% (1,484.0 -> 1,577.0 req/s) for 2x the users",
        "p99 grew 2.4x (2.50 -> 6.10 ms)"]}
    assert result["best"] == {"users": 32, "rps": 1577.0, "p99_ms": 6.1}
    assert result["reached_max_users"] is False
    assert result["verdict"].startswith("knee at 32 users (1,577.0 req/s, p99 6.10 ms): "
                                        "throughput grew only 6%")
    assert result["verdict"].endswith("best within the SLO: 1,577.0 req/s at 32 users")
    # Flat throughput alone, and a p99 that quadruples alone, are each a knee.
    assert find_knee([_step(16, 1484.0, 2.5), _step(32, 1528.0, 2.6)]) is not None
    assert find_knee([_step(16, 1484.0, 2.5), _step(32, 2900.0, 9.9)]) == (
        1, ["p99 grew 4.0x (2.50 -> 9.90 ms)"])


def test_the_knee_counts_throttles_new_failures_and_breaches_not_designed_failures() -> None:
    scaling = [_step(1, 100.0, failures=150), _step(2, 195.0, failures=290)]  # 10% each
    assert find_knee(scaling) is None
    assert find_knee([_step(1, 100.0), _step(2, 195.0, failures=600)]) == (
        1, ["failures rose from 0.0% to 20.5% of requests"])
    assert find_knee([_step(1, 100.0), _step(2, 195.0, throttles=3)]) == (
        1, ["3 requests throttled"])
    assert find_knee([_step(1, 100.0, breaches=["users/GetItem: p99 9 ms > 5 ms"])]) == (
        0, ["the SLO broke (users/GetItem: p99 9 ms > 5 ms)"])
    # A last step that does not double the users expects growth pro rata (log2 of 1.5625).
    assert find_knee([_step(128, 1000.0), _step(200, 1070.0)]) is None
    assert find_knee([_step(128, 1000.0), _step(200, 1050.0)]) is not None


def test_find_max_verdicts_without_a_knee() -> None:
    ran_out = knee([_step(1, 100.0), _step(2, 195.0)], interrupted=False)
    assert ran_out["knee"] is None and ran_out["reached_max_users"] is True
    assert ran_out["best"] == {"users": 2, "rps": 195.0, "p99_ms": 1.0}
    assert ran_out["verdict"] == ("no knee found up to 2 users (best within the SLO: 195.0 "
                                  "req/s at 2 users); throughput still grew: raise --max-users")
    failed = knee([_step(1, 100.0, breaches=["p99"])], False)
    assert failed["best"] is None and failed["knee"]["users"] == 1
    assert failed["verdict"].endswith("no step met the SLO")
    # A step cut short by Ctrl-C is partial: its low req/s is not a knee.
    stopped = knee([_step(1, 100.0), _step(2, 20.0)], interrupted=True)
    assert stopped["knee"] is None and stopped["reached_max_users"] is False
    assert stopped["interrupted"] is True and stopped["verdict"].endswith("interrupted by Ctrl-C")


def test_writes_are_counted_and_noted_only_for_a_local_endpoint() -> None:
    recorder = Recorder()
    for operation, failed in [("PutItem", False), ("PutItem", True), ("UpdateItem", False),
                              ("TransactWriteItems", False), ("GetItem", False),
                              ("Query", False)]:
        recorder.on_request(operation, "flow/x", 1.0,
                            exception=RuntimeError("no") if failed else None)
    assert write_count(recorder.series.items()) == 3  # the failed put wrote nothing
    note = writes_note(3, "http://127.0.0.1:8000")
    assert note is not None and note.startswith("the load made 3 write requests to "
                                                "http://127.0.0.1:8000; their items stay")
    assert "--restore-after" in note
    assert writes_note(0, "http://127.0.0.1:8000") is None
    assert writes_note(3, "https://dynamodb.eu-west-1.amazonaws.com") is None
    assert is_aws_endpoint("https://dynamodb.us-east-1.amazonaws.com")
    assert is_aws_endpoint("https://dynamodb-fips.us-gov-west-1.amazonaws.com:443/")
    assert is_aws_endpoint("https://dynamodb.cn-north-1.amazonaws.com.cn")
    assert not is_aws_endpoint("http://localhost:8000") and not is_aws_endpoint("http://amazonaws.example:8000")


def test_key_pool_follows_the_seeded_skew() -> None:
    """--skew decides who booked whom; the load must draw keys from the same dataset."""
    options = DatasetOptions(anchor=date(2025, 12, 4), skew=1.1)
    items, _ = generate_items(options)
    pool = key_pool(LoadConfig(dataset=DatasetSource(options)))
    assert pool.items["bookings"] == items["bookings"]


def test_samples_spread_over_the_dataset() -> None:
    pool = KeyPool({"users": [{"userId": {"S": str(i)}} for i in range(10)]})
    assert [i["userId"]["S"] for i in pool.samples("users", 5)] == ["0", "2", "4", "6", "9"]
    assert pool.samples("users", 50) == pool.items["users"]
    assert pool.samples("reviews", 5) == []


@pytest.mark.parametrize("skew", [0.0, 1.2])
def test_key_pool_draws_follow_zipf_ranks(skew: float) -> None:
    """The pool sums its Zipf weights once; a draw is still random.choices over the ranks."""
    from ddbkit.fixtures.generate import zipf_weights

    pool = KeyPool({"users": [{"userId": {"S": str(i)}} for i in range(50)]}, skew=skew)
    drawn, expected = random.Random(5), random.Random(5)
    weights = zipf_weights(50, skew)
    for _ in range(200):
        rank = expected.choices(range(50), weights)[0]
        assert pool.primary_key("users", drawn) == {"userId": {"S": str(rank)}}


def test_key_pool_filters_a_table_once_per_predicate() -> None:
    """item() runs per request: a predicate sees each item once, not once a draw."""
    users = [{"userId": {"S": str(i)}, "even": {"BOOL": i % 2 == 0}} for i in range(20)]
    pool = KeyPool({"users": users})
    seen: list[str] = []

    def even(user: dict[str, Any]) -> bool:
        seen.append(user["userId"]["S"])
        return bool(user["even"]["BOOL"])

    drawn, expected = random.Random(9), random.Random(9)
    for _ in range(50):
        assert pool.item("users", drawn, even) == expected.choice(users[::2])
        assert pool.item("users", drawn) == expected.choice(users)
    assert len(seen) == len(users)

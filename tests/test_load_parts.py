"""The load kit's pure parts: latency buckets, the SLO gate, the key pool, the catalogue,
hit rates and error tallies, the report's files, title and find-max verdict.

Only Locust-free modules are imported here: Locust monkey-patches the process that imports it.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from ddbkit.emulator.errors import ConfigError
from ddbkit.emulator.spec import TABLES
from ddbkit.fixtures.options import DatasetOptions
from ddbkit.fixtures.seed import generate_items
from ddbkit.fixtures.source import DatasetSource
from ddbkit.loadtests.client import DynamoCallError, found
from ddbkit.loadtests.config import LoadConfig, key_pool
from ddbkit.loadtests.keys import KeyPool
from ddbkit.loadtests.patterns import catalogue
from ddbkit.loadtests.recorder import MAX_DISTINCT_ERRORS, OTHER_ERRORS, Recorder, Series
from ddbkit.loadtests.report import knee, write_patterns_csv
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


def _step(users: int, rps: float, breaches: list[str]) -> dict[str, object]:
    return {"users": users, "rps": rps, "p99_ms": 1.0, "failures": 0, "breaches": breaches}


def test_find_max_calls_a_knee_a_knee_only_when_a_step_breached() -> None:
    ran_out = knee([_step(1, 100, []), _step(2, 150, [])], interrupted=False)
    assert ran_out["reached_max_users"] is True and ran_out["knee"]["users"] == 2
    assert ran_out["verdict"] == ("no knee found up to 2 users: best 150.0 req/s at 2 users; "
                                  "raise --max-users")
    found_knee = knee([_step(1, 100, []), _step(2, 150, []), _step(4, 90, ["p99"])], False)
    assert found_knee["reached_max_users"] is False
    assert found_knee["verdict"] == "knee: 150.0 req/s at 2 users (4 users breached the SLO)"
    assert knee([_step(1, 100, ["p99"])], False)["verdict"] == "knee: no step met the SLO"
    stopped = knee([_step(1, 100, [])], interrupted=True)
    assert stopped["reached_max_users"] is False and stopped["interrupted"] is True
    assert stopped["verdict"].endswith("interrupted by Ctrl-C")


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

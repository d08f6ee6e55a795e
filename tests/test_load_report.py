"""The load report's capacity, cost, heat and throttle figures, and its HTML page.

Pure parts only (no Locust, which monkey-patches the process that imports it): the
responses' ConsumedCapacity as AWS documents it, costs from a given price table computed by
hand, the bounded per-key summaries, the flags, and the page's content.
"""

from __future__ import annotations

import random
import re
from pathlib import Path
from typing import Any

import pytest

from ddbkit.emulator.errors import ConfigError
from ddbkit.loadtests.capacity import Units, consumed_units, table_key, throttle_reasons
from ddbkit.loadtests.capacity_report import build_capacity
from ddbkit.loadtests.heat import CAPACITY, Distinct, TargetHeat, TopKeys
from ddbkit.loadtests.html_report import render
from ddbkit.loadtests.patterns import catalogue
from ddbkit.loadtests.prices import SECONDS_PER_MONTH, PriceTable, load_prices
from ddbkit.loadtests.recorder import OTHER_ERRORS, Recorder
from ddbkit.loadtests.report import build
from ddbkit.loadtests.slo import Slo, Targets, evaluate
from ddbkit.loadtests.timeline import MAX_SLOTS, Timeline

PRICES = PriceTable("2024-11-01", "us-east-1", "USD", write_per_million=1.25,
                    read_per_million=0.25)


def test_consumed_capacity_is_split_per_table_and_gsi_as_aws_answers_it() -> None:
    # An UpdateItem on bookings with INDEXES (the API reference's ConsumedCapacity shape).
    answer = {"TableName": "marketplace-prod-bookings-table", "CapacityUnits": 6.0,
              "WriteCapacityUnits": 6.0, "Table": {"CapacityUnits": 1.0, "WriteCapacityUnits": 1.0},
              "GlobalSecondaryIndexes": {
                  "status-index": {"CapacityUnits": 2.0, "WriteCapacityUnits": 2.0},
                  "customerId-index": {"CapacityUnits": 1.0, "WriteCapacityUnits": 1.0}}}
    assert consumed_units("UpdateItem", answer) == [
        Units("bookings", 0, 1.0), Units("bookings/status-index", 0, 2.0),
        Units("bookings/customerId-index", 0, 1.0)]
    # TOTAL only, no Read/Write split: the operation says which; batch answers are lists.
    assert consumed_units("GetItem", {"TableName": "marketplace-dev-users-table",
                                      "CapacityUnits": 0.5}) == [Units("users", 0.5, 0)]
    batch = [{"TableName": "marketplace-dev-users-table", "CapacityUnits": 2.0},
             {"TableName": "other-table", "CapacityUnits": 1.0}]
    assert consumed_units("BatchWriteItem", batch) == [Units("users", 0, 2.0),
                                                        Units("other-table", 0, 1.0)]
    assert consumed_units("GetItem", None) == []
    assert table_key("marketplace-my-stage-with-dashes-reviews-table") == "reviews"


def test_throttling_reasons_name_the_reason_and_the_table_or_index() -> None:
    answer = {"__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
              "ThrottlingReasons": [{
                  "reason": "IndexWriteKeyRangeThroughputExceeded",
                  "resource": "arn:aws:dynamodb:us-east-1:943814145891:table/"
                              "marketplace-dev-bookings-table/index/status-index"}]}
    assert throttle_reasons(answer) == [
        "IndexWriteKeyRangeThroughputExceeded on bookings/status-index"]
    assert throttle_reasons({"__type": "ThrottlingException"}) == ["unspecified"]
    on_demand = {"__type": "com.amazonaws.dynamodb.v20120810#ThrottlingException",
                 "throttlingReasons": [{"reason": "TableReadKeyRangeThroughputExceeded",
                                        "resource": "arn:aws:dynamodb:us-east-1:1:table/"
                                                    "marketplace-dev-users-table"}]}
    assert throttle_reasons(on_demand) == ["TableReadKeyRangeThroughputExceeded on users"]


def _request(recorder: Recorder, pattern: str, operation: str, units: list[Units],
             keys: dict[str, str], throttle: list[str] | None = None) -> None:
    recorder.on_request(operation, pattern, 2.0,
                        exception=RuntimeError("throttled") if throttle else None,
                        context={"units": units, "keys": keys, "throttle": throttle})


def _booking_run() -> Recorder:
    """100 bookings status updates (6 WCU each, 2 on status-index) and 300 GetItems."""
    recorder = Recorder()
    for i in range(100):
        status = "PENDING" if i < 80 else f"S{i % 4}"
        _request(recorder, "flow/update-booking-status", "UpdateItem",
                 [Units("bookings", 0, 1), Units("bookings/status-index", 0, 2),
                  Units("bookings/customerId-index", 0, 3)],
                 {"bookings": f"b{i}", "bookings/status-index": status,
                  "bookings/customerId-index": f"c{i % 50}"})
    for i in range(300):
        _request(recorder, "users/GetItem", "GetItem", [Units("users", 0.5, 0)],
                 {"users": f"u{i % 30}"})
    return recorder


def test_cost_per_pattern_and_per_month_computed_by_hand_from_the_price_table() -> None:
    capacity = build_capacity(_booking_run(), seconds=10.0, prices=PRICES, project_rps=None)
    rows = {p["name"]: p for p in capacity["patterns"]}
    update, get = rows["flow/update-booking-status"], rows["users/GetItem"]
    # 600 write units over 100 requests: 6 WCU each at 1.25 per million -> 7.5 per million.
    assert (update["write_units"], update["write_units_per_request"]) == (600, 6)
    assert update["cost_per_million_requests"] == pytest.approx(6 * 1.25)
    # 60 WCU/s for a 730-hour month: 60 * 2,628,000 s * 1.25 / 1e6.
    assert update["cost_per_month"] == pytest.approx(60 * SECONDS_PER_MONTH * 1.25 / 1e6, 0.01)
    assert get["cost_per_million_requests"] == pytest.approx(0.5 * 0.25)
    assert get["cost_per_month"] == pytest.approx(15 * SECONDS_PER_MONTH * 0.25 / 1e6, 0.01)
    totals = capacity["totals"]
    assert (totals["read_units"], totals["write_units"]) == (150, 600)
    targets = {t["target"]: t for t in capacity["targets"]}
    assert targets["bookings/status-index"]["write_units"] == 200
    assert targets["bookings/status-index"]["kind"] == "index"
    assert update["on"]["bookings/customerId-index"] == {"read_units": 0, "write_units": 300}
    # Projected to 4,000 req/s (ten times the measured 40 req/s): the same mix, x10.
    projected = build_capacity(_booking_run(), 10.0, PRICES, project_rps=400.0)
    assert projected["scale"] == 10
    assert projected["totals"]["projected_cost_per_month"] == pytest.approx(
        10 * projected["totals"]["cost_per_month"], 0.01)


def test_a_low_cardinality_gsi_is_flagged_with_the_numbers_and_its_hot_value_throttles() -> None:
    capacity = build_capacity(_booking_run(), 10.0, PRICES, project_rps=40_000.0)
    heat = {h["target"]: h for h in capacity["heat"]}
    status = heat["bookings/status-index"]
    assert status["values_seen"] == 5 and status["values_exact"]
    top = status["write"]["hottest"][0]
    assert (top["value"], top["share"]) == ("PENDING", 0.8)
    # 160 units in 10 s = 16 WCU/s measured; x1,000 = 16,000 WCU/s vs the 1,000 limit.
    assert top["projected_units_per_s"] == pytest.approx(16_000)
    assert top["throttled_share"] == pytest.approx(1 - 1000 / 16_000)
    assert top["throttled_rps"] == {"flow/update-booking-status": pytest.approx(
        8 * 1000 * (1 - 1000 / 16_000), 0.01)}
    assert status["write"]["throttles_above_rps"] == pytest.approx(40 * 1000 / 16, 0.01)
    assert any(f.startswith("low-cardinality GSI: 5 values seen in 100 requests; 'PENDING' "
                            "takes 80%")
               for f in status["flags"])
    assert any(f.startswith("hot partition: 'PENDING' at 16,000 WCU/s > 1,000")
               for f in status["flags"])
    # 50 customers, evenly used: neither low-cardinality nor, at 6 WCU/s x 1,000, hot.
    assert heat["bookings/customerId-index"]["flags"] == []
    assert heat["bookings"]["flags"] == []  # a table is never "low-cardinality"


def _status_updates(values: list[str], requests: int) -> Recorder:
    recorder = Recorder()
    for i in range(requests):
        _request(recorder, "flow/update-booking-status", "UpdateItem",
                 [Units("bookings/status-index", 0, 2)],
                 {"bookings/status-index": values[i % len(values)]})
    return recorder


def _flags(recorder: Recorder) -> list[str]:
    capacity = build_capacity(recorder, 10.0, PRICES, project_rps=40_000.0)
    return [f for h in capacity["heat"] for f in h["flags"] if "low-cardinality" in f]


def test_low_cardinality_needs_a_sample_and_a_ceiling_below_the_tables() -> None:
    # A short run: 6 requests on a UUID-keyed GSI see 6 values, each once. Not a finding.
    assert _flags(_status_updates([f"uuid-{i}" for i in range(6)], 6)) == []
    # Four values, evenly used: each holds 25%, which caps the index at 4,000 WCU/s, the
    # table's own warm throughput: nothing to flag.
    assert _flags(_status_updates(["A", "B", "C", "D"], 400)) == []
    # Three values: 33% each caps it at 3,000, below the table's 4,000.
    three = _flags(_status_updates(["A", "B", "C"], 300))
    assert len(three) == 1 and three[0].startswith("low-cardinality GSI: 3 values seen in "
                                                   "300 requests; ")
    assert "throttles at 3,000 WCU/s, not the table's 4,000" in three[0]
    one = _status_updates(["ONLY"], 100)
    assert _flags(one)[0].startswith("low-cardinality GSI: 1 value seen in 100 requests; "
                                     "'ONLY' takes 100%")
    assert "bookings/status-index write (1 value) ⚑" in _page(one)


def test_html_tooltips_read_as_sentences_with_rounded_figures() -> None:
    recorder = Recorder()
    for _ in range(9999):  # 0.9999 read units/s over 10 s: shown as 1
        _request(recorder, "users/GetItem", "GetItem", [Units("users", 0.001, 0)],
                 {"users": "u1"})
    page = _page(recorder)
    titles = re.findall(r"<title>([^<]*)</title>", page)
    assert "users/GetItem: read 1 units/s" in titles
    assert not [t for t in titles if "0.9999" in t or "units/s read" in t], titles
    heat_tip = next(t for t in titles if t.startswith("u1: "))
    assert heat_tip.startswith("u1: 1 read units/s measured, ") and "0.9999" not in heat_tip


def test_top_keys_are_exact_below_capacity_and_keep_heavy_hitters_beyond_it() -> None:
    exact = TopKeys()
    for i in range(CAPACITY):
        exact.add(f"k{i}", 1.0 + (i == 7), "p")
    assert not exact.evicted and exact.hottest(1)[0][0] == "k7"
    rng = random.Random(3)
    keys, truth = TopKeys(), {"hot": 0.0}
    for i in range(20_000):
        value = "hot" if i % 10 == 0 else f"cold{rng.randrange(5000)}"
        keys.add(value, 1.0, "p")
        truth[value] = truth.get(value, 0.0) + 1.0
    assert keys.evicted and len(keys.entries) == CAPACITY  # bounded
    value, entry = keys.hottest(1)[0]
    assert value == "hot"
    # Space-Saving never under-counts, and over-counts by at most its recorded error.
    assert entry.units - entry.error <= truth["hot"] <= entry.units
    assert keys.total == 20_000


def test_summaries_merge_across_workers_as_one_would_have_counted() -> None:
    one, a, b = TargetHeat(), TargetHeat(), TargetHeat()
    for i in range(600):
        value, units = f"v{i % 40}", 0.5 * (1 + i % 3)
        one.add(value, units, 0, "p")
        (a if i % 2 else b).add(value, units, 0, "p")
    a.merge(TargetHeat.from_wire(b.to_wire()))
    assert {v: e.units for v, e in a.read.entries.items()} == pytest.approx(
        {v: e.units for v, e in one.read.entries.items()})
    assert a.values.estimate() == one.values.estimate() == 40


def test_distinct_values_are_exact_then_estimated_within_fifteen_percent() -> None:
    small, large = Distinct(), Distinct()
    for i in range(200):
        small.add(f"x{i % 100}")
    for i in range(20_000):
        large.add(f"y{i}")
    assert small.exact and small.estimate() == 100
    assert not large.exact and len(large.hashes) == CAPACITY
    assert abs(large.estimate() - 20_000) / 20_000 < 0.15


def test_timeline_stays_bounded_over_a_long_run_and_keeps_every_request() -> None:
    timeline = Timeline(1.0)
    for second in range(10 * MAX_SLOTS):
        timeline.series("p", now=1_000_000.0 + second).add(1.0, False)
    assert len(timeline.slots) <= MAX_SLOTS and timeline.width >= 8
    assert sum(s["p"].requests for s in timeline.slots.values()) == 10 * MAX_SLOTS


def test_throttles_are_counted_per_pattern_with_reasons_apart_from_other_errors() -> None:
    recorder = _booking_run()
    reason = "TableWriteKeyRangeThroughputExceeded on bookings"
    for _ in range(3):
        _request(recorder, "flow/update-booking-status", "UpdateItem", [], {}, [reason])
    recorder.on_request("GetItem", "users/GetItem", 1.0, exception=RuntimeError("boom"))
    series = recorder.by_pattern()
    assert series["flow/update-booking-status"].throttles == 3
    assert series["flow/update-booking-status"].failures == 3
    assert (series["users/GetItem"].throttles, series["users/GetItem"].failures) == (0, 1)
    assert recorder.throttle_reasons == {("flow/update-booking-status", reason): 3}
    # Shipped from a worker, they arrive whole.
    master, data = Recorder(), {}  # type: ignore[var-annotated]
    recorder._report("w1", data)
    master._receive("w1", data)
    assert master.throttle_reasons == {("flow/update-booking-status", reason): 3}
    assert master.by_pattern()["flow/update-booking-status"].throttles == 3
    assert sum(p["patterns"]["flow/update-booking-status"]["throttles"]
               for p in build_capacity(master, 10, PRICES, None)["timeline"]
               if "flow/update-booking-status" in p["patterns"]) == 3


def test_distinct_throttle_reasons_are_bounded() -> None:
    recorder = Recorder()
    for i in range(500):
        recorder.count_throttle("p", f"reason {i}", 1)
    assert len(recorder.throttle_reasons) <= 101
    assert recorder.throttle_reasons[("p", OTHER_ERRORS)] == 400


def test_slo_gates_on_throttle_rate_and_cost_per_million() -> None:
    recorder = _booking_run()
    _request(recorder, "flow/update-booking-status", "UpdateItem", [], {}, ["x"])
    capacity = build_capacity(recorder, 10.0, PRICES, None)
    slo = Slo(Targets(max_throttle_rate=0.0),
              {"users/GetItem": Targets(max_cost_per_million=0.1)})
    assert evaluate(slo, recorder.by_pattern(), 10.0, capacity) == [
        "flow/update-booking-status: throttle rate 0.99% > 0.00%",
        "users/GetItem: USD 0.1250 per million requests > 0.1"]


def test_price_table_file_is_checked(tmp_path: Path) -> None:
    shipped = load_prices()
    assert (shipped.region, shipped.currency, shipped.table_class) == (
        "us-east-1", "USD", "STANDARD")
    assert shipped.write_per_million > shipped.read_per_million > 0 and shipped.date
    good = tmp_path / "eu.toml"
    good.write_text('date = "2025-06-01"\nregion = "eu-west-1"\ncurrency = "EUR"\n'
                    "write_request_units_per_million = 0.7\n"
                    "read_request_units_per_million = 0.14\n")
    assert load_prices(good).cost(1e6, 1e6) == pytest.approx(0.84)
    for text, phrase in [("date = ", "malformed price table"),
                         ('date = "x"\nregion = "r"\ncurrency = "c"\n', "lacks write_request"),
                         (good.read_text().replace("0.14", '"cheap"'), "must be a non-negative")]:
        bad = tmp_path / "bad.toml"
        bad.write_text(text)
        with pytest.raises(ConfigError, match=phrase):
            load_prices(bad)
    with pytest.raises(ConfigError, match="cannot read price table"):
        load_prices(tmp_path / "missing.toml")


def _page(recorder: Recorder) -> str:
    result = build(recorder, 10.0, catalogue(), [], 4, prices=PRICES, project_rps=40_000.0)
    return render(result, "patterns mix <test>")


def test_html_page_is_self_contained_with_the_charts_and_their_data() -> None:
    recorder = _booking_run()
    _request(recorder, "flow/update-booking-status", "UpdateItem", [], {}, ["why"])
    page = _page(recorder)
    assert page.startswith("<!DOCTYPE html>") and "patterns mix &lt;test&gt;" in page
    # Nothing fetched: no external src/href, no script or stylesheet link, no CDN.
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.I)
    assert "<script" not in page and "<link" not in page and "@import" not in page
    assert page.count("<svg") >= 4
    # Request units per pattern: one bar per pattern, carrying its units/s.
    assert 'class="bar" data-label="flow/update-booking-status" data-value="60"' in page
    assert 'class="bar" data-label="users/GetItem" data-value="15"' in page
    # The heat map: a cell per hot key value, the flagged index marked, its numbers shown.
    assert page.count('class="cell"') >= 3 and "PENDING 80%" in page
    assert "bookings/status-index write (5 values) ⚑" in page
    assert "low-cardinality GSI: 5 values seen in 100 requests; &#x27;PENDING&#x27; takes 80%" \
        in page
    # Latency over time: a p50/p95/p99 line per pattern; throttles over time: a column.
    assert page.count('class="series" data-label="users/GetItem p') == 3
    assert re.search(r'class="column"[^>]*><title>\d+ s: flow/update-booking-status 1 ', page)


def test_html_page_without_throttles_says_so() -> None:
    page = _page(_booking_run())
    assert "no request was throttled in this run" in page
    assert 'class="column"' not in page


def _tables(result: dict[str, Any]) -> list[str]:
    from ddbkit.loadtests import capacity_view

    return [capacity_view.cost_table(result["capacity"]).title or "",
            capacity_view.heat_table(result["capacity"]).title or ""]


def test_terminal_tables_name_prices_and_limits() -> None:
    result = build(_booking_run(), 10.0, catalogue(), [], 4, prices=PRICES)
    cost, heat = _tables(result)
    assert "us-east-1, prices of 2024-11-01" in cost and "x1" in cost
    assert "3,000 RCU/s, 1,000 WCU/s" in heat


def test_patterns_drawing_on_an_empty_table_are_named() -> None:
    from datetime import date

    from ddbkit.fixtures.options import DatasetOptions
    from ddbkit.fixtures.seed import generate_items
    from ddbkit.loadtests.keys import KeyPool
    from ddbkit.loadtests.patterns import without_data

    items, _ = generate_items(DatasetOptions(anchor=date(2025, 12, 4)))
    assert without_data(KeyPool(items)) == {}
    empty = without_data(KeyPool({**items, "reviews": []}))
    assert empty == {"reviews/GetItem": "reviews", "reviews/providerReviews-index": "reviews",
                     "reviews/bookingReviews-index": "reviews"}
    assert without_data(KeyPool({**items, "reviews": []}), ["users/GetItem"]) == {}
    with pytest.raises(LookupError, match="no bookings item"):
        KeyPool({**items, "bookings": []}).item("bookings", random.Random(1))

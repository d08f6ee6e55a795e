"""The generated marketplace: consistent at scale, deterministic, shaped by its options."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from ddbkit.emulator.errors import ConfigError
from ddbkit.emulator.spec import TABLES
from ddbkit.fixtures.files import write_dataset
from ddbkit.fixtures.generate import Generator, parse_iso
from ddbkit.fixtures.items import to_wire
from ddbkit.fixtures.options import DatasetOptions
from ddbkit.fixtures.seed import generate_items

ANCHOR = date(2025, 12, 4)


class Dataset(SimpleNamespace):
    """Every table's records, as attributes named after the tables."""


def generate(options: DatasetOptions) -> Dataset:
    gen = Generator(options)
    ratings = gen.ratings()
    return Dataset(**{t.key: gen.records(t.key, 0, gen.size(t.key), ratings) for t in TABLES})


def dataset_items(data: Dataset) -> dict[str, list[dict[str, Any]]]:
    return {t.key: [to_wire(r) for r in getattr(data, t.key)] for t in TABLES}


@pytest.fixture(scope="module")
def big() -> Dataset:
    return generate(DatasetOptions(seed=7, scale=10, anchor=ANCHOR))


def test_default_counts_are_the_specs(tmp_path: Path) -> None:
    items, _ = generate_items(DatasetOptions(anchor=ANCHOR))
    counts = {key: len(v) for key, v in items.items()}
    assert counts["bookings"] == 73 and counts["services"] == 25
    assert counts["providers"] == 5 and counts["reviews"] == 20
    assert counts["users"] == 5 + 24  # the providers plus the customers the bookings imply


def test_scale_and_count_override() -> None:
    counts = DatasetOptions(scale=10, counts=(("bookings", 1000),)).resolved_counts()
    assert counts["bookings"] == 1000 and counts["services"] == 250 and counts["providers"] == 50


def test_foreign_keys_resolve(big: Dataset) -> None:
    users = {u.userId: u for u in big.users}
    providers = {p.providerId: p for p in big.providers}
    services = {s.serviceId: s for s in big.services}
    bookings = {b.bookingId: b for b in big.bookings}
    assert all(users[p].userType == "PROVIDER" for p in providers)
    assert sum(u.userType == "PROVIDER" for u in big.users) == len(providers)
    for service in big.services:
        assert service.category == providers[service.providerId].serviceType
    for booking in big.bookings:
        assert users[booking.customerId].userType == "CUSTOMER"
        service = services[booking.serviceId]
        assert service.providerId == booking.providerId
    for review in big.reviews:
        booking = bookings[review.bookingId]
        assert (review.providerId, review.customerId) == (booking.providerId, booking.customerId)


def test_reviews_only_for_completed_bookings_one_each(big: Dataset) -> None:
    bookings = {b.bookingId: b for b in big.bookings}
    assert all(bookings[r.bookingId].status == "COMPLETED" for r in big.reviews)
    assert len({r.bookingId for r in big.reviews}) == len(big.reviews) == 200


def test_provider_rating_is_the_mean_of_its_reviews(big: Dataset) -> None:
    ratings: dict[str, list[int]] = {}
    for review in big.reviews:
        ratings.setdefault(review.providerId, []).append(review.rating)
    for provider in big.providers:
        scores = ratings.get(provider.providerId)
        mean = Decimal(sum(scores)) / len(scores) if scores else Decimal(0)
        assert abs(provider.rating - mean) <= Decimal("0.005")  # the mean, to 2 places
        assert provider.rating == provider.rating.quantize(Decimal("0.01")) or not scores
        assert provider.reviewCount == len(scores or [])


def test_dates_are_ordered_and_statuses_follow_time(big: Dataset) -> None:
    now = DatasetOptions(anchor=ANCHOR).now
    today = now.replace(hour=0)
    bookings = {b.bookingId: b for b in big.bookings}
    users = {u.userId: u for u in big.users}
    for booking in big.bookings:
        created, scheduled = parse_iso(booking.createdAt), parse_iso(booking.scheduledDate)
        assert created < scheduled and created <= now
        assert users[booking.customerId].createdAt < booking.createdAt
        if scheduled < today:
            assert booking.status in ("COMPLETED", "CANCELLED")
        elif scheduled < today + timedelta(days=1):
            assert booking.status in ("IN_PROGRESS", "CONFIRMED")
        else:
            assert booking.status in ("PENDING", "CONFIRMED")
    for review in big.reviews:
        created = parse_iso(review.createdAt)
        assert parse_iso(bookings[review.bookingId].scheduledDate) < created <= now
    statuses = Counter(b.status for b in big.bookings)
    assert statuses["COMPLETED"] > statuses["CANCELLED"] > 0


def test_idempotency_records_cache_a_booking_some_live_some_expired(big: Dataset) -> None:
    import json

    now = DatasetOptions(anchor=ANCHOR).now.timestamp()
    bookings = {b.bookingId: b for b in big.bookings}
    cached = [json.loads(r.result)["bookingId"] for r in big.idempotency]
    assert len(set(cached)) == len(cached) and set(cached) <= set(bookings)
    for record, booking_id in zip(big.idempotency, cached, strict=True):
        assert record.createdAt == bookings[booking_id].createdAt
        assert record.ttl == parse_iso(record.createdAt).timestamp() + 24 * 3600
    # Seeded on the anchor day, at any hour of it, most are live and some have expired.
    half_day = 12 * 3600
    live = sum(r.ttl > now + half_day for r in big.idempotency)
    expired = sum(r.ttl < now - half_day for r in big.idempotency)
    assert live + expired == len(big.idempotency)
    assert 0 < expired < len(big.idempotency) / 4 < live


def test_default_idempotency_records_are_live_for_today() -> None:
    from datetime import UTC, datetime

    gen = Generator(DatasetOptions())
    records = gen.records("idempotency", 0, gen.size("idempotency"))
    tomorrow = datetime.combine(gen.options.anchor + timedelta(days=1), datetime.min.time(),
                                tzinfo=UTC).timestamp()
    assert sum(r.ttl > tomorrow for r in records) >= 0.75 * len(records)


def test_every_item_carries_every_gsi_key_with_the_spec_type(big: Dataset) -> None:
    items = dataset_items(big)
    for table in TABLES:
        for item in items[table.key]:
            for attribute in table.key_attributes:
                assert list(item[attribute]) == [table.attributes[attribute]]


def test_emails_are_unique(big: Dataset) -> None:
    assert len({u.email for u in big.users}) == len(big.users)


def _files(tmp_path: Path, name: str, options: DatasetOptions) -> dict[str, bytes]:
    items, manifest = generate_items(options)
    return {p.name: p.read_bytes() for p in write_dataset(tmp_path / name, items, manifest)}


def test_same_seed_gives_byte_identical_files(tmp_path: Path) -> None:
    options = DatasetOptions(seed=3, scale=2, anchor=ANCHOR)
    assert _files(tmp_path, "a", options) == _files(tmp_path, "b", options)


def test_different_seed_gives_different_data(tmp_path: Path) -> None:
    a = _files(tmp_path, "a", DatasetOptions(seed=1, anchor=ANCHOR))
    b = _files(tmp_path, "b", DatasetOptions(seed=2, anchor=ANCHOR))
    assert all(a[name] != b[name] for name in a if name.endswith(".json.gz"))


def test_skew_concentrates_bookings_on_few_providers() -> None:
    def top_share(skew: float) -> float:
        data = generate(DatasetOptions(scale=20, skew=skew, anchor=ANCHOR))
        per_provider = Counter(b.providerId for b in data.bookings).most_common()
        return sum(n for _, n in per_provider[:10]) / len(data.bookings)

    assert top_share(1.2) > 2 * top_share(0)


@pytest.mark.parametrize(("options", "phrase"), [
    ({"scale": 0}, "scale"),
    ({"skew": -1}, "skew"),
    ({"counts": (("orders", 5),)}, "unknown table 'orders'"),
    ({"counts": (("users", 3),)}, "leaves no customers"),
])
def test_bad_options_are_named(options: dict[str, object], phrase: str) -> None:
    with pytest.raises(ConfigError, match=phrase):
        DatasetOptions(anchor=ANCHOR, **options).resolved_counts()  # type: ignore[arg-type]


def test_too_many_reviews_for_the_bookings_is_refused() -> None:
    with pytest.raises(ConfigError, match="COMPLETED"):
        generate(DatasetOptions(anchor=ANCHOR, counts=(("reviews", 500),)))

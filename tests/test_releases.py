"""Dropping big structures a slice at a time (`store.buckets`): what a release empties is
really freed, and what it leaves is empty and consistent."""

from __future__ import annotations

import weakref
from typing import Any

from ddbkit.emulator.store.buckets import Bucket, bucket_of, release_partitions
from ddbkit.emulator.store.index_images import release_image


class Entry:
    """An index entry's item: only the structure under test holds it."""


def _filled(count: int) -> tuple[Bucket, list[weakref.ref[Entry]]]:
    entries = [Entry() for _ in range(count)]
    keys = [b"%08d" % n for n in range(count)]
    bucket = Bucket.of_sorted(keys, entries, key=lambda entry: b"")
    return bucket, [weakref.ref(entry) for entry in entries]


def test_a_released_bucket_frees_its_entries_and_is_left_empty() -> None:
    bucket, refs = _filled(12_345)  # a dozen sublists of the bucket's load
    assert len(bucket) == 12_345
    bucket.release()
    assert len(bucket) == 0 and list(bucket) == [] and bucket.sorted_keys() == []
    assert all(ref() is None for ref in refs)


def test_released_partitions_free_buckets_and_image_rows() -> None:
    bucket, refs = _filled(3_000)
    rows = [Entry() for _ in range(7_000)]  # an image's partition: [rows, prefixes]
    row_refs = [weakref.ref(row) for row in rows]
    partitions: dict[bytes, Any] = {b"index": bucket, b"image": [rows, [b"p"] * 7_000]}
    del bucket, rows
    release_partitions(partitions)
    assert partitions == {}
    assert all(ref() is None for ref in refs + row_refs)


def test_a_bucket_of_many_pairs_is_in_key_order_and_the_pairs_are_emptied() -> None:
    # more than one sort run: the runs are merged, never sorted in one call
    keys = [b"%06d" % ((n * 7_919) % 12_000) for n in range(12_000)]
    entries = [Entry() for _ in keys]
    by_key = dict(zip(keys, entries, strict=True))
    pairs = list(zip(keys, entries, strict=True))
    bucket = bucket_of(pairs, key=lambda entry: b"")
    assert pairs == []
    assert bucket.sorted_keys() == sorted(keys)
    assert list(bucket) == [by_key[key] for key in sorted(keys)]


def test_a_released_image_frees_its_rows_and_prefixes() -> None:
    rows = [Entry() for _ in range(6_000)]
    refs = [weakref.ref(row) for row in rows]
    image: dict[str, Any] = {"signature": "s", "indexes": {"by_status": {
        b"open": [rows[:4_000], [b"p"] * 4_000], b"done": [rows[4_000:], [b"q"] * 2_000]}}}
    del rows
    release_image(image)
    assert image["indexes"] == {"by_status": {}}
    assert all(ref() is None for ref in refs)


def test_an_image_of_another_shape_is_left_as_it_is() -> None:
    odd: dict[str, Any] = {"indexes": {"by_status": {b"open": 7}}, "signature": "s"}
    release_image(odd)
    release_image({"indexes": None})
    assert odd["indexes"] == {"by_status": {b"open": 7}}

"""collector_paused across overlapping builds: the cyclic collector comes back only when the
last build ends, and as it was before the first began (issue 23: a restore's worker and a
request's index build can overlap)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from ddbkit.emulator.store.buckets import collector_paused


@pytest.fixture
def collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_overlapping_builds_keep_the_collector_paused_until_the_last_ends(
        collector_on: None) -> None:
    first, second = collector_paused(), collector_paused()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert not gc.isenabled()  # the second build is still making objects
    second.__exit__(None, None, None)
    assert gc.isenabled()


def test_a_collector_paused_by_someone_else_stays_paused(collector_on: None) -> None:
    gc.disable()
    with collector_paused():
        with collector_paused():
            assert not gc.isenabled()
    assert not gc.isenabled()
    gc.enable()


def test_what_a_build_made_is_frozen_when_it_ends(collector_on: None) -> None:
    """The next collection does not walk what the build made (millions of objects at 1M
    items: a pass of most of a second with every request waiting)."""
    frozen = gc.get_freeze_count()
    with collector_paused():
        made = [[n] for n in range(10_000)]
    assert gc.get_freeze_count() >= frozen + len(made)
    assert gc.get_count()[0] < len(made)
    gc.unfreeze()

"""The position cache answers from memory only while the views are where the answer was read."""

from __future__ import annotations

import pytest

from projections.query_cache import PositionCache


class Counter:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> int:
        self.calls += 1
        return self.calls


def test_one_computation_per_key_and_position() -> None:
    cache, compute = PositionCache(), Counter()
    assert [cache.get_or_compute("g", 10, "k", compute) for _ in range(3)] == [1, 1, 1]
    assert cache.get_or_compute("g", 10, "other", compute) == 2
    assert (cache.hits, cache.misses) == (2, 2)


def test_a_newer_position_drops_every_entry() -> None:
    cache, compute = PositionCache(), Counter()
    cache.get_or_compute("g", 10, "k", compute)
    assert cache.get_or_compute("g", 11, "k", compute) == 2
    assert cache.get_or_compute("g", 11, "k", compute) == 2


def test_a_request_at_an_older_position_is_answered_afresh_and_disturbs_nothing() -> None:
    cache, compute = PositionCache(), Counter()
    cache.get_or_compute("g", 11, "k", compute)
    assert cache.get_or_compute("g", 10, "k", compute) == 2
    assert cache.get_or_compute("g", 10, "k", compute) == 3
    assert cache.get_or_compute("g", 11, "k", compute) == 1


def test_rebuilt_views_at_the_same_position_are_new_views() -> None:
    cache, compute = PositionCache(), Counter()
    cache.get_or_compute("before", 10, "k", compute)
    assert cache.get_or_compute("after", 10, "k", compute) == 2
    # ...and the positions of the new build count from wherever it is.
    assert cache.get_or_compute("after", 3, "k", compute) == 3


def test_a_failed_computation_is_not_kept() -> None:
    cache = PositionCache()

    def fail() -> int:
        raise ValueError("bad region")

    for _ in range(2):
        with pytest.raises(ValueError):
            cache.get_or_compute("g", 1, "k", fail)
    assert cache.get_or_compute("g", 1, "k", lambda: 7) == 7


def test_least_recently_used_entries_go_first_and_zero_turns_it_off() -> None:
    cache, compute = PositionCache(capacity=2), Counter()
    cache.get_or_compute("g", 1, "a", compute)
    cache.get_or_compute("g", 1, "b", compute)
    cache.get_or_compute("g", 1, "a", compute)
    cache.get_or_compute("g", 1, "c", compute)  # evicts b
    assert cache.get_or_compute("g", 1, "a", compute) == 1
    assert cache.get_or_compute("g", 1, "b", compute) == 4
    off, compute = PositionCache(capacity=0), Counter()
    assert [off.get_or_compute("g", 1, "a", compute) for _ in range(2)] == [1, 2]

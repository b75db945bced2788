"""Shard planning: every key in exactly one contiguous range, ranges balanced by
estimated work, bounded memory, straggler split points inside the remaining range."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from skylift.storage.base import ObjectInfo
from skylift.transfer.scaleout import shards as mod
from skylift.transfer.scaleout.shards import (
    Checkpoints,
    checkpoints_of,
    common_prefix,
    plan_shards,
    weight,
)

keys = st.lists(st.text("ab/c", min_size=1, max_size=6), min_size=0, max_size=300, unique=True)
sizes = st.integers(0, 50 << 20)


def _listing(names: list[str], size: list[int]) -> list[ObjectInfo]:
    return [ObjectInfo(k, s) for k, s in zip(sorted(names), size, strict=False)]


@settings(max_examples=200, deadline=None)
@given(keys, st.lists(sizes, min_size=300, max_size=300), st.integers(1, 12))
def test_every_key_lands_in_exactly_one_shard(
    names: list[str], size: list[int], workers: int
) -> None:
    listing = _listing(names, size)
    plan = plan_shards(checkpoints_of(listing), workers)
    assert plan[0].lo == "" and plan[-1].hi is None
    for a, b in itertools.pairwise(plan):
        assert a.hi == b.lo and a.lo < b.lo  # contiguous, ascending, never empty-width
    for info in listing:  # brute force: the owner of every key
        assert sum(s.contains(info.path) for s in plan) == 1
    assert sum(s.objects for s in plan) == len(listing)
    assert sum(s.nbytes for s in plan) == sum(i.size for i in listing)
    assert len(plan) <= max(1, workers * mod.SHARDS_PER_WORKER)


def test_shards_are_balanced_by_bytes_and_counts() -> None:
    # 20,000 small objects, then 8 objects of 200 MiB: the big ones must not all share a shard
    listing = [ObjectInfo(f"a/{i:06d}", 2048) for i in range(20_000)]
    listing += [ObjectInfo(f"z/big{i}", 200 << 20) for i in range(8)]
    plan = plan_shards(checkpoints_of(listing), workers=4)
    weights = [weight(s.objects, s.nbytes) for s in plan]
    assert len(plan) == 16
    assert max(weights) < 2.5 * (sum(weights) / len(weights))
    assert sum(1 for s in plan if s.nbytes > 100 << 20) >= 4  # the big objects are spread


def test_checkpoints_stay_bounded(monkeypatch: object) -> None:
    points = Checkpoints()
    limit = mod.MAX_CHECKPOINTS
    for i in range(limit * 3):
        points.add(ObjectInfo(f"k{i:09d}", 10))
    assert len(points.keys) <= limit + 1
    assert points.total_objects == limit * 3
    assert points.before(None) == (limit * 3, limit * 30)


def test_midpoint_is_inside_the_remaining_range() -> None:
    points = checkpoints_of(ObjectInfo(f"k{i:05d}", 1000) for i in range(1000))
    key = points.midpoint("k00100", "k00900")
    assert key is not None and "k00100" < key < "k00900"
    assert abs(int(key[1:]) - 500) <= 2
    assert points.midpoint("k00100", "k00101") is None  # nothing strictly between


def test_common_prefix() -> None:
    assert common_prefix("p03/d001", "p03/d004") == "p03/d00"
    assert common_prefix("", "p01") == ""
    assert common_prefix("p15/x", None) == ""

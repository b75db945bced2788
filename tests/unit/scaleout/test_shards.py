"""Shard planning: every key in exactly one contiguous range, ranges balanced by
estimated work, bounded memory, straggler split points inside the remaining range."""

from __future__ import annotations

import itertools
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from skylift.storage.base import ObjectInfo
from skylift.transfer.scaleout import shards as mod
from skylift.transfer.scaleout.shards import (
    Checkpoints,
    Cutter,
    Shard,
    checkpoints_of,
    common_prefix,
    weight,
)

keys = st.lists(st.text("ab/c", min_size=1, max_size=6), min_size=0, max_size=300, unique=True)
sizes = st.integers(0, 50 << 20)


def _listing(names: list[str], size: list[int]) -> list[ObjectInfo]:
    return [ObjectInfo(k, s) for k, s in zip(sorted(names), size, strict=False)]


def _plan(listing: list[ObjectInfo], workers: int) -> list[Shard]:
    return list(Cutter(workers).feed(listing))


@settings(max_examples=200, deadline=None)
@given(keys, st.lists(sizes, min_size=300, max_size=300), st.integers(1, 12))
def test_every_key_lands_in_exactly_one_shard(
    names: list[str], size: list[int], workers: int
) -> None:
    listing = _listing(names, size)
    plan = _plan(listing, workers)
    assert plan[0].lo == "" and plan[-1].hi is None
    assert [s.index for s in plan] == list(range(len(plan)))
    for a, b in itertools.pairwise(plan):
        assert a.hi == b.lo and a.lo < b.lo  # contiguous, ascending, never empty-width
    for info in listing:  # brute force: the owner of every key
        owners = [s for s in plan if s.contains(info.path)]
        assert len(owners) == 1
    for shard in plan:  # exact counts per shard (brute force)
        inside = [i for i in listing if shard.contains(i.path)]
        assert (shard.objects, shard.nbytes) == (len(inside), sum(i.size for i in inside))


def test_shards_start_small_grow_with_the_listing_and_spread_big_objects() -> None:
    # 20,000 small objects (40 s of estimated work), then 8 objects of 200 MiB
    listing = [ObjectInfo(f"a/{i:06d}", 2048) for i in range(20_000)]
    listing += [ObjectInfo(f"z/big{i}", 200 << 20) for i in range(8)]
    plan = _plan(listing, workers=4)
    weights = [weight(s.objects, s.nbytes) for s in plan]
    assert weights[0] < 2 * mod.MIN_SHARD_S  # the first workers start at once
    small = [w for s, w in zip(plan, weights, strict=True) if s.nbytes < 100 << 20]
    assert small[-1] > 2 * small[0]  # later shards grow with what was listed
    total = sum(weights)
    bound = 4 * mod.SHARDS_PER_WORKER * (1 + math.log(total / mod.MIN_SHARD_S))
    assert len(plan) <= bound  # not thousands of tiny tasks
    # the big objects are spread: a shard never more than doubles its target for one
    assert max(s.nbytes for s in plan) <= 3 * (200 << 20)
    assert sum(1 for s in plan if s.nbytes > 100 << 20) >= 3


def test_the_cuts_depend_on_the_listing_only() -> None:
    listing = [ObjectInfo(f"p{i % 7}/{i:06d}", 100 + i % 5000) for i in range(5_000)]
    listing.sort(key=lambda i: i.path)
    assert _plan(listing, 3) == _plan(listing, 3)  # a re-run finds the same shard folders


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

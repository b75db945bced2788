"""Work stealing: the shard with the most *real* time left is split, at a key it has not
listed yet; nothing is split below the minimum shard."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from skylift.storage.base import ObjectInfo
from skylift.transfer.scaleout.shards import Shard, checkpoints_of
from skylift.transfer.scaleout.stealing import movable_time, pick_split

POINTS = checkpoints_of(ObjectInfo(f"k{i:05d}", 2048) for i in range(20_000))  # 2 ms each
A = Shard(0, "", "k10000", 10_000, 0)
B = Shard(1, "k10000", None, 10_000, 0)


def test_the_slow_shard_is_split_even_with_less_estimated_work() -> None:
    # A has listed 8,000 (2,000 unlisted), B 2,000 (8,000 unlisted); each finished 2,000
    positions, finished = {0: "k08000", 1: "k12000"}, {0: 2000, 1: 2000}
    even = {0: 4.0, 1: 4.0}  # both at the estimated 2 ms/object: B has more to move
    assert pick_split(POINTS, {0: A, 1: B}, positions, finished, even) == (1, "k16000")
    slow = {0: 40.0, 1: 4.0}  # A at 20 ms/object: its 2,000 unlisted are 40 s > B's 16 s
    index, key = pick_split(POINTS, {0: A, 1: B}, positions, finished, slow)  # type: ignore[misc]
    assert index == 0 and "k08000" < key < "k10000"


def test_nothing_is_split_below_the_minimum() -> None:
    positions = {0: "k09900"}  # 100 objects unlisted: 0.2 s of work at the pace seen
    assert pick_split(POINTS, {0: A}, positions, {0: 9000}, {0: 18.0}) is None


@given(st.integers(0, 19_998), st.floats(0.01, 1000))
def test_split_key_is_ahead_of_the_position(at: int, elapsed: float) -> None:
    whole = Shard(0, "", None, 20_000, 0)
    position = f"k{at:05d}"
    picked = pick_split(POINTS, {0: whole}, {0: position}, {0: at // 2}, {0: elapsed})
    if picked is not None:
        assert picked[1] > position
        assert movable_time(POINTS, whole, position, at // 2, elapsed) >= 1.0


def test_with_every_worker_busy_only_a_long_straggler_is_split_early() -> None:
    from skylift.transfer.scaleout.stealing import EARLY_SPLIT_S

    # A has 1,000 unlisted objects left at the estimated 2 ms each: 2 s to move — worth a
    # split for an idle worker, not ahead of time; with 3,000 left (6 s) it is split early
    pace = {0: 4.0}
    assert pick_split(POINTS, {0: A}, {0: "k09000"}, {0: 2000}, pace) is not None
    assert pick_split(POINTS, {0: A}, {0: "k09000"}, {0: 2000}, pace, EARLY_SPLIT_S) is None
    early = pick_split(POINTS, {0: A}, {0: "k07000"}, {0: 2000}, pace, EARLY_SPLIT_S)
    assert early is not None and "k07000" < early[1] < "k10000"

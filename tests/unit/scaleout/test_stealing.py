"""Work stealing: the shard with the most *real* time left is split, at a key it has not
listed yet; nothing is split below the minimum shard."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from skylift.storage.base import ObjectInfo
from skylift.transfer.scaleout.shards import Shard, checkpoints_of
from skylift.transfer.scaleout.stealing import pick_split, time_left

POINTS = checkpoints_of(ObjectInfo(f"k{i:05d}", 2048) for i in range(20_000))  # 2 ms each
A = Shard(0, "", "k10000", 10_000, 0)
B = Shard(1, "k10000", None, 10_000, 0)


def test_the_slow_shard_is_split_even_with_less_estimated_work() -> None:
    # after 4 s each, A has listed 8,000 (2,000 left: 1 s), B 2,000 (8,000 left: 16 s)
    positions = {0: "k08000", 1: "k12000"}
    assert pick_split(POINTS, {0: A, 1: B}, positions, {0: 4.0, 1: 4.0}) == (1, "k16000")
    slow = {0: 80.0, 1: 4.0}  # A: 2,000 left at 10 ms/object = 20 s > B's 16 s
    index, key = pick_split(POINTS, {0: A, 1: B}, positions, slow)  # type: ignore[misc]
    assert index == 0 and "k08000" < key < "k10000"


def test_nothing_is_split_below_the_minimum() -> None:
    positions = {0: "k09900"}  # 100 objects left: 0.2 s of work
    assert pick_split(POINTS, {0: A}, positions, {0: 0.5}) is None


@given(st.integers(0, 19_998), st.floats(0.01, 1000))
def test_split_key_is_ahead_of_the_position(at: int, elapsed: float) -> None:
    whole = Shard(0, "", None, 20_000, 0)
    position = f"k{at:05d}"
    picked = pick_split(POINTS, {0: whole}, {0: position}, {0: elapsed})
    if picked is not None:
        assert picked[1] > position
        assert time_left(POINTS, whole, position, elapsed) >= 1.0

"""Splits of a range the driver has no checkpoints of (stealing.probe_split, by top-level
entries and probes), checked against brute force (#22)."""

from __future__ import annotations

import bisect

from hypothesis import given, settings
from hypothesis import strategies as st

from skylift.transfer.scaleout.shards import Shard
from skylift.transfer.scaleout.stealing import key_midpoint, probe_split

KEYS = st.lists(
    st.text(alphabet="ab/-.0z\u00e9", min_size=1, max_size=6).filter(
        lambda k: not k.startswith("/") and "//" not in k and not k.endswith("/")
    ),
    max_size=40,
    unique=True,
)


def top_level(keys: list[str]) -> list[str]:
    """What a delimiter listing of the root returns: root keys and ``folder/`` names."""
    return sorted({k.split("/")[0] + "/" if "/" in k else k for k in keys})


@given(
    st.text(alphabet="a/0~\x7f\u00e9\x00", max_size=5),
    st.text(alphabet="a/0~\x7f\u00e9\x00", max_size=5),
)
@settings(max_examples=300, deadline=None)
def test_midpoint_lies_strictly_between(a: str, b: str) -> None:
    if a >= b:
        a, b = b, a
    if a == b:
        return
    mid = key_midpoint(a, b)
    if mid is not None:
        assert a < mid < b


@given(KEYS, st.integers(0, 39))
@settings(max_examples=300, deadline=None)
def test_probe_split_moves_unlisted_keys_only(keys: list[str], at: int) -> None:
    keys = sorted(keys)
    if not keys:
        return
    position = keys[min(at, len(keys) - 1)]
    entries = top_level(keys)
    shard = Shard(0, "", None, 0, 0)

    def first_after(folder: str, key: str) -> str | None:
        i = bisect.bisect_right(keys, key)
        return keys[i] if i < len(keys) and keys[i].startswith(folder) else None

    split = probe_split(first_after, entries, shard, position)
    rest = [k for k in keys if k > position]
    if split is None:
        # only when nothing, or only keys of the position's folder that bisection missed
        assert all(k.startswith(position.split("/")[0] + "/") for k in rest)
        return
    assert split > position
    assert any(k >= split for k in keys)  # the split-off part holds keys


def test_probe_split_finds_keys_of_one_big_flat_folder() -> None:
    keys = [*sorted(f"big/obj{i:06d}.bin" for i in range(5000)), "small/x"]
    position = "big/obj000100.bin"

    def first_after(folder: str, key: str) -> str | None:
        i = bisect.bisect_right(keys, key)
        return keys[i] if i < len(keys) and keys[i].startswith(folder) else None

    shard = Shard(0, "big/", "small/", 0, 0)
    split = probe_split(first_after, top_level(keys), shard, position)
    assert split is not None and position < split
    moved = sum(1 for k in keys if shard.contains(k) and k >= split)
    assert 500 <= moved <= 4900 - 500  # a real share of the remaining 4,899 keys

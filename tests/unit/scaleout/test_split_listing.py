"""The split listing (#22): the driver lists the first keys, the rest of the key space is
cut into ranges by probes, and each shard lists its own range through a view. Checked
against brute force over arbitrary key sets (unicode, '/', '.', '-', '~' edge cases):
every key falls in exactly one range, and the shards' listings together are the store's."""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Callable, Iterator
from typing import cast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skylift.errors import InputError
from skylift.storage.base import ObjectInfo, Storage, TransientError
from skylift.storage.keys import check_key
from skylift.storage.memory import MemoryStorage
from skylift.storage.registry import open_storage
from skylift.transfer.retry import RetryPolicy
from skylift.transfer.scaleout.ranges import (
    DOWNWARD_PROBES,
    LISTING_ENV,
    MAX_PROBES,
    SPLIT_AFTER,
    Alphabet,
    Budget,
    keys_after_of,
    probe_start,
    split_after,
    split_key,
    split_ranges,
    straggler_split,
)
from skylift.transfer.scaleout.shards import Cutter, listing_prefix
from skylift.transfer.scaleout.view import Bound, ShardView


def _valid(key: str) -> bool:
    try:
        check_key(key)
    except InputError:
        return False
    return not key.startswith(".skylift") and "/.skylift" not in key


# '/' and '.' (segments like '.x', names like 'a.b'), '-' and '0' (sort around '/'),
# '~' and DEL (the top of ASCII), an accent, a CJK and an astral code point
ALPHABET = "ab/-.0~\x7f\u00e9\u4e2d\U0001f600"
KEYS = st.lists(
    st.text(alphabet=ALPHABET, min_size=1, max_size=7).filter(_valid), max_size=60, unique=True
)


class Oracle:
    """A sorted key set answering probes by brute force, counting them."""

    def __init__(self, keys: list[str]) -> None:
        self.keys = sorted(keys)
        self.probes = 0

    def first_after(self, prefix: str, key: str) -> str | None:
        self.probes += 1
        return next((k for k in self.keys if k > key and k.startswith(prefix)), None)

    def keys_after(self, prefix: str, key: str, n: int) -> list[str]:
        self.probes += 1
        return [k for k in self.keys if k > key and k.startswith(prefix)][:n]


def _inside(key: str, lo: str, hi: str | None) -> bool:
    return key >= lo and (hi is None or key < hi)


def _check_cover(
    keys: list[str], ranges: list[tuple[str, str | None]], lo: str, hi: str | None
) -> None:
    assert ranges[0][0] == lo and ranges[-1][1] == hi
    for (_, a_hi), (b_lo, _) in itertools.pairwise(ranges):
        assert a_hi == b_lo  # contiguous
    for a, b in ranges:
        assert b is None or a < b  # ordered, none inverted
    for key in keys:
        inside = [r for r in ranges if _inside(key, *r)]
        assert len(inside) == (1 if _inside(key, lo, hi) else 0), (key, ranges)


@given(KEYS, st.data(), st.integers(1, 20))
@settings(max_examples=400, deadline=None)
def test_ranges_cover_every_key_exactly_once(
    keys: list[str], data: st.DataObject, count: int
) -> None:
    oracle = Oracle(keys)
    ordered = oracle.keys
    # lo: the empty key or a key of the store (where the driver's budget stopped); hi: None
    # or any string above lo (a straggler's end)
    lo = data.draw(st.sampled_from(["", *ordered]))
    hi = data.draw(st.one_of(st.none(), st.text(alphabet=ALPHABET, min_size=1, max_size=7)))
    if hi is not None and hi <= lo:
        hi = None
    ranges = split_ranges(oracle.first_after, lo, hi, count)
    _check_cover(ordered, ranges, lo, hi)
    assert len(ranges) <= count
    for a, _ in ranges[1:]:
        assert a in ordered  # every range but the first starts at a key: none is empty
    # bounded probes: the last key, then a bounded number for each split tried (each
    # range is tried until it splits or is found unsplittable)
    each = DOWNWARD_PROBES + MAX_PROBES + 1
    assert oracle.probes <= each * (2 * len(ranges) + 1)


@given(KEYS, st.data())
@settings(max_examples=300, deadline=None)
def test_split_key_is_a_key_strictly_inside(keys: list[str], data: st.DataObject) -> None:
    oracle = Oracle(keys)
    if len(oracle.keys) < 2:
        return
    lo = data.draw(st.sampled_from(oracle.keys[:-1]))
    top = data.draw(st.sampled_from([k for k in oracle.keys if k > lo]))
    key = split_key(oracle.first_after, lo, None, top)
    assert key is not None  # top lies above lo: the bisection always finds a key
    assert key in oracle.keys and lo < key


def _store(name: str, keys: list[str]) -> Storage:
    store = open_storage(f"memory://{name}")
    for key in keys:
        store.write(key, key.encode())
    return store


@given(KEYS, st.integers(0, 70), st.integers(1, 12))
@settings(max_examples=200, deadline=None)
def test_driver_part_and_probed_ranges_list_every_key_once(
    keys: list[str], limit: int, workers: int
) -> None:
    # the whole plan: the driver lists `limit` keys through its budget and cuts them into
    # shards, the rest is split by probes; then every shard lists its range through a view
    store = _store("split-plan", keys)
    try:
        budget = Budget(store.list(), limit)
        shards = [(s.lo, s.hi) for s in Cutter(workers).feed(budget, lambda: budget.rest)]
        listed = min(limit, len(keys))
        if budget.rest is not None:
            assert listed == limit < len(keys) and budget.rest == sorted(keys)[limit]
            oracle = Oracle(keys)
            shards += split_ranges(oracle.first_after, budget.rest, None, 4 * workers)
        _check_cover(sorted(keys), shards, "", None)
        seen: list[str] = []
        for lo, hi in shards:
            view = cast(Storage, ShardView(store, Bound(lo, hi), lambda _lines: None))
            seen += [info.path for info in view.list()]
        assert seen == sorted(keys)  # each key listed once, by its shard, in order
    finally:
        for key in keys:
            store.delete(key)


def test_listing_prefix_is_a_folder() -> None:
    assert listing_prefix("a/.x", "a/.y") == "a/"  # 'a/.' is no valid prefix to list
    assert listing_prefix("a/b/c1", "a/b/c2") == "a/b/"
    assert listing_prefix("a", None) == ""


def _sizes(keys: list[str], count: int) -> list[int]:
    ranges = split_ranges(_fast(keys), keys[0], None, count)
    sizes = [
        (bisect.bisect_left(keys, hi) if hi is not None else len(keys))
        - bisect.bisect_left(keys, lo)
        for lo, hi in ranges
    ]
    assert len(ranges) == count and sum(sizes) == len(keys) and min(sizes) > 0
    return sizes


@pytest.mark.parametrize(
    ("names", "most"),
    [
        # a tree of numbered folders and files
        (lambda i: f"p{i % 16:02d}/d{i // 1000:03d}/obj{i:06d}.bin", 4.0),
        # hex digests (content-addressed): digits and a-f are one alphabet, not two classes
        # (read as classes, the largest of 64 ranges held 28x the mean)
        (lambda i: f"{random.Random(i).getrandbits(64):016x}.dat", 2.0),
        # names under a deep common prefix: the last key is found by the prefix's depth
        # (bisecting one character per ~4 probes ran out of probes: one range in all)
        (lambda i: f"logs/2024-{i % 12 + 1:02d}-{i % 28 + 1:02d}/part-{i:05d}.gz", 6.0),
    ],
)
def test_names_split_within_a_few_times_the_mean(names: Callable[[int], str], most: float) -> None:
    # key names decide the sizes (in key space, not counts); stealing does the rest
    keys = sorted({names(i) for i in range(20_000)})
    sizes = _sizes(keys, 64)
    assert max(sizes) <= most * len(keys) / 64, max(sizes)


def _fast(keys: list[str]):  # type: ignore[no-untyped-def]
    def first_after(prefix: str, key: str) -> str | None:
        i = bisect.bisect_right(keys, key)
        return keys[i] if i < len(keys) and keys[i].startswith(prefix) else None

    return first_after


class _Seeking:
    def __init__(self, seeks: bool) -> None:
        self.seeks = seeks


def test_split_after_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    store = cast(Storage, _Seeking(True))
    monkeypatch.delenv(LISTING_ENV, raising=False)
    assert split_after(store) == SPLIT_AFTER  # the default: small runs list as before
    for value, limit in (("driver", None), ("split", 0), ("prefixes", 0), ("5000", 5000)):
        monkeypatch.setenv(LISTING_ENV, value)
        assert split_after(store) == limit
    assert split_after(cast(Storage, _Seeking(False))) is None  # lists and skips: never split
    monkeypatch.setenv(LISTING_ENV, "many")
    with pytest.raises(InputError, match="expected auto, driver, split or a number"):
        split_after(store)


def test_budget_closes_the_listing_where_it_stops() -> None:
    closed: list[bool] = []

    def listing():  # type: ignore[no-untyped-def]
        try:
            for i in range(10):
                yield ObjectInfo(f"k{i}", 1)
        finally:
            closed.append(True)

    budget = Budget(listing(), 3)
    assert [i.path for i in budget] == ["k0", "k1", "k2"] and budget.rest == "k3"
    assert closed == [True]
    whole = Budget(listing(), 20)
    assert len(list(whole)) == 10 and whole.rest is None


@given(KEYS, st.data(), st.integers(1, 8))
@settings(max_examples=400, deadline=None)
def test_a_straggler_splits_only_with_enough_keys_ahead(
    keys: list[str], data: st.DataObject, min_keys: int
) -> None:
    oracle = Oracle(keys)
    start = data.draw(st.sampled_from(["", *oracle.keys]))  # its listing position
    hi = data.draw(st.one_of(st.none(), st.sampled_from(["", *oracle.keys])))
    if hi is not None and hi <= start:
        hi = None
    ahead = [k for k in oracle.keys if k > start and (hi is None or k < hi)]
    key = straggler_split(oracle.keys_after, start, hi, min_keys)
    if len(ahead) < min_keys:
        assert key is None  # a handful of keys: no task for them
        return
    assert key is not None and key in ahead  # a key of the range: the new shard holds it
    kept = [k for k in ahead if k < key]
    assert len(kept) >= min_keys // 2  # the straggler keeps a real share


@given(
    st.lists(st.text(alphabet=ALPHABET, max_size=6), max_size=8),
    st.text(alphabet=ALPHABET + "\U0010ffff", max_size=10),
    st.text(alphabet=ALPHABET + "\U0010ffff", max_size=10),
)
@settings(max_examples=500, deadline=None)
def test_alphabet_midpoint_lies_strictly_between(seen: list[str], a: str, b: str) -> None:
    if a > b:
        a, b = b, a
    mid = Alphabet(*seen).midpoint(a, b)
    if a == b or (b.startswith(a) and len(b) == len(a) + 1 and b[-1] == "\x00"):
        return
    if mid is not None:
        assert a < mid < b


@given(st.text(alphabet="a/.-\x00\x01\x7f\u00e9\U0010ffff", max_size=9))
@settings(max_examples=500, deadline=None)
def test_probe_start_is_a_path_obstore_takes_and_not_above_the_key(key: str) -> None:
    # a key-space middle is any string; obstore refuses '//', '.', '..' and control
    # characters in a start key ('Could not parse path' on the real server)
    import obstore
    from obstore.store import MemoryStore

    start = probe_start(key)
    assert start <= key
    store = MemoryStore()
    obstore.put(store, "a/b", b"x")
    list(obstore.list(store, offset=start or None))  # raises on a path it cannot parse


class _Throttled(MemoryStorage):
    """A memory store whose first ``fails`` listings answer 503 SlowDown (a test double for
    a throttling store: the real store's listing, after the failures)."""

    fails = 0

    def list_from(self, prefix: str, start_after: str) -> Iterator[ObjectInfo]:
        if self.fails:
            self.fails -= 1
            raise TransientError("503 SlowDown: reduce your request rate")
        return super().list_from(prefix, start_after)


def test_a_throttled_probe_is_retried_not_fatal() -> None:
    store = _Throttled("memory://split-throttled")
    for key in ("a", "b/c", "d"):
        store.write(key, b"x")
    try:
        store.fails = 2
        keys_after = keys_after_of(store, RetryPolicy(attempts=3, sleep=lambda _s: None))
        assert keys_after("", "a", 5) == ["b/c", "d"] and store.fails == 0
        store.fails = 1
        with pytest.raises(TransientError):  # without a policy the 503 ends the plan
            keys_after_of(store)("", "a", 5)
        assert keys_after_of(store)("", "a/", 1) == ["b/c"]  # a middle no path: just below
    finally:
        for key in ("a", "b/c", "d"):
            store.delete(key)

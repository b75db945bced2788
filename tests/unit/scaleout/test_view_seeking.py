"""Shard views over a store that starts its listing on its side (obstore's ``offset``,
S3 ``start-after``), as every S3/GCS/Azure shard does (#22). The memory:// store lists
and skips, so it accepts any start key; obstore parses the start key as a path and
refuses ``.``/``..`` segments — a range starting at a key such as ``x/.d`` must still list."""

from __future__ import annotations

from typing import cast

from hypothesis import given, settings
from hypothesis import strategies as st

from skylift.storage.base import Storage
from skylift.storage.objstore import ObstoreStorage
from skylift.transfer.scaleout.view import Bound, ShardView
from tests.unit.scaleout.test_split_listing import _valid

# '.' and '/' make segments like '.x' and '..x' whose key minus its last character ('.',
# 'x/..') is no path obstore takes; '-' and '0' sort around '/'; an accent and an astral
ALPHABET = "ab/.-0\u00e9\U0001f600"


KEYS = st.lists(
    st.text(alphabet=ALPHABET, min_size=1, max_size=6).filter(_valid),
    min_size=1,
    max_size=40,
    unique=True,
)


def _seeking(keys: list[str]) -> Storage:
    import obstore
    from obstore.store import MemoryStore

    store = MemoryStore()
    for key in keys:
        obstore.put(store, key, key.encode())
    storage = ObstoreStorage("s3://seeking", store, "s3://seeking")
    assert storage.seeks
    return storage


def _listed(store: Storage, lo: str, hi: str | None) -> list[str]:
    view = cast(Storage, ShardView(store, Bound(lo, hi), lambda _lines: None))
    return [info.path for info in view.list()]


def test_a_range_starting_at_a_dot_segment_key_lists() -> None:
    keys = [".a", ".b", "x/.c", "x/.d", "x/..e", "x/..f", "x/g"]
    store = _seeking(keys)
    # in order: .a .b x/..e x/..f x/.c x/.d x/g
    assert _listed(store, ".b", "x/..f") == [".b", "x/..e"]
    assert _listed(store, "x/..f", "x/.d") == ["x/..f", "x/.c"]
    assert _listed(store, "x/.d", None) == ["x/.d", "x/g"]


@given(KEYS, st.data())
@settings(max_examples=300, deadline=None)
def test_every_shard_of_a_seeking_store_lists_its_keys_once(
    keys: list[str], data: st.DataObject
) -> None:
    # ranges start at keys the store holds (the driver's cuts, probed split keys, straggler
    # splits): cut at any of them, every shard lists its range through a view over the
    # obstore store, and together they list the store once, in order
    store = _seeking(keys)
    ordered = sorted(keys)
    cuts = sorted(data.draw(st.sets(st.sampled_from(ordered))) - {ordered[0]})
    bounds: list[str | None] = [*cuts, None]
    shards = list(zip(["", *cuts], bounds, strict=True))
    seen = [key for lo, hi in shards for key in _listed(store, lo, hi)]
    assert seen == ordered

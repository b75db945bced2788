"""A shard's view of a store: only its range, a shrinking end that both listings
respect, and the manifest kept away from the real store."""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

from skylift.domain.transfer import MANIFEST_NAME
from skylift.storage.base import Storage
from skylift.storage.registry import open_storage
from skylift.transfer.scaleout.view import Bound, ShardView


def _store(name: str, keys: list[str]) -> Storage:
    store = open_storage(f"memory://{name}")
    for key in keys:
        store.write(key, key.encode())
    return store


def test_lists_only_its_range() -> None:
    keys = [f"p{i:02d}/o{j}" for i in range(5) for j in range(3)]
    store = _store("view-range", keys)
    view = cast(Storage, ShardView(store, Bound("p01/o2", "p03/o1"), lambda _l: None))
    got = [o.path for o in view.list()]
    assert got == [k for k in sorted(keys) if "p01/o2" <= k < "p03/o1"]
    assert view.stat("p04/o0").size == len(b"p04/o0")  # everything else goes through


def test_split_only_ahead_of_both_listings() -> None:
    keys = [f"k{i:03d}" for i in range(100)]
    src, dst = _store("view-src", keys), _store("view-dst", keys[:50])
    bound = Bound("", None)
    a = ShardView(src, bound, lambda _l: None).list()
    b = ShardView(dst, bound, lambda _l: None).list()
    for _ in range(10):
        next(a)
    next(b)
    assert not bound.shrink("k005")  # already listed: refused
    assert bound.shrink("k060")
    assert [o.path for o in a][-1] == "k059"
    assert [o.path for o in b][-1] == "k049"
    assert not bound.shrink("k070")  # past the new end: refused


def test_manifest_goes_to_the_part_not_the_store() -> None:
    store = _store("view-manifest", ["a"])
    store.write(MANIFEST_NAME, b"old\n")
    kept: list[bytes] = []

    def keep(lines: Iterable[bytes]) -> None:
        kept.extend(lines)

    view = cast(Storage, ShardView(store, Bound("", None), keep))
    assert not view.exists(MANIFEST_NAME)
    view.delete(MANIFEST_NAME)
    view.write(MANIFEST_NAME, iter([b"header\n", b"line\n"]))
    assert kept == [b"header\n", b"line\n"]
    assert store.read(MANIFEST_NAME) == b"old\n"  # withdrawing and publishing is the driver's
    view.sweep_leftovers(older_than=1e12)  # a no-op: other shards' uploads are live


class _Counting:
    """A store that counts the keys its listings hand out (``list_from`` starts after a key)."""

    def __init__(self, inner: Storage) -> None:
        self.inner = inner
        self.handed: list[str] = []

    def list(self, prefix: str = "") -> Iterable[object]:
        for info in self.inner.list(prefix):
            self.handed.append(info.path)
            yield info

    def list_from(self, prefix: str, start_after: str) -> Iterable[object]:
        for info in self.inner.list_from(prefix, start_after):
            self.handed.append(info.path)
            yield info


def test_a_shard_never_lists_the_keys_before_its_range() -> None:
    # the last shard [k0900, end): the common prefix of its ends is "" — before list_from
    # its listing handed out the 900 keys before it too
    keys = [f"k{i:04d}" for i in range(1000)]
    counting = _Counting(_store("view-start-after", keys))
    view = cast(Storage, ShardView(cast(Storage, counting), Bound("k0900", None), lambda _l: None))
    assert [o.path for o in view.list()] == keys[900:]
    assert counting.handed == keys[900:]


def test_methods_are_kept_on_the_view_and_still_reach_the_store() -> None:
    store = _store("view-cache", ["a"])
    view = ShardView(store, Bound("", None), lambda _l: None)
    assert cast(Storage, view).read("a") == b"a"
    assert "read" in vars(view) and "endpoint_id" not in vars(view)
    assert cast(Storage, view).endpoint_id == store.endpoint_id
    assert "endpoint_id" in vars(view)
    store.write("a", b"changed")  # the kept method is the store's own, bound to it
    assert cast(Storage, view).read("a") == b"changed"
    assert cast(Storage, view).capabilities is store.capabilities
    assert "capabilities" not in vars(view)  # data is looked up each time

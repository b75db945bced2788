"""A store seen through one shard: its listing limited to the shard's key range.

The engine runs unchanged on a worker against a :class:`ShardView` of each
side. The view lists only ``[lo, bound)`` — ``bound`` starts at the shard's
``hi`` and may move down while the run goes, when the driver splits a
straggler (:class:`Bound`: both sides share it, so source and destination
listings stop at the same key). Everything else goes to the real store,
except what belongs to the driver: the manifest (the engine's publish is
captured into the shard's manifest part, see :mod:`.merge`; withdrawing it is
the driver's job) and sweeping temp files of crashed runs (other shards' live
uploads would look like leftovers).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from skylift.domain.transfer import MANIFEST_NAME
from skylift.storage.base import ObjectInfo, Storage
from skylift.transfer.scaleout.ranges import probe_start
from skylift.transfer.scaleout.shards import listing_prefix


class Bound:
    """The moving upper end of a shard's range, shared by its two listings."""

    def __init__(self, lo: str, hi: str | None) -> None:
        self.lo = lo
        self.hi = hi
        self.position = ""  # the highest key either listing has yielded
        self._lock = threading.Lock()

    def admit(self, key: str) -> bool | None:
        """True: yield ``key``; False: before the range; None: past it (stop listing)."""
        if key < self.lo:
            return False
        with self._lock:
            if self.hi is not None and key >= self.hi:
                return None
            self.position = max(self.position, key)
            return True

    def shrink(self, key: str) -> bool:
        """End the range at ``key`` if neither listing has reached it yet."""
        with self._lock:
            if key <= self.position or key <= self.lo or (self.hi is not None and key >= self.hi):
                return False
            self.hi = key
            return True


class ShardView:
    """A :class:`Storage` limited to one shard (see the module docstring)."""

    def __init__(
        self, inner: Storage, bound: Bound, on_manifest: Callable[[Iterable[bytes]], None]
    ) -> None:
        self._inner = inner
        self._bound = bound
        self._on_manifest = on_manifest

    def __getattr__(self, name: str) -> Any:
        # only for what the view does not define; methods (and the endpoint, a property
        # the engine reads twice per object) are kept on the view, so later lookups skip
        # this fallback: it raises and catches an AttributeError inside Python each time
        value = getattr(self._inner, name)
        if callable(value) or name == "endpoint_id":
            self.__dict__[name] = value
        return value

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        """The inner listing of the shard's range, cut to it: the store lists the common
        prefix of its ends from just before ``lo`` (:meth:`Storage.list_from`), so a
        shard never lists the keys of the shards before it."""
        bound = self._bound
        scope = listing_prefix(bound.lo, bound.hi)
        if prefix and not scope.startswith(prefix):
            scope = prefix if prefix > scope else scope
        # every key >= lo is > lo minus its last character (the few keys in between
        # are dropped by admit below) — made a start key the store parses: lo minus its
        # last character may end in a '.' or '..' segment ('x/.d' -> 'x/.'), which obstore
        # refuses ('Could not parse path'): every shard starting at such a key failed
        start = probe_start(bound.lo[:-1])
        listing = self._inner.list_from(scope, start) if bound.lo else self._inner.list(scope)
        try:
            for info in listing:
                verdict = bound.admit(info.path)
                if verdict is None:
                    return
                if verdict and info.path.startswith(prefix):
                    yield info
        finally:
            close = getattr(listing, "close", None)
            if close is not None:
                close()

    def exists(self, path: str) -> bool:
        """The manifest is the driver's: a shard never sees one."""
        return False if path == MANIFEST_NAME else self._inner.exists(path)

    def delete(self, path: str) -> None:
        """Deletes go through, except the manifest (withdrawn by the driver)."""
        if path != MANIFEST_NAME:
            self._inner.delete(path)

    def write(self, path: str, data: Any, *args: Any, **kwargs: Any) -> Any:
        """Writes go through; the engine's manifest goes to the shard's part instead."""
        if path == MANIFEST_NAME:
            self._on_manifest([data] if isinstance(data, bytes) else data)
            return None
        return self._inner.write(path, data, *args, **kwargs)

    def sweep_leftovers(self, older_than: float) -> None:
        """The driver sweeps once before any shard starts."""

    def root_is_folder(self) -> bool | None:
        """The driver checked the source exists; an empty shard is not a missing source."""
        return True

"""Cut a sorted key space into shards balanced by bytes and object counts.

A shard is the half-open key range ``[lo, hi)`` (``hi=None``: to the end).
The driver streams the source listing once through a :class:`Cutter`, which
hands out each shard as soon as its end is known (shards run while the
listing goes on), and keeps *checkpoints* — every ``stride``-th key with the
objects and bytes before it — thinned to at most :data:`MAX_CHECKPOINTS` so
memory stays bounded for any number of objects. A shard's weight is
``objects × per_object + bytes × per_byte`` (seconds of work; costs measured
by ``benchmarks/transfer/scaleout_throughput.py``). The checkpoints later tell
where a straggler's remaining keys split in two.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from skylift.storage.base import ObjectInfo

#: Seconds of work per object and per byte on one worker (measured, see the module docstring).
PER_OBJECT_S = 0.002
PER_BYTE_S = 1 / (150 << 20)
#: Shards per worker: more shards than workers so fast workers take more.
SHARDS_PER_WORKER = 4
#: The smallest shard worth a task (seconds of estimated work).
MIN_SHARD_S = 1.0
#: The largest shard cut from the listing (splits of stragglers handle the rest).
MAX_SHARD_S = 120.0
MAX_CHECKPOINTS = 1 << 16


@dataclass(frozen=True)
class Shard:
    """Keys ``lo <= key < hi`` with their estimated objects and bytes."""

    index: int
    lo: str
    hi: str | None
    objects: int
    nbytes: int

    def contains(self, key: str) -> bool:
        """Whether ``key`` falls in this shard's range."""
        return key >= self.lo and (self.hi is None or key < self.hi)

    @property
    def name(self) -> str:
        """How messages name the shard: its index and key range."""
        return f"shard {self.index} [{self.lo!r}, {'end' if self.hi is None else repr(self.hi)})"


def weight(objects: int, nbytes: int) -> float:
    """Estimated seconds of one worker's work for this many objects and bytes."""
    return objects * PER_OBJECT_S + nbytes * PER_BYTE_S


class Checkpoints:
    """Sampled cumulative counts over a sorted listing (bounded memory)."""

    def __init__(self) -> None:
        self.keys: list[str] = []
        self.objects: list[int] = []  # objects before keys[i]
        self.nbytes: list[int] = []  # bytes before keys[i]
        self.total_objects = 0
        self.total_bytes = 0
        self._stride = 1

    def add(self, info: ObjectInfo) -> None:
        """Count one more object (keys must come in ascending order)."""
        if self.total_objects % self._stride == 0:
            self.keys.append(info.path)
            self.objects.append(self.total_objects)
            self.nbytes.append(self.total_bytes)
            if len(self.keys) > MAX_CHECKPOINTS:
                self._thin()
        elif info.size * PER_BYTE_S > MIN_SHARD_S:  # a big object is always a cut candidate
            self.keys.append(info.path)
            self.objects.append(self.total_objects)
            self.nbytes.append(self.total_bytes)
        self.total_objects += 1
        self.total_bytes += info.size

    def _thin(self) -> None:
        self._stride *= 2
        keep = [i for i in range(len(self.keys)) if self.objects[i] % self._stride == 0]
        self.keys = [self.keys[i] for i in keep]
        self.objects = [self.objects[i] for i in keep]
        self.nbytes = [self.nbytes[i] for i in keep]

    def before(self, key: str | None) -> tuple[int, int]:
        """Objects and bytes before ``key`` (approximate between checkpoints; None: all)."""
        if key is None:
            return self.total_objects, self.total_bytes
        i = bisect.bisect_left(self.keys, key)
        if i >= len(self.keys):
            return self.total_objects, self.total_bytes
        return self.objects[i], self.nbytes[i]

    def weight_between(self, lo: str, hi: str | None) -> float:
        """Estimated work of the keys in ``[lo, hi)``."""
        o1, b1 = self.before(lo)
        o2, b2 = self.before(hi)
        return weight(o2 - o1, b2 - b1)

    def midpoint(self, lo: str, hi: str | None) -> str | None:
        """A checkpoint key strictly inside ``(lo, hi)`` near half the range's weight."""
        start = bisect.bisect_right(self.keys, lo)
        end = len(self.keys) if hi is None else bisect.bisect_left(self.keys, hi)
        if start >= end:
            return None
        o1, b1 = self.before(lo)
        half = self.weight_between(lo, hi) / 2
        for i in range(start, end):
            if weight(self.objects[i] - o1, self.nbytes[i] - b1) >= half:
                return self.keys[i]
        return self.keys[end - 1]


def checkpoints_of(listing: Iterable[ObjectInfo]) -> Checkpoints:
    """Checkpoints over a sorted listing."""
    points = Checkpoints()
    for info in listing:
        points.add(info)
    return points


class Cutter:
    """Cuts a sorted listing into shards *while it streams*, so the first shards run
    while the driver is still listing (the listing is not a serial phase before them).

    A shard is cut before the key at which its estimated work reaches the target
    ``work seen so far / (workers × SHARDS_PER_WORKER)``, kept within
    [:data:`MIN_SHARD_S`, :data:`MAX_SHARD_S`]: the first shards are small (workers
    start at once), later ones grow with the listing, about
    ``workers × SHARDS_PER_WORKER × ln(total / MIN_SHARD_S)`` shards in all. A big
    object that would more than double a shard starts the next one. The cuts are a
    function of the listing and the worker count only, so a re-run over an unchanged
    source finds the same shards (and their journals). :attr:`points` are the
    checkpoints of everything fed so far (for work stealing).
    """

    def __init__(self, workers: int) -> None:
        self.workers = max(1, workers)
        self.points = Checkpoints()
        self._lo = ""
        self._objects = 0
        self._bytes = 0
        self._index = 0

    def _target(self) -> float:
        seen = weight(self.points.total_objects, self.points.total_bytes)
        return min(MAX_SHARD_S, max(MIN_SHARD_S, seen / (self.workers * SHARDS_PER_WORKER)))

    def feed(
        self, listing: Iterable[ObjectInfo], end: Callable[[], str | None] = lambda: None
    ) -> Iterator[Shard]:
        """The shards of ``listing`` (sorted), each as soon as its end is known; the last
        one is ``[lo, end())`` (the only one, empty, for an empty listing; ``end()`` is
        asked when the listing is over: None, or where the split listing's budget stopped it)."""
        for info in listing:
            if self._objects:
                acc = weight(self._objects, self._bytes)
                target = self._target()
                if acc >= target or acc + weight(1, info.size) > 2 * target:
                    yield self._cut(info.path)
            self.points.add(info)
            self._objects += 1
            self._bytes += info.size
        yield self._cut(end())

    def _cut(self, hi: str | None) -> Shard:
        shard = Shard(self._index, self._lo, hi, self._objects, self._bytes)
        self._index += 1
        self._lo = hi or ""
        self._objects = self._bytes = 0
        return shard


def common_prefix(lo: str, hi: str | None) -> str:
    """The longest string prefix every key in ``[lo, hi)`` shares (what to list)."""
    if hi is None:
        return ""
    n = 0
    for a, b in zip(lo, hi, strict=False):
        if a != b:
            break
        n += 1
    return lo[:n]


def listing_prefix(lo: str, hi: str | None) -> str:
    """The folder (``a/b/``, or ``""``) every key in ``[lo, hi)`` lies in: the common prefix
    cut back to its last ``/`` — a string prefix may end inside a segment that is no valid
    key (``a/.`` of ``a/.x`` and ``a/.y``); a store lists a folder anyway."""
    prefix = common_prefix(lo, hi)
    return prefix[: prefix.rfind("/") + 1]

"""Cut a sorted key space into shards balanced by bytes and object counts.

A shard is the half-open key range ``[lo, hi)`` (``hi=None``: to the end).
The planner streams the source listing once and keeps *checkpoints* — every
``stride``-th key with the objects and bytes before it — thinned to at most
:data:`MAX_CHECKPOINTS` so memory stays bounded for any number of objects.
Cuts fall on checkpoint keys; a shard's weight is
``objects × per_object + bytes × per_byte`` (seconds of work, measured costs
from ``benchmarks/transfer/scaleout_model.py``). The same checkpoints later
tell where a straggler's remaining keys split in two.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass

from skylift.storage.base import ObjectInfo

#: Seconds of work per object and per byte on one worker (measured, see the module docstring).
PER_OBJECT_S = 0.002
PER_BYTE_S = 1 / (150 << 20)
#: Shards per worker: more shards than workers so fast workers take more.
SHARDS_PER_WORKER = 4
#: The smallest shard worth a task (seconds of estimated work).
MIN_SHARD_S = 1.0
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


def plan_shards(points: Checkpoints, workers: int) -> list[Shard]:
    """Cut the listing into about ``workers × SHARDS_PER_WORKER`` shards of equal weight
    (none lighter than :data:`MIN_SHARD_S` unless it is the only one)."""
    total = weight(points.total_objects, points.total_bytes)
    count = max(1, min(workers * SHARDS_PER_WORKER, int(total / MIN_SHARD_S)))
    target = total / count
    cuts: list[str] = []
    last = 0.0
    for key, objs, nbytes in zip(points.keys, points.objects, points.nbytes, strict=True):
        if objs == 0:
            continue
        w = weight(objs, nbytes)
        if w - last >= target and len(cuts) < count - 1:
            cuts.append(key)
            last = w
    bounds: list[str] = ["", *cuts]
    shards = []
    for i, lo in enumerate(bounds):
        hi = bounds[i + 1] if i + 1 < len(bounds) else None
        o1, b1 = points.before(lo or None) if lo else (0, 0)
        o2, b2 = points.before(hi)
        shards.append(Shard(i, lo, hi, o2 - o1, b2 - b1))
    return shards


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

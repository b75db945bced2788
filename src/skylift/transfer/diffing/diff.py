"""The streamed diff: a merge-join of two sorted listings into actions.

Default comparison is size + mtime; where the destination cannot keep the
source's mtime (object stores set it at upload), "same" means equal size and
a destination at least as new as the source. With ``checksum`` the equal-size
pairs become :attr:`Verdict.CHECK` and the executor compares content.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import Enum

from skylift.storage.base import ObjectInfo


class Verdict(Enum):
    """What the diff says about one path."""

    COPY = "copy"
    UPDATE = "update"
    DELETE = "delete"
    SKIP = "skip"
    CHECK = "check"  # equal size; content comparison needed (--checksum)


@dataclass(frozen=True)
class Comparison:
    """How two objects at the same path are compared."""

    checksum: bool = False
    ignore_size: bool = False  # encoded destinations: sizes differ by design
    dst_keeps_mtime: bool = True
    window: float = 0.001  # seconds of mtime difference tolerated

    def same(self, src: ObjectInfo, dst: ObjectInfo) -> Verdict:
        """SKIP, UPDATE or CHECK for a pair present on both sides."""
        if not self.ignore_size and src.size != dst.size:
            return Verdict.UPDATE
        if self.checksum:
            common = src.checksums.keys() & dst.checksums.keys()
            for algo in sorted(common):
                same = src.checksums[algo] == dst.checksums[algo]
                return Verdict.SKIP if same else Verdict.UPDATE
            return Verdict.CHECK
        if src.mtime is None or dst.mtime is None:
            return Verdict.UPDATE if self.ignore_size else Verdict.SKIP
        if self.dst_keeps_mtime:
            ok = abs(src.mtime - dst.mtime) <= self.window
        else:
            ok = dst.mtime >= src.mtime - self.window
        return Verdict.SKIP if ok else Verdict.UPDATE


def diff(
    source: Iterable[ObjectInfo],
    destination: Iterable[ObjectInfo],
    comparison: Comparison,
) -> Iterator[tuple[Verdict, ObjectInfo | None, ObjectInfo | None]]:
    """Merge-join two path-sorted listings; yield ``(verdict, src, dst)`` per path."""
    src_it, dst_it = iter(source), iter(destination)
    s = next(src_it, None)
    d = next(dst_it, None)
    same = comparison.same
    while s is not None or d is not None:
        if d is None or (s is not None and s.path < d.path):
            yield Verdict.COPY, s, None
            s = next(src_it, None)
        elif s is None or d.path < s.path:
            yield Verdict.DELETE, None, d
            d = next(dst_it, None)
        else:
            yield same(s, d), s, d
            s = next(src_it, None)
            d = next(dst_it, None)

"""Key ranges of a table: ``parts`` equal-width slices of ``[lo, hi]``, open at both ends."""

from __future__ import annotations

import math


def equal_width(lo: int, hi: int, parts: int) -> list[tuple[int | None, int | None]]:
    """``(start, stop)`` pairs covering every integer; the first has no start, the last no stop.

    Open ends keep keys written after planning (or below the minimum) inside a range.
    """
    step = max(math.ceil((hi - lo + 1) / max(parts, 1)), 1)
    bounds: list[int | None] = [None, *range(lo + step, hi + 1, step), None]
    return [(bounds[i], bounds[i + 1]) for i in range(len(bounds) - 1)]


def where(column: str, lo: int | None, hi: int | None) -> str:
    """``WHERE column >= lo AND column < hi`` (parts left out when open; empty if both)."""
    conds = []
    if lo is not None:
        conds.append(f"{column} >= {int(lo)}")
    if hi is not None:
        conds.append(f"{column} < {int(hi)}")
    return " WHERE " + " AND ".join(conds) if conds else ""

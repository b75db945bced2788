"""Key ranges of a table, for copying and verifying it in parallel.

Two kinds:

- :func:`equal_width`: ``parts`` equal slices of ``[lo, hi]`` of a one-column
  integer key (copy and verify);
- :func:`pick_bounds` + :func:`spans` + :func:`row_compare`: ranges over any
  primary key, one or several columns of any ordered type, between boundary
  keys sampled from the table in the server's own key order. A range is
  ``lo <= key < hi`` compared as a row value, ``(a, b) >= (x, y)``; the first
  range has no ``lo``, the last no ``hi``, so every key falls in exactly one
  range whatever was inserted after the sample (the server's total order of
  the key makes the ranges a partition).

Also the per-table summary of measured ranges shared by both engines' verify.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from skylift.domain.database import RangeDiff, TableCheck

#: a key value as the driver returns it (PostgreSQL: its text; MySQL: the Python value)
Bound = tuple[object, ...]


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


def pick_bounds(sample: Sequence[Bound], parts: int) -> list[Bound]:
    """Up to ``parts - 1`` boundaries evenly spaced in ``sample`` (sorted in the key's order).

    The result is strictly increasing when the sample is (repeats are dropped),
    so no range is empty by construction; an empty sample gives no boundary.
    """
    n = len(sample)
    if parts <= 1 or n == 0:
        return []
    picked: list[Bound] = []
    for i in range(1, parts):
        b = tuple(sample[min(i * n // parts, n - 1)])
        if not picked or picked[-1] != b:
            picked.append(b)
    return picked


def spans(bounds: Sequence[Bound]) -> list[tuple[Bound | None, Bound | None]]:
    """``(lo, hi)`` between consecutive boundaries, open before the first and after the last."""
    edges: list[Bound | None] = [None, *bounds, None]
    return [(edges[i], edges[i + 1]) for i in range(len(edges) - 1)]


def row_compare(
    columns: Sequence[str], op: str, values: Sequence[str], expand: bool = False
) -> str:
    """SQL for ``(columns) op (values)`` with ``op`` ``>=`` or ``<``; ``values`` are SQL literals.

    With ``expand`` the row comparison is written out lexicographically (``a > x
    OR (a = x AND b >= y)``, led by ``a >= x`` so an index range scan applies)
    for servers whose optimiser uses no index for row values (MariaDB).
    """
    if op not in (">=", "<"):
        raise ValueError(f"op must be >= or <, not {op}")
    if len(columns) == 1:
        return f"{columns[0]} {op} {values[0]}"
    if not expand:
        return f"({', '.join(columns)}) {op} ({', '.join(values)})"
    strict = ">" if op == ">=" else "<"
    sql = f"{columns[-1]} {op} {values[-1]}"
    for col, val in zip(reversed(columns[:-1]), reversed(values[:-1]), strict=True):
        sql = f"{col} {strict} {val} OR ({col} = {val} AND ({sql}))"
    lead = ">=" if op == ">=" else "<="
    return f"{columns[0]} {lead} {values[0]} AND ({sql})"


def span_where(
    columns: Sequence[str],
    lo: Sequence[str] | None,
    hi: Sequence[str] | None,
    expand: bool = False,
) -> str:
    """The condition ``lo <= key < hi`` (bounds as SQL literals; ``""`` for the whole table)."""
    conds = [
        f"({row_compare(columns, op, bound, expand)})"
        for bound, op in ((lo, ">="), (hi, "<"))
        if bound is not None
    ]
    return " AND ".join(conds)


def bound_label(bound: Bound | None, numeric: Sequence[bool] = ()) -> str | None:
    """A boundary key as SQL-like text: ``42``, ``'abc'`` or ``(42, 'abc')``; ``None``: open.

    Numbers are bare, anything else quoted (bytes as hex); ``numeric[i]`` says
    column ``i`` is a number when values come as text (PostgreSQL's).
    """
    if bound is None:
        return None
    parts = [_literal(v, i < len(numeric) and numeric[i]) for i, v in enumerate(bound)]
    return parts[0] if len(parts) == 1 else "(" + ", ".join(parts) + ")"


def _literal(value: object, numeric: bool) -> str:
    if numeric or (isinstance(value, int | float | Decimal) and not isinstance(value, bool)):
        return str(value)
    text = value.hex() if isinstance(value, bytes) else str(value)
    return "'" + text.replace("'", "''") + "'"


@dataclass(frozen=True)
class Measured:
    """One range of one table, measured on both sides: ``(rows, checksum)`` each."""

    table: str
    lo: str | None
    hi: str | None
    source: tuple[int, int]
    target: tuple[int, int]


def table_checks(measured: Sequence[Measured], checksum: bool) -> tuple[TableCheck, ...]:
    """Per table (sorted by name): totals, number of ranges, the ranges that differ."""
    by_table: dict[str, list[Measured]] = {}
    for m in measured:
        by_table.setdefault(m.table, []).append(m)
    return tuple(
        TableCheck(
            table=table,
            source_rows=sum(m.source[0] for m in items),
            target_rows=sum(m.target[0] for m in items),
            ranges=len(items),
            checksum=checksum,
            differing=tuple(
                RangeDiff(lo=m.lo, hi=m.hi, source_rows=m.source[0], target_rows=m.target[0])
                for m in items
                if m.source != m.target
            ),
        )
        for table, items in sorted(by_table.items())
    )

"""Confidence rating: 1–5 stars from the share of expected data points present.

Bands (Azure Migrate): 0–20 % → 1★, 21–40 % → 2★, 41–60 % → 3★,
61–80 % → 4★, 81–100 % → 5★. Below ``confidence_warn_pct`` (default 80 %,
``assess.confidence_warn_pct`` in skylift.yaml) the assessment warns and
suggests collecting longer or sizing as-is. Summary-only imports get no rating.
"""

from __future__ import annotations

import polars as pl

_BANDS = (20.0, 40.0, 60.0, 80.0)


def stars(coverage_pct: float | None) -> int | None:
    """Stars for a coverage percentage (None stays None)."""
    if coverage_pct is None:
        return None
    for i, upper in enumerate(_BANDS):
        if coverage_pct <= upper:
            return i + 1
    return 5


def stars_expr(coverage: pl.Expr) -> pl.Expr:
    """Vectorised :func:`stars` (null coverage → null stars)."""
    return (
        pl.when(coverage.is_null())
        .then(None)
        .when(coverage <= _BANDS[0])
        .then(1)
        .when(coverage <= _BANDS[1])
        .then(2)
        .when(coverage <= _BANDS[2])
        .then(3)
        .when(coverage <= _BANDS[3])
        .then(4)
        .otherwise(5)
        .cast(pl.Int8)
    )


def coverage_expr(groups: list[tuple[str, ...]]) -> pl.Expr:
    """Share (0–100) of expected points present, averaged over metric ``groups``.

    Each group is a tuple of ``<name>_points`` columns; a group's count is the
    largest of its columns (memory counts once whether as % or MiB).
    """
    if not groups:
        return pl.lit(None, dtype=pl.Float64)
    parts = [
        pl.min_horizontal(
            pl.max_horizontal([pl.col(c).fill_null(0) for c in g]) / pl.col("expected_points"),
            pl.lit(1.0),
        )
        for g in groups
    ]
    return (pl.sum_horizontal(parts) / len(groups) * 100.0).round(1)

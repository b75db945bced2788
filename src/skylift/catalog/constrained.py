"""Azure constrained-vCPU sizes: the workload gets the active vCPUs, Azure bills the parent.

``Standard_E8-4as_v5`` is an E8as_v5 (8 vCPUs, its memory and its price) with
4 vCPUs active; ``Standard_HB120-16rs_v2`` has 16 of 120. Sizing must compare
demand with the active count (the number after the dash).
"""

from __future__ import annotations

import re

import polars as pl

#: ``Standard_<series><parent vCPUs>-<active vCPUs><rest>``
CONSTRAINED = re.compile(r"^Standard_([A-Z]+)(\d+)-(\d+)(.*)$")
_NAME = r"^Standard_[A-Z]+(\d+)-(\d+)"


def active_vcpus(instance_type: str) -> int | None:
    """Active vCPUs of a constrained size (``Standard_E8-4as_v5`` → 4), else ``None``."""
    m = CONSTRAINED.match(instance_type)
    return int(m.group(3)) if m else None


def constrained_vcpus(df: pl.DataFrame) -> pl.DataFrame:
    """``vcpus`` = active vCPUs and ``vcpus_parent`` set for every constrained row of ``df``.

    Rows already in that form are unchanged; a row whose ``vcpus`` is the
    parent's count (older snapshots) gets the active count, and
    ``vcpus_parent`` falls back to the number in the name.
    """
    active = pl.col("instance_type").str.extract(_NAME, 2).cast(pl.Float64)
    parent = pl.col("instance_type").str.extract(_NAME, 1).cast(pl.Float64)
    return df.with_columns(
        pl.when(active.is_not_null())
        .then(pl.coalesce(pl.col("vcpus_parent"), parent))
        .otherwise(pl.col("vcpus_parent"))
        .alias("vcpus_parent"),
        pl.coalesce(active, pl.col("vcpus")).alias("vcpus"),
    )

"""State-store tables of ``skylift optimize`` runs (migrations 0006, 0007).

One row per run: the Prometheus URL (without credentials), the window, how
many VMs and containers were seen, and the whole result as JSON for the report.
``optimization_series``: per run and workload (``vm``: server key;
``container``: namespace/container) its usage over time
(:mod:`skylift.optimize.series`: float16 + zlib, at most 168 buckets) and a
ranking score (worst first), so the report loads the top few and the dashboard one.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
)

from skylift.workspace.tables import metadata

optimizations = Table(
    "optimizations",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
    Column("prometheus", Text, nullable=False),
    Column("window_days", Float, nullable=False),
    Column("vms", Integer, nullable=False),
    Column("containers", Integer, nullable=False),
    Column("result", JSON, nullable=False),
)

optimization_series = Table(
    "optimization_series",
    metadata,
    Column(
        "run_id", String(32), ForeignKey("optimizations.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("kind", String(16), primary_key=True),
    Column("key", Text, primary_key=True),
    Column("score", Float, nullable=False),
    Column("start", Float, nullable=False),
    Column("bucket_s", Integer, nullable=False),
    Column("points", Integer, nullable=False),
    Column("data", LargeBinary, nullable=False),
)
Index(
    "ix_optimization_series_rank",
    optimization_series.c.run_id,
    optimization_series.c.kind,
    optimization_series.c.score,
)

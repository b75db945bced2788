"""State-store table of ``skylift optimize`` runs (migration 0006).

One row per run: the Prometheus URL (without credentials), the window, how
many VMs and containers were seen, and the whole result as JSON for the report.
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, DateTime, Float, Integer, String, Table, Text

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

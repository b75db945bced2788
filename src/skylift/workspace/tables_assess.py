"""State-store table of stored assessment runs (migration 0002).

The bulk results live beside the store as Parquet (``.skylift/assessments/``);
this table records each run, its settings and its summary.
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, DateTime, Integer, Table, Text

from skylift.workspace.tables import metadata

assessment_runs = Table(
    "assessment_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("settings_yaml", Text, nullable=False),
    Column("summary", JSON, nullable=False),
    Column("applications", JSON, nullable=False),
    Column("servers", Integer, nullable=False),
    Column("results_path", Text, nullable=False),
)

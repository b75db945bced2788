"""State-store tables of migration tracking (migration 0003).

``tracking_runs`` holds each transfer / verify run with its live counters
(updated about once a second while it runs), ``tracking_samples`` the run's
throughput over time, and ``tracking_events`` every change of a server's
migration state (the latest event of a server is its state).
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, DateTime, Float, ForeignKey, Integer, String, Table, Text

from skylift.workspace.tables import metadata

tracking_runs = Table(
    "tracking_runs",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("source", Text, nullable=False),
    Column("destination", Text, nullable=False),
    Column("servers", JSON, nullable=False),
    Column("wave", Integer),
    Column("state", String(16), nullable=False),
    Column("reason", Text, nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("objects_total", Integer, nullable=False),
    Column("objects_done", Integer, nullable=False),
    Column("bytes_total", Integer, nullable=False),
    Column("bytes_done", Integer, nullable=False),
    Column("failed", Integer, nullable=False),
    Column("rate_bps", Float, nullable=False),
    # the process that runs it (migration 0008): a run killed outright is told apart
    Column("pid", Integer),
    Column("pid_start", String(64)),
    Column("host", String(255)),
)

tracking_samples = Table(
    "tracking_samples",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "run_id",
        String(32),
        ForeignKey("tracking_runs.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("bytes_done", Integer, nullable=False),
    Column("rate_bps", Float, nullable=False),
)

tracking_events = Table(
    "tracking_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("server", String(255), nullable=False, index=True),
    Column("state", String(16), nullable=False),
    Column("reason", Text, nullable=False),
    Column("origin", String(32), nullable=False),
    Column("run_id", String(32)),
    Column("detail", JSON, nullable=False),
)

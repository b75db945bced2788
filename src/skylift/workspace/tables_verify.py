"""State-store table of service verification (migration 0004).

``service_verifications`` holds one row per ``skylift verify service`` run: the
endpoints (without credentials), the servers it proves, the verdict per area
and the whole result as JSON (checks, load statistics, findings) for the report.
"""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, DateTime, Float, Integer, String, Table, Text

from skylift.workspace.tables import metadata

service_verifications = Table(
    "service_verifications",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("started_at", DateTime(timezone=True), nullable=False, index=True),
    Column("source", Text, nullable=False),
    Column("target", Text, nullable=False),
    Column("servers", JSON, nullable=False),
    Column("passed", Boolean, nullable=False),
    Column("functional_passed", Boolean, nullable=False),
    Column("performance_passed", Boolean, nullable=False),
    Column("security_passed", Boolean, nullable=False),
    Column("checks", Integer, nullable=False),
    Column("checks_failed", Integer, nullable=False),
    Column("findings", Integer, nullable=False),
    Column("elapsed_s", Float, nullable=False),
    Column("result", JSON, nullable=False),
)

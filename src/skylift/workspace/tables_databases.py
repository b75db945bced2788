"""State-store table of discovered database servers (migration 0005, issue #20).

One row per database server (``engine://host:port``): the inventory server
that hosts it (when one matched), engine and version, total size, and the
whole :class:`skylift.domain.database.DatabaseInventory` as JSON (names,
sizes and settings only; never a password).
"""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Column, DateTime, String, Table, Text

from skylift.workspace.tables import metadata

databases = Table(
    "databases",
    metadata,
    Column("key", String(255), primary_key=True),
    Column("server_key", String(255), index=True),
    Column("engine", String(32), nullable=False),
    Column("version", Text, nullable=False),
    Column("size_bytes", BigInteger, nullable=False),
    Column("discovered_at", DateTime(timezone=True), nullable=False),
    Column("inventory", JSON, nullable=False),
)

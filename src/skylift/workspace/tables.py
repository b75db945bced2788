"""State-store schema (SQLAlchemy Core). Changes go through an Alembic migration."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

import_runs = Table(
    "import_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("format", String(32), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True), nullable=False),
    Column("rows_read", Integer, nullable=False),
    Column("rows_skipped", Integer, nullable=False),
    Column("servers_created", Integer, nullable=False),
    Column("servers_updated", Integer, nullable=False),
    Column("dependencies", Integer, nullable=False),
    Column("series_rows", Integer, nullable=False),
    Column("warnings", JSON, nullable=False),
)

import_files = Table(
    "import_files",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", Integer, ForeignKey("import_runs.id", ondelete="CASCADE"), nullable=False),
    Column("path", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("size_bytes", Integer, nullable=False),
)

servers = Table(
    "servers",
    metadata,
    Column("key", String(255), primary_key=True),
    Column("name", String(255), nullable=False, index=True),
    Column("source", String(32), nullable=False),
    Column("power_state", String(16), nullable=False),
    Column("os_name", Text),
    Column("os_family", String(16), nullable=False),
    Column("os_version", Text),
    Column("arch", String(16), nullable=False),
    Column("boot_type", String(16), nullable=False),
    Column("cores", Integer),
    Column("sockets", Integer),
    Column("cpu_mhz", Float),
    Column("memory_mib", Float),
    Column("gpus", Integer, nullable=False),
    Column("fqdn", Text),
    Column("ip_addresses", JSON, nullable=False),
    Column("datacenter", Text),
    Column("cluster", Text),
    Column("host", Text),
    Column("application", String(255), index=True),
    Column("environment", String(16), nullable=False),
    Column("criticality", String(32)),
    Column("cpu_util_pct", Float),
    Column("mem_util_pct", Float),
    Column("net_in_mbps", Float),
    Column("net_out_mbps", Float),
    Column("tags", JSON, nullable=False),
    Column("first_run_id", Integer, nullable=False),
    Column("last_run_id", Integer, nullable=False),
)

disks = Table(
    "disks",
    metadata,
    Column(
        "server_key", String(255), ForeignKey("servers.key", ondelete="CASCADE"), primary_key=True
    ),
    Column("name", String(255), primary_key=True),
    Column("size_gib", Float, nullable=False),
    Column("used_gib", Float),
    Column("thin", Boolean),
    Column("read_iops", Float),
    Column("write_iops", Float),
    Column("read_mbps", Float),
    Column("write_mbps", Float),
)

nics = Table(
    "nics",
    metadata,
    Column(
        "server_key", String(255), ForeignKey("servers.key", ondelete="CASCADE"), primary_key=True
    ),
    Column("name", String(255), primary_key=True),
    Column("mac", String(64)),
    Column("network", Text),
    Column("ipv4", JSON, nullable=False),
    Column("ipv6", JSON, nullable=False),
    Column("connected", Boolean),
)

services = Table(
    "services",
    metadata,
    Column(
        "server_key", String(255), ForeignKey("servers.key", ondelete="CASCADE"), primary_key=True
    ),
    Column("port", Integer, primary_key=True),
    Column("protocol", String(8), primary_key=True),
    Column("process", Text),
    Column("address", String(64)),
)

applications = Table(
    "applications",
    metadata,
    Column("name", String(255), primary_key=True),
    Column("environment", String(16)),
    Column("criticality", String(32)),
)

dependencies = Table(
    "dependencies",
    metadata,
    Column("dep_key", String(600), primary_key=True),
    Column("source_key", String(255), nullable=False, index=True),
    Column("target_key", String(255), index=True),
    Column("target_ip", String(64)),
    Column("port", Integer, nullable=False),
    Column("protocol", String(8), nullable=False),
    Column("source_process", Text),
    Column("target_process", Text),
    Column("source_application", Text),
    Column("target_application", Text),
    Column("strength", Integer, nullable=False),
    Column("last_run_id", Integer, nullable=False),
)

series_files = Table(
    "series_files",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", Integer, ForeignKey("import_runs.id", ondelete="CASCADE"), nullable=False),
    Column("source_sha256", String(64), nullable=False, index=True),
    Column("path", Text, nullable=False),
    Column("rows", Integer, nullable=False),
    Column("servers", Integer, nullable=False),
    Column("first_ts", DateTime(timezone=True)),
    Column("last_ts", DateTime(timezone=True)),
    Column("metrics", JSON, nullable=False),
    Column("active", Boolean, nullable=False, default=True),
)

series_servers = Table(
    "series_servers",
    metadata,
    Column("server_key", String(255), primary_key=True),
    Column("samples", Integer, nullable=False),
)

Index("ix_dependencies_pair", dependencies.c.source_key, dependencies.c.target_key)

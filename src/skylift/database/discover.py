"""Discover a database server from its URL (engine chosen by the URL's scheme)."""

from __future__ import annotations

from skylift.database.url import DbUrl
from skylift.domain.database import DatabaseInventory, DbEngine


def discover_database(url: DbUrl) -> DatabaseInventory:
    """Engine, version, databases, tables, indexes, extensions, replication settings, roles."""
    if url.engine is DbEngine.POSTGRESQL:
        from skylift.database.postgres.discover import discover_postgres

        return discover_postgres(url)
    from skylift.database.mysql.discover import discover_mysql

    return discover_mysql(url)

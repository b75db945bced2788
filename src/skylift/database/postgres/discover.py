"""What a PostgreSQL server holds, read from its catalogs (no table is scanned)."""

from __future__ import annotations

from typing import Any

from skylift.database.connect import pg_connect
from skylift.database.url import DbUrl
from skylift.domain.database import (
    DatabaseInventory,
    DbDatabase,
    DbEngine,
    DbIndex,
    DbSequence,
    DbTable,
)

_SYSTEM = (
    "n.nspname NOT IN ('pg_catalog', 'information_schema', '_skylift') AND n.nspname !~ '^pg_'"
)

TABLES_SQL = f"""
SELECT n.nspname, c.relname, c.reltuples::bigint, pg_table_size(c.oid), pg_indexes_size(c.oid),
       coalesce((SELECT array_agg(a.attname ORDER BY k.ord)
                   FROM pg_index i
                   CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
                   JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                  WHERE i.indrelid = c.oid AND i.indisprimary), '{{}}')
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND {_SYSTEM}
 ORDER BY 1, 2"""

_INDEXES = f"""
SELECT n.nspname, t.relname, c.relname, i.indisunique, i.indisprimary
  FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid
  JOIN pg_namespace n ON n.oid = t.relnamespace
 WHERE {_SYSTEM} ORDER BY 1, 2, 3"""

_SEQUENCES = """
SELECT schemaname, sequencename, last_value FROM pg_sequences
 WHERE schemaname NOT IN ('pg_catalog', 'information_schema', '_skylift') ORDER BY 1, 2"""

_SCHEMAS = f"SELECT n.nspname FROM pg_namespace n WHERE {_SYSTEM} ORDER BY 1"
_EXTENSIONS = "SELECT extname || ' ' || extversion FROM pg_extension ORDER BY extname"
_SETTINGS = """
SELECT name, setting FROM pg_settings
 WHERE name IN ('wal_level', 'max_replication_slots', 'max_wal_senders', 'max_worker_processes',
                'max_logical_replication_workers', 'server_encoding', 'lc_collate')"""


def discover_postgres(url: DbUrl) -> DatabaseInventory:
    """Engine and version, every database the user may connect to, roles by name."""
    with pg_connect(url) as conn:
        version = str(_one(conn, "SHOW server_version")).split()[0]
        num = int(_one(conn, "SHOW server_version_num"))
        names = [
            r[0]
            for r in conn.execute(
                "SELECT datname FROM pg_database WHERE datallowconn AND NOT datistemplate"
                " AND has_database_privilege(datname, 'CONNECT') ORDER BY 1"
            )
        ]
        replication = {str(k): str(v) for k, v in conn.execute(_SETTINGS)}
        roles = tuple(
            r[0]
            for r in conn.execute("SELECT rolname FROM pg_roles WHERE rolname !~ '^pg_' ORDER BY 1")
        )
    warnings: list[str] = []
    databases = []
    for name in names:
        try:
            databases.append(discover_pg_database(url.with_database(name)))
        except Exception as exc:
            warnings.append(f"database {name}: not read ({type(exc).__name__})")
    return DatabaseInventory(
        key=url.server_key,
        engine=DbEngine.POSTGRESQL,
        flavor="postgresql",
        version=version,
        major=str(num // 10000),
        url=url.with_database("postgres").display(),
        host=url.host,
        port=url.port,
        databases=tuple(databases),
        replication=replication,
        roles=roles,
        warnings=tuple(warnings),
    )


def discover_pg_database(url: DbUrl) -> DbDatabase:
    """Schemas, tables (estimated rows, sizes, primary key), indexes, sequences, extensions."""
    with pg_connect(url) as conn:
        size = int(_one(conn, "SELECT pg_database_size(current_database())"))
        tables = tuple(
            DbTable(
                schema_name=s,
                name=t,
                rows_estimate=max(int(rows), -1),
                table_bytes=int(tb),
                index_bytes=int(ib),
                primary_key=tuple(pk),
            )
            for s, t, rows, tb, ib, pk in conn.execute(TABLES_SQL)
        )
        indexes = tuple(
            DbIndex(schema_name=s, table=t, name=n, unique=u, primary=p)
            for s, t, n, u, p in conn.execute(_INDEXES)
        )
        sequences = tuple(
            DbSequence(schema_name=s, name=n, last_value=v) for s, n, v in conn.execute(_SEQUENCES)
        )
        return DbDatabase(
            name=url.database,
            size_bytes=size,
            schemas=tuple(r[0] for r in conn.execute(_SCHEMAS)),
            tables=tables,
            indexes=indexes,
            sequences=sequences,
            extensions=tuple(r[0] for r in conn.execute(_EXTENSIONS)),
            large_objects=int(_one(conn, "SELECT count(*) FROM pg_largeobject_metadata")),
        )


def _one(conn: Any, sql: str) -> Any:
    row = conn.execute(sql).fetchone()
    return None if row is None else row[0]

"""What a MySQL or MariaDB server holds, from ``information_schema`` (no table is scanned).

For MySQL the "extensions" are the storage engines the tables use (``engine
MyISAM`` matters to managed targets); sequences are the tables'
``AUTO_INCREMENT`` counters.
"""

from __future__ import annotations

from typing import Any

from skylift.database.connect import my_connect
from skylift.database.mysql.tables import primary_keys
from skylift.database.url import DbUrl
from skylift.domain.database import (
    DatabaseInventory,
    DbDatabase,
    DbEngine,
    DbIndex,
    DbSequence,
    DbTable,
)

SYSTEM_SCHEMAS = ("mysql", "information_schema", "performance_schema", "sys")
_NOT_SYSTEM = "NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys')"

_SETTINGS = (
    "log_bin",
    "binlog_format",
    "binlog_row_image",
    "server_id",
    "gtid_mode",
    "gtid_strict_mode",
    "lower_case_table_names",
    "character_set_server",
)


def discover_mysql(url: DbUrl) -> DatabaseInventory:
    """Engine, flavour and version, every user schema, replication settings, user names."""
    conn = my_connect(url, database="")
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT VERSION()")
            version_text = str(cur.fetchone()[0])
            replication = {}
            for name in _SETTINGS:
                cur.execute("SHOW GLOBAL VARIABLES LIKE %s", (name,))
                row = cur.fetchone()
                if row is not None:
                    replication[name] = str(row[1])
            cur.execute(
                "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA"
                f" WHERE SCHEMA_NAME {_NOT_SYSTEM} ORDER BY 1"
            )
            names = [str(r[0]) for r in cur.fetchall()]
            try:
                cur.execute("SELECT DISTINCT User FROM mysql.user WHERE User <> '' ORDER BY 1")
                roles = tuple(str(r[0]) for r in cur.fetchall())
            except Exception:
                roles = ()
            databases = tuple(_database(cur, name) for name in names)
    finally:
        conn.close()
    flavor = "mariadb" if "mariadb" in version_text.lower() else "mysql"
    version = version_text.split("-", maxsplit=1)[0]
    return DatabaseInventory(
        key=url.server_key,
        engine=DbEngine.MYSQL,
        flavor=flavor,
        version=version,
        major=".".join(version.split(".")[:2]),
        url=url.with_database("").display(),
        host=url.host,
        port=url.port,
        databases=databases,
        replication=replication,
        roles=roles,
    )


def _database(cur: Any, name: str) -> DbDatabase:
    cur.execute(
        "SELECT TABLE_NAME, COALESCE(TABLE_ROWS, 0), COALESCE(DATA_LENGTH, 0),"
        " COALESCE(INDEX_LENGTH, 0), AUTO_INCREMENT, ENGINE FROM information_schema.TABLES"
        " WHERE TABLE_SCHEMA = %s AND TABLE_TYPE = 'BASE TABLE' ORDER BY 1",
        (name,),
    )
    rows = cur.fetchall()
    pks = {t: [c for c, _ in key] for t, key in primary_keys(cur, name).items()}
    cur.execute(
        "SELECT DISTINCT TABLE_NAME, INDEX_NAME, NON_UNIQUE FROM information_schema.STATISTICS"
        " WHERE TABLE_SCHEMA = %s ORDER BY 1, 2",
        (name,),
    )
    indexes = tuple(
        DbIndex(schema_name=name, table=t, name=i, unique=not int(nu), primary=i == "PRIMARY")
        for t, i, nu in cur.fetchall()
    )
    tables = tuple(
        DbTable(
            schema_name=name,
            name=str(t),
            rows_estimate=int(n),
            table_bytes=int(d),
            index_bytes=int(i),
            primary_key=tuple(pks.get(str(t), ())),
        )
        for t, n, d, i, _ai, _eng in rows
    )
    return DbDatabase(
        name=name,
        size_bytes=sum(t.table_bytes + t.index_bytes for t in tables),
        schemas=(name,),
        tables=tables,
        indexes=indexes,
        sequences=tuple(
            DbSequence(schema_name=name, name=str(t), last_value=int(ai))
            for t, _n, _d, _i, ai, _eng in rows
            if ai is not None
        ),
        extensions=tuple(sorted({f"engine {eng}" for *_x, eng in rows if eng})),
    )

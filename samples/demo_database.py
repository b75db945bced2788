"""The database part of `make demo`: local PostgreSQL and MariaDB pairs and the Chinook database.

The sample estate's database is Chinook (tests/fixtures/database/chinook, MIT):
the demo starts a "source" and a "target" PostgreSQL 15 on 127.0.0.1, loads
Chinook into the source, and runs the real commands a user would type:
discover, assess, copy, verify. Then the MariaDB edition of Chinook moves
online: copy with binlog replication, lag, cutover, verify. Passwords go
through the environment only (each MariaDB server has its PostgreSQL
counterpart's password, so one environment serves both). All servers are
stopped and removed at the end, whatever happens.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from skylift.database.testing.servers import MariaDBServer, PostgresServer

ROOT = Path(__file__).resolve().parent.parent
CHINOOK = ROOT / "tests" / "fixtures" / "database" / "chinook" / "Chinook_PostgreSql.sql"
CHINOOK_MY = CHINOOK.with_name("Chinook_MySql.sql")


@contextlib.contextmanager
def database_steps() -> Iterator[tuple[list[tuple[str, list[str]]], dict[str, str]]]:
    """Start the two servers; yield the demo steps and the environment they need."""
    source, target = PostgresServer(), PostgresServer()
    my_source = MariaDBServer(password=source.password, server_id=1)
    my_target = MariaDBServer(password=target.password, server_id=2)
    try:
        with ThreadPoolExecutor(4) as pool:  # initialising is mostly waiting
            for started in [pool.submit(x.start) for x in (source, target, my_source, my_target)]:
                started.result()
        source.psql_file(CHINOOK)
        my_source.sql_file(CHINOOK_MY)
        src, dst = source.url("chinook"), target.url("chinook")
        msrc, mdst = my_source.url("Chinook"), my_target.url("Chinook")
        env = {
            "SKYLIFT_SOURCE_PASSWORD": source.password,
            "SKYLIFT_TARGET_PASSWORD": target.password,
        }
        steps = [
            (
                "discover: the estate's database (Chinook on PostgreSQL 15, host prd-pg01)",
                ["discover", "db", src, "--server", "prd-pg01"],
            ),
            ("db assess: managed targets, cheapest tier, 7R", ["db", "assess"]),
            ("db copy: schema, parallel COPY, indexes, sequences", ["db", "copy", src, dst]),
            (
                "db verify: counts and in-database checksums",
                ["db", "verify", src, dst, "--checksum"],
            ),
            (
                "db copy --online: Chinook on MariaDB, then the target replicates the binlog",
                ["db", "copy", msrc, mdst, "--online"],
            ),
            ("db status: the online copy's replication lag", ["db", "status", msrc, mdst]),
            (
                "db cutover: lag 0, replica stopped, AUTO_INCREMENT set, counts verified",
                ["db", "cutover", msrc, mdst],
            ),
            ("db verify: the MariaDB copy, checksums", ["db", "verify", msrc, mdst, "--checksum"]),
        ]
        yield steps, env
    finally:
        for server in (source, target, my_source, my_target):
            server.remove()

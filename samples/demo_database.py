"""The database part of `make demo`: two local PostgreSQL servers and the Chinook database.

The sample estate's database is Chinook (tests/fixtures/database/chinook, MIT):
the demo starts a "source" and a "target" PostgreSQL 15 on 127.0.0.1, loads
Chinook into the source, and runs the real commands a user would type:
discover, assess, copy, verify. Passwords go through the environment only.
Both servers are stopped and removed at the end, whatever happens.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from skylift.database.testing.servers import PostgresServer

ROOT = Path(__file__).resolve().parent.parent
CHINOOK = ROOT / "tests" / "fixtures" / "database" / "chinook" / "Chinook_PostgreSql.sql"


@contextlib.contextmanager
def database_steps() -> Iterator[tuple[list[tuple[str, list[str]]], dict[str, str]]]:
    """Start the two servers; yield the demo steps and the environment they need."""
    source, target = PostgresServer(), PostgresServer()
    try:
        source.start()
        target.start()
        source.psql_file(CHINOOK)
        src, dst = source.url("chinook"), target.url("chinook")
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
        ]
        yield steps, env
    finally:
        source.remove()
        target.remove()

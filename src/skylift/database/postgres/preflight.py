"""Checks before any row moves: extensions, versions, an empty target, online prerequisites.

Every problem found is reported at once in one :class:`TransferError`
(message: the first problem and how many more; hint: what to do), and nothing
has been written to the target when it is raised.
"""

from __future__ import annotations

from typing import Any

from skylift.database.connect import quote_ident
from skylift.database.postgres.chunks import SourceTable
from skylift.database.url import DbUrl
from skylift.errors import TransferError

_USER_TABLES = """
SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema', '_skylift')
   AND n.nspname !~ '^pg_'"""


def missing_extensions(src: Any, dst: Any) -> list[str]:
    """Extensions installed on the source that the target cannot create (``name version``)."""
    have = {r[0] for r in dst.execute("SELECT name FROM pg_available_extensions")}
    return [
        f"{name} {version}"
        for name, version in src.execute("SELECT extname, extversion FROM pg_extension")
        if name not in have
    ]


def check_extensions(src: Any, dst: Any, target: DbUrl) -> None:
    """Raise before any data moves when the target lacks an extension of the source."""
    missing = missing_extensions(src, dst)
    if missing:
        raise TransferError(
            f"the target {target.display()} cannot create extension"
            f"{'s' if len(missing) > 1 else ''} {', '.join(sorted(missing))} "
            "used by the source; nothing was copied",
            "install the extension on the target server (or enable it in the managed "
            "service's allow-list), or drop it from the source, then re-run",
        )


def check_versions(src: Any, dst: Any, target: DbUrl) -> None:
    """The target must not be an older major version than the source."""
    s = int(src.execute("SHOW server_version_num").fetchone()[0]) // 10000
    d = int(dst.execute("SHOW server_version_num").fetchone()[0]) // 10000
    if d < s:
        raise TransferError(
            f"the target {target.display()} runs PostgreSQL {d}, older than the source's {s}",
            "copy to a server of the same or a newer major version",
        )


def check_empty(dst: Any, target: DbUrl) -> None:
    """A fresh copy goes into a database without user tables (a journal means resume)."""
    count = int(dst.execute(_USER_TABLES).fetchone()[0])
    if count:
        raise TransferError(
            f"the target database {target.display()} already has {count} tables and no "
            "skylift copy journal; nothing was copied",
            "copy into an empty (or new) database; skylift creates it when it does not exist",
        )


def check_online(src: Any, tables: list[SourceTable], source: DbUrl) -> None:
    """Logical replication needs wal_level=logical and a replica identity on every table."""
    problems = []
    level = str(src.execute("SHOW wal_level").fetchone()[0])
    if level != "logical":
        problems.append(f"wal_level is {level!r}, online copy needs 'logical'")
    no_key = [t.label for t in tables if not t.has_pk and t.replica_identity not in ("f", "i")]
    if no_key:
        problems.append(
            f"{len(no_key)} table(s) without primary key or replica identity: "
            + ", ".join(no_key[:5])
            + (" …" if len(no_key) > 5 else "")
        )
    if problems:
        hint = []
        if level != "logical":
            hint.append("set wal_level = logical on the source and restart it")
        if no_key:
            t = no_key[0].split(".", 1)
            hint.append(
                "give each table a primary key, or run "
                f"ALTER TABLE {quote_ident(t[0])}.{quote_ident(t[-1])} REPLICA IDENTITY FULL "
                "(updates and deletes on it would otherwise fail on the source once published)"
            )
        raise TransferError(
            f"online copy from {source.display()} is not possible: " + "; ".join(problems),
            "; ".join(hint) + "; or copy offline (without --online)",
        )


def ensure_database(target: DbUrl, connect: Any) -> bool:
    """Create the target database when missing (connecting to ``postgres``); True if created."""
    with connect(target.with_database("postgres")) as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (target.database,))
        if row.fetchone() is not None:
            return False
        conn.execute(f"CREATE DATABASE {quote_ident(target.database)}")
        return True


def ensure_roles(src: Any, dst: Any) -> list[str]:
    """Create (NOLOGIN, no password) the roles of the source that the target lacks.

    Owners and grants of the restored objects need the roles to exist. Only
    names are copied; passwords and memberships are for the operator to set.
    """
    have = {r[0] for r in dst.execute("SELECT rolname FROM pg_roles")}
    created = []
    for (name,) in src.execute(
        "SELECT rolname FROM pg_roles WHERE rolname !~ '^pg_' AND rolname <> current_user"
        " ORDER BY 1"
    ):
        if name not in have:
            dst.execute(f"CREATE ROLE {quote_ident(name)} NOLOGIN")
            created.append(str(name))
    return created

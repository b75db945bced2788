"""Database migration from the workspace: discover, assess, copy, cut over, verify.

What ``skylift discover db`` and ``skylift db …`` call. Discovery is stored in
the state store (table ``databases``, linked to the inventory server hosting
it); copy, cutover and verify need no workspace: they take two URLs whose
passwords come from the environment or a password file
(:mod:`skylift.database.url`), and return typed results.
"""

from __future__ import annotations

import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from skylift.domain.database import (
    NULL_EVENTS,
    CopyEvents,
    CopyResult,
    CutoverResult,
    DatabaseInventory,
    DbAssessment,
    DbCopyOptions,
    ReplicationState,
    VerifyResult,
)
from skylift.errors import InputError

if TYPE_CHECKING:
    from skylift.database.url import DbUrl
    from skylift.workspace.core import Workspace

_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def discover_db(
    ws: Workspace, url: str, password_file: Path | None = None, server: str | None = None
) -> DatabaseInventory:
    """Read ``url``'s server and store it, linked to its host server (``server`` or by host)."""
    from sqlalchemy import delete, insert

    from skylift.database.discover import discover_database
    from skylift.database.url import parse_url
    from skylift.workspace.tables_databases import databases

    parsed = parse_url(url, "source", password_file=password_file)
    found = discover_database(parsed)
    index = ws.store.server_index()
    if server is not None:
        host_key = index.lookup(server)
        if host_key is None:
            raise InputError(
                f"--server {server}: no such server in the inventory",
                "run 'skylift inventory' to see the servers, or leave --server out",
            )
    else:
        host_key = index.lookup(parsed.host)
        if host_key is None and parsed.host in _LOOPBACK:
            host_key = index.lookup(socket.gethostname())
    inv = found.model_copy(update={"server_key": host_key})
    with ws.store.engine.begin() as conn:
        conn.execute(delete(databases).where(databases.c.key == inv.key))
        conn.execute(
            insert(databases).values(
                key=inv.key,
                server_key=host_key,
                engine=inv.engine.value,
                version=inv.version,
                size_bytes=inv.size_bytes,
                discovered_at=datetime.now(UTC),
                inventory=inv.model_dump(mode="json"),
            )
        )
    return inv


def stored_databases(ws: Workspace) -> list[DatabaseInventory]:
    """Every discovered database server, by key."""
    from sqlalchemy import select

    from skylift.workspace.tables_databases import databases

    with ws.store.engine.connect() as conn:
        rows = conn.execute(select(databases.c.inventory).order_by(databases.c.key)).all()
    return [DatabaseInventory.model_validate(r[0]) for r in rows]


def assess_databases(ws: Workspace, key: str | None = None) -> list[DbAssessment]:
    """Readiness per managed target and the 7R choice for the discovered databases."""
    from skylift.database.assess import assess_database

    found = [d for d in stored_databases(ws) if key is None or d.key == key]
    if not found:
        raise InputError(
            f"no discovered database{' ' + key if key else 's'} in this workspace",
            "run: skylift discover db postgresql://user@host:5432/db",
        )
    servers = {s.key: s for s in ws.servers()}
    return [assess_database(d, servers.get(d.server_key or "")) for d in found]


def _endpoints(source: str, target: str, password_file: Path | None) -> tuple[DbUrl, DbUrl]:
    """Both URLs parsed, each password from its environment variable or the file."""
    from skylift.database.url import parse_url

    return (
        parse_url(source, "source", password_file=password_file),
        parse_url(target, "target", password_file=password_file),
    )


def copy_db(
    source: str,
    target: str,
    options: DbCopyOptions,
    password_file: Path | None = None,
    events: CopyEvents = NULL_EVENTS,
    replication_user: str | None = None,
) -> CopyResult:
    """``skylift db copy``: parse both URLs (passwords from env/file), copy.

    ``replication_user``: the source account a MySQL target replicates with
    (password from ``SKYLIFT_REPLICATION_PASSWORD`` or the password file).
    """
    from urllib.parse import quote

    from skylift.database.copy import copy_database
    from skylift.database.url import parse_url

    src, dst = _endpoints(source, target, password_file)
    replica = None
    if replication_user:
        text = f"{src.engine.value}://{quote(replication_user, safe='')}@{src.host}:{src.port}/"
        replica = parse_url(text + quote(src.database), "replication", password_file=password_file)
    return copy_database(src, dst, options, events, replica)


def cutover_db(
    source: str,
    target: str,
    timeout: float,
    password_file: Path | None = None,
    events: CopyEvents = NULL_EVENTS,
) -> CutoverResult:
    """``skylift db cutover``: wait for lag 0, set sequences, remove replication."""
    from skylift.database.copy import cutover_database

    src, dst = _endpoints(source, target, password_file)
    return cutover_database(src, dst, timeout, events)


def status_db(source: str, target: str, password_file: Path | None = None) -> ReplicationState:
    """``skylift db status``: an online copy's replication and lag."""
    from skylift.database.copy import replication_state

    src, dst = _endpoints(source, target, password_file)
    return replication_state(src, dst)


def verify_db(
    source: str,
    target: str,
    checksum: bool,
    jobs: int = 4,
    password_file: Path | None = None,
    range_rows: int = 1_000_000,
) -> VerifyResult:
    """``skylift db verify``: counts, checksums per key range, schema objects."""
    from skylift.database.copy import verify_database

    src, dst = _endpoints(source, target, password_file)
    return verify_database(src, dst, checksum, jobs, range_rows)

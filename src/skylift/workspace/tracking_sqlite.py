"""Migration tracking's writes with the stdlib ``sqlite3`` module (the hot path).

A transfer inside a workspace records its run and counters (``tracking_runs``,
``tracking_samples``, ``tracking_events``). Opening the store through
SQLAlchemy + Alembic costs more CPU than a no-op transfer itself, so when the
store is the workspace's SQLite file and already at :data:`HEAD_REVISION` (read
from ``alembic_version``), the tracker writes with ``sqlite3``: same tables and
columns, values encoded as SQLAlchemy's SQLite types store them (``DateTime`` as
``YYYY-MM-DD HH:MM:SS.ffffff``, ``JSON`` as ``json.dumps``), one transaction per
write, and the pragmas and busy timeout the store uses. Anything else (no store
yet, an older or newer schema, a ``state.url``) falls back to the SQLAlchemy path,
which also migrates.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

#: The Alembic head revision this skylift ships (a unit test checks it against
#: Alembic's own head: bump it with every new migration).
HEAD_REVISION = "0008"
#: Seconds a write waits for another writer (pysqlite's default, as the store has).
BUSY_TIMEOUT_S = 5.0
#: The pragmas :mod:`skylift.workspace.store` sets on every connection.
PRAGMAS = ("PRAGMA foreign_keys=ON", "PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL")
_DATETIME = "%04d-%02d-%02d %02d:%02d:%02d.%06d"


def encode(value: Any) -> Any:
    """``value`` as SQLAlchemy binds it for SQLite (DateTime text, JSON text)."""
    if isinstance(value, datetime):  # SQLAlchemy's SQLite DATETIME drops the zone
        v = value
        return _DATETIME % (v.year, v.month, v.day, v.hour, v.minute, v.second, v.microsecond)
    if isinstance(value, list | tuple | dict):
        return json.dumps(value)
    return value


class SqliteTracking:
    """The tracking tables of a SQLite store at :data:`HEAD_REVISION`, via ``sqlite3``."""

    errors: tuple[type[Exception], ...] = (sqlite3.Error,)

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    @classmethod
    def open(cls, path: Path) -> SqliteTracking | None:
        """The store at ``path`` if it exists and is at the head revision, else None."""
        if not path.is_file():
            return None
        try:
            conn = sqlite3.connect(
                f"{path.resolve().as_uri()}?mode=rw",
                uri=True,
                timeout=BUSY_TIMEOUT_S,
                check_same_thread=False,  # opened in the tracker's thread, ended in the caller's
            )
        except sqlite3.Error:
            return None
        try:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchall()
            if row != [(HEAD_REVISION,)]:
                conn.close()
                return None
            for pragma in PRAGMAS:
                conn.execute(pragma)
        except sqlite3.Error:
            conn.close()
            return None
        return cls(conn)

    def _insert(self, table: str, rows: Sequence[Mapping[str, Any]]) -> None:
        cols = list(rows[0])
        sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
        self.conn.executemany(sql, [[encode(r[c]) for c in cols] for r in rows])

    def insert_run(self, row: Mapping[str, Any], events: Sequence[Mapping[str, Any]]) -> None:
        """Insert a run (one transaction), then its servers' events (another)."""
        with self.conn:
            self._insert("tracking_runs", [row])
        self.insert_events(events)

    def insert_events(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Add server state events (one transaction)."""
        if rows:
            with self.conn:
                self._insert("tracking_events", rows)

    def write(self, run_id: str, values: Mapping[str, Any], sample: Mapping[str, Any]) -> None:
        """Update the run's counters and add a throughput sample (one transaction)."""
        cols = list(values)
        sets = ", ".join(f"{c}=?" for c in cols)
        with self.conn:
            self.conn.execute(
                f"UPDATE tracking_runs SET {sets} WHERE tracking_runs.id = ?",
                [*(encode(values[c]) for c in cols), run_id],
            )
            self._insert("tracking_samples", [sample])

    def running(self, destination: str | None) -> list[dict[str, Any]]:
        """The runs still marked running (to ``destination``, or all), with their owner."""
        sql = (
            "SELECT id, pid, pid_start, host, servers, updated_at FROM tracking_runs "
            "WHERE state = 'running'"
        )
        args = [] if destination is None else [destination]
        if destination is not None:
            sql += " AND destination = ?"
        rows = self.conn.execute(sql, args).fetchall()
        keys = ("id", "pid", "pid_start", "host", "servers", "updated_at")
        out = [dict(zip(keys, r, strict=True)) for r in rows]
        for r in out:
            r["servers"] = json.loads(r["servers"])
        return out

    def end_run(self, run_id: str, values: Mapping[str, Any]) -> bool:
        """Set ``values`` on the run if it is still running; whether it was."""
        cols = list(values)
        sets = ", ".join(f"{c}=?" for c in cols)
        with self.conn:
            cur = self.conn.execute(
                f"UPDATE tracking_runs SET {sets} WHERE id = ? AND state = 'running'",
                [*(encode(values[c]) for c in cols), run_id],
            )
        return cur.rowcount == 1

    def last_run_of(self, server: str) -> str | None:
        """The run of ``server``'s latest state event (None: not by a run, or none)."""
        row = self.conn.execute(
            "SELECT run_id FROM tracking_events WHERE server = ? ORDER BY id DESC LIMIT 1",
            [server],
        ).fetchone()
        return None if row is None else row[0]

    def dispose(self) -> None:
        """Close the connection."""
        self.conn.close()


def open_fast(state_url: str | None, state_dir: Path) -> SqliteTracking | None:
    """The ``sqlite3`` writer for a workspace's default store, or None (use SQLAlchemy)."""
    if state_url is not None:  # PostgreSQL, or a SQLite file named by URL: the slow path
        return None
    return SqliteTracking.open(state_dir / "state.db")

"""Open connections to PostgreSQL (psycopg 3) and MySQL/MariaDB (PyMySQL); errors in one line.

Every session is set up the same way on both sides (UTC, ISO dates, full float
precision) so that values rendered as text in the database compare equal.
Driver errors become :class:`~skylift.errors.ProviderError` naming the server
(never the password) with a hint; the driver's own text is reduced to its
first meaningful line.
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from skylift.database.url import DbUrl
from skylift.errors import MissingDependencyError, ProviderError

if TYPE_CHECKING:
    import psycopg

_PG_SESSION = (
    "SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres';"
    " SET extra_float_digits = 3; SET bytea_output = 'hex'; SET statement_timeout = 0;"
    " SET lock_timeout = 0; SET idle_in_transaction_session_timeout = 0"
)


def pg_connect(url: DbUrl, autocommit: bool = True, **extra: str) -> psycopg.Connection[Any]:
    """A psycopg connection to ``url`` with skylift's session settings."""
    try:
        import psycopg
        from psycopg.conninfo import make_conninfo
    except ImportError as exc:  # pragma: no cover - the extra is part of the dev install
        raise MissingDependencyError("psycopg", "database") from exc
    try:
        conn = psycopg.connect(make_conninfo("", **url.libpq(**extra)), autocommit=True)
    except psycopg.Error as exc:
        raise connect_error(url, exc) from None
    if not extra.get("replication"):
        conn.execute(_PG_SESSION)
    conn.autocommit = autocommit
    return conn


def my_connect(url: DbUrl, database: str | None = None) -> Any:
    """A PyMySQL connection (autocommit, UTC, utf8mb4, unbuffered reads when asked)."""
    try:
        import pymysql  # type: ignore[import-untyped]
    except ImportError as exc:  # pragma: no cover
        raise MissingDependencyError("pymysql", "database") from exc
    try:
        conn = pymysql.connect(
            host=url.host,
            port=url.port,
            user=url.user,
            password=url.password or "",
            database=url.database if database is None else (database or None),
            charset="utf8mb4",
            autocommit=True,
            connect_timeout=10,
            local_infile=False,
            init_command="SET time_zone = '+00:00', SESSION sql_mode = 'NO_AUTO_VALUE_ON_ZERO'",
        )
    except pymysql.Error as exc:
        raise connect_error(url, exc) from None
    return conn


def connect_error(url: DbUrl, exc: BaseException) -> ProviderError:
    """A one-line :class:`ProviderError` for a failed connection (no secret in it)."""
    text = first_line(exc)
    if url.password:
        text = text.replace(url.password, "***")
    low = text.lower()
    if "password" in low or "access denied" in low or "authentication" in low:
        hint = (
            f"check the password: set SKYLIFT_SOURCE_PASSWORD / SKYLIFT_TARGET_PASSWORD, "
            f"{'PGPASSWORD' if url.engine.value == 'postgresql' else 'MYSQL_PWD'} or "
            "--password-file (host:port:database:user:password)"
        )
    elif "does not exist" in low or "unknown database" in low:
        hint = "check the database name at the end of the URL"
    else:
        hint = "check host, port and that the server accepts connections from here"
    return ProviderError(f"cannot connect to {url.display()}: {text}", hint)


def first_line(exc: BaseException) -> str:
    """The meaningful first line of a driver error (PyMySQL's args tuple, libpq's FATAL)."""
    args: tuple[Any, ...] = tuple(getattr(exc, "args", ()))
    raw = str(args[1]) if len(args) == 2 and isinstance(args[0], int) else str(exc)
    fatal = re.search(r"FATAL:\s+(.*)", raw)
    if fatal:
        raw = fatal.group(1)
    lines = [ln.strip() for ln in raw.splitlines() if ln.strip()]
    return lines[0] if lines else type(exc).__name__


def quote_ident(name: str) -> str:
    """A PostgreSQL identifier, double-quoted."""
    return '"' + name.replace('"', '""') + '"'


def my_ident(name: str) -> str:
    """A MySQL identifier, back-quoted."""
    return "`" + name.replace("`", "``") + "`"


class ThreadConnections:
    """One connection per worker thread, opened on first use by ``opener``; closed together."""

    def __init__(self, opener: Callable[[], Any]) -> None:
        self._opener = opener
        self._local = threading.local()
        self._all: list[Any] = []
        self._lock = threading.Lock()

    def get(self) -> Any:
        """This thread's connection."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._opener()
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    def discard(self) -> None:
        """Close this thread's connection (after a failure left it in an unknown state)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            self._local.conn = None
            with contextlib.suppress(Exception):
                conn.close()

    def close(self) -> None:
        """Close every connection any thread opened (errors while closing are ignored)."""
        for conn in self._all:
            with contextlib.suppress(Exception):
                conn.close()
        self._all.clear()

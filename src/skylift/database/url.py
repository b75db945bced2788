"""Database URLs and where their passwords come from (never from the screen, never printed).

``postgresql://user@host:port/db`` and ``mysql://user@host:port/db``
(``mariadb://`` is the same family). The password is looked up, first match
wins, in:

1. the environment variable named for the side: ``SKYLIFT_SOURCE_PASSWORD`` /
   ``SKYLIFT_TARGET_PASSWORD`` (``role`` below);
2. a password file in PostgreSQL's ``.pgpass`` format
   (``host:port:database:user:password``, ``*`` matches anything), given
   explicitly or as ``PGPASSFILE`` / ``~/.pgpass``;
3. the engine's own variable: ``PGPASSWORD`` or ``MYSQL_PWD``;
4. a password inside the URL (accepted, discouraged: it shows in ``ps``).

:class:`DbUrl` keeps the password out of ``repr`` and :meth:`DbUrl.display`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import unquote, urlsplit

from skylift.domain.database import DbEngine
from skylift.errors import InputError

_SCHEMES = {
    "postgresql": DbEngine.POSTGRESQL,
    "postgres": DbEngine.POSTGRESQL,
    "mysql": DbEngine.MYSQL,
    "mariadb": DbEngine.MYSQL,
}
_DEFAULT_PORT = {DbEngine.POSTGRESQL: 5432, DbEngine.MYSQL: 3306}
_ENGINE_ENV = {DbEngine.POSTGRESQL: "PGPASSWORD", DbEngine.MYSQL: "MYSQL_PWD"}


@dataclass(frozen=True)
class DbUrl:
    """Where a database is and who connects; the password never shows."""

    engine: DbEngine
    host: str
    port: int
    user: str
    database: str
    password: str | None = field(default=None, repr=False, compare=False)

    def display(self) -> str:
        """``engine://user@host:port/database`` (no password)."""
        return f"{self.engine.value}://{self.user}@{self.host}:{self.port}/{self.database}"

    @property
    def server_key(self) -> str:
        """``engine://host:port``: one database server."""
        return f"{self.engine.value}://{self.host}:{self.port}"

    def with_database(self, database: str) -> DbUrl:
        """The same server and credentials, another database."""
        return replace(self, database=database)

    def libpq(self, **extra: str) -> dict[str, str]:
        """Keyword arguments for libpq (psycopg), password included when known."""
        kw = {
            "host": self.host,
            "port": str(self.port),
            "user": self.user,
            "dbname": self.database,
            "connect_timeout": "10",
            "application_name": "skylift",
        }
        if self.password is not None:
            kw["password"] = self.password
        return kw | extra


def parse_url(
    text: str,
    role: str = "source",
    environ: Mapping[str, str] | None = None,
    password_file: Path | None = None,
) -> DbUrl:
    """Parse ``text`` and find its password (see the module doc); InputError if malformed."""
    env = os.environ if environ is None else environ
    parts = urlsplit(text)
    engine = _SCHEMES.get(parts.scheme.lower())
    if engine is None:
        raise InputError(
            f"{_safe(text)}: unsupported database URL scheme {parts.scheme!r}",
            "use postgresql://user@host:port/db or mysql://user@host:port/db",
        )
    try:
        port = parts.port or _DEFAULT_PORT[engine]
    except ValueError as exc:
        raise InputError(f"{_safe(text)}: bad port", "give a port number 1-65535") from exc
    host = parts.hostname or "127.0.0.1"
    user = unquote(parts.username or ("postgres" if engine is DbEngine.POSTGRESQL else "root"))
    database = unquote(parts.path.lstrip("/")) or (
        "postgres" if engine is DbEngine.POSTGRESQL else ""
    )
    url = DbUrl(engine, host, port, user, database)
    password = _lookup(url, role, env, password_file)
    if password is None and parts.password is not None:
        password = unquote(parts.password)
    return replace(url, password=password)


def _lookup(
    url: DbUrl, role: str, env: Mapping[str, str], password_file: Path | None
) -> str | None:
    side = env.get(f"SKYLIFT_{role.upper()}_PASSWORD")
    if side:
        return side
    candidates = [password_file] if password_file is not None else []
    if env.get("PGPASSFILE"):
        candidates.append(Path(env["PGPASSFILE"]))
    candidates.append(Path(env.get("HOME", "~")).expanduser() / ".pgpass")
    for path in candidates:
        found = _from_passfile(url, path, explicit=path == password_file)
        if found is not None:
            return found
    return env.get(_ENGINE_ENV[url.engine]) or None


def _from_passfile(url: DbUrl, path: Path, explicit: bool) -> str | None:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        if explicit:
            raise InputError(
                f"{path}: cannot read the password file: {exc.strerror}",
                "give a readable file of lines host:port:database:user:password",
            ) from exc
        return None
    want = (url.host, str(url.port), url.database, url.user)
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = _split_passline(line)
        if len(fields) != 5:
            continue
        if all(f in ("*", w) for f, w in zip(fields[:4], want, strict=True)):
            return fields[4]
    return None


def _split_passline(line: str) -> list[str]:
    """Split a .pgpass line on unescaped ``:`` (``\\:`` and ``\\\\`` are escapes)."""
    out, cur, esc = [], [], False
    for ch in line:
        if esc:
            cur.append(ch)
            esc = False
        elif ch == "\\":
            esc = True
        elif ch == ":":
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    out.append("".join(cur))
    return out


def _safe(text: str) -> str:
    """``text`` with any password replaced by ``***``."""
    parts = urlsplit(text)
    if parts.password is None:
        return text
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()

"""One PostgreSQL 15 pair and one MariaDB pair for the module's tests (started once, stopped)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import pytest

from skylift.database.testing.servers import PG_BIN, MariaDBServer, PostgresServer

S = TypeVar("S", PostgresServer, MariaDBServer)


def _both(a: S, b: S) -> tuple[S, S]:
    """Start two servers at once (initialisation is mostly waiting)."""
    with ThreadPoolExecutor(2) as pool:
        fa, fb = pool.submit(a.start), pool.submit(b.start)
        try:
            fa.result(), fb.result()
        except BaseException:
            a.remove()
            b.remove()
            raise
    return a, b


@pytest.fixture(scope="session")
def pg_pair() -> Iterator[tuple[PostgresServer, PostgresServer]]:
    """Source and target PostgreSQL servers (wal_level=logical), password auth on 127.0.0.1."""
    if not (PG_BIN / "initdb").exists():
        pytest.fail(f"PostgreSQL 15 is not installed ({PG_BIN}); run make system")
    a, b = _both(PostgresServer(), PostgresServer())
    try:
        yield a, b
    finally:
        a.remove()
        b.remove()


@pytest.fixture(scope="session")
def my_pair() -> Iterator[tuple[MariaDBServer, MariaDBServer]]:
    """Source and target MariaDB servers."""
    if shutil.which("mariadbd") is None and not shutil.which("mariadb-install-db"):
        pytest.fail("MariaDB is not installed; run make system")
    a, b = _both(MariaDBServer(), MariaDBServer())
    try:
        yield a, b
    finally:
        a.remove()
        b.remove()

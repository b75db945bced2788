"""TCP checks that prove the protocol, against real PostgreSQL 15 and MariaDB servers
and the HTTP shop (which must not pass for a database)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from skylift.database.testing.servers import MariaDBServer, PostgresServer
from skylift.verify.service.endpoint import parse_endpoint
from skylift.verify.service.functional import run_tcp
from skylift.verify.service.model import TcpCheck
from tests.integration.verify.shops import free_port, shop


@pytest.fixture(scope="module")
def databases() -> Iterator[tuple[int, int]]:
    """(PostgreSQL port, MariaDB port) on 127.0.0.1."""
    pg, my = PostgresServer(), MariaDBServer()
    try:
        pg.start()
        my.start()
        yield pg.port, my.port
    finally:
        pg.stop()
        my.stop()
        pg.remove()
        my.remove()


def _check(port: int, protocol: str, host: str | None = "127.0.0.1") -> tuple[bool, str]:
    check = TcpCheck(name="c", port=port, host=host, protocol=protocol)  # type: ignore[arg-type]
    side = parse_endpoint("http://127.0.0.1:1", "--target")
    out = run_tcp(check, side, side)
    return out.passed, "; ".join(out.problems) or out.note


def test_each_database_is_recognised_and_nothing_else_passes(databases: tuple[int, int]) -> None:
    pg, my = databases
    assert _check(pg, "postgres")[0] is True
    ok, seen = _check(my, "mysql")
    assert ok and seen.startswith("MySQL protocol 10, server ") and "MariaDB" in seen
    assert _check(pg, "mysql")[0] is False  # PostgreSQL sends no greeting
    assert _check(my, "postgres")[0] is False
    assert _check(pg, "redis")[0] is False
    assert _check(pg, "tcp") == (True, "accepts connections")
    with shop() as url:
        port = parse_endpoint(url, "url").port
        assert _check(port, "postgres")[0] is False  # an HTTP server is not a database
        assert _check(port, "mysql")[0] is False


def test_a_closed_port_fails_and_without_a_host_the_source_decides() -> None:
    closed = free_port()
    ok, why = _check(closed, "postgres")
    assert not ok and why.endswith("refuses connections")
    ok, why = _check(closed, "postgres", host=None)  # the source refuses too
    assert ok and why.startswith("not required")

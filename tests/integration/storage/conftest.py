"""The ``store`` fixture: one fresh, empty Storage per test, for every backend.

Server-backed backends reuse the session-scoped servers from
:mod:`tests.integration.servers`; each test gets its own root prefix so
tests never see each other's objects.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from skylift.storage.base import Storage
from skylift.storage.memory import drop_memory_store
from skylift.storage.registry import open_storage
from tests.integration.servers import (  # noqa: F401 - fixtures used by name
    ServerInfo,
    azurite_server,
    gcs_server,
    moto_server,
    s3_server,
    sftp_server,
    sftp_vfs_server,
)


@dataclass
class StoreCase:
    """A backend under test: its name, URL and options, and a way to open it again."""

    name: str
    url: str
    options: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    opened: list[Storage] = field(default_factory=list)

    def open(self, **overrides: str) -> Storage:
        """A NEW Storage instance on the same URL (as a restarted process would make)."""
        storage = open_storage(self.url, **{**self.options, **overrides})
        self.opened.append(storage)
        return storage


BACKENDS = ["memory", "local", "s3-rclone", "s3-moto", "azure", "gcs", "sftp"]


def _server_case(
    request: pytest.FixtureRequest, fixture: str, make: Callable[[ServerInfo, str], str]
) -> StoreCase:
    server: ServerInfo = request.getfixturevalue(fixture)
    url = make(server, uuid.uuid4().hex[:12])
    return StoreCase(fixture, url, dict(server.options), dict(server.env))


def open_case(
    name: str, request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[StoreCase]:
    """A fresh empty root on backend ``name``; the environment carries the server's credentials."""
    if name == "memory":
        store = f"contract-{uuid.uuid4().hex[:8]}"
        result = StoreCase(name, f"memory://{store}/root")
    elif name == "local":
        result = StoreCase(name, str(tmp_path / "root"))
    elif name == "s3-rclone":
        result = _server_case(request, "s3_server", lambda s, p: f"{s.url}/{p}")
    elif name == "s3-moto":
        result = _server_case(request, "moto_server", lambda s, p: f"{s.url}/{p}")
    elif name == "azure":
        result = _server_case(request, "azurite_server", lambda s, p: f"{s.url}/{p}")
    elif name == "gcs":
        result = _server_case(request, "gcs_server", lambda s, p: f"{s.url}/{p}")
    else:
        result = _server_case(request, "sftp_server", lambda s, p: f"{s.url}/{p}")
    result.name = name
    for key, value in result.env.items():
        monkeypatch.setenv(key, value)
    yield result
    for storage in result.opened:
        storage.close()
    if name == "memory":
        drop_memory_store(result.url.split("/")[2])


@pytest.fixture(params=BACKENDS)
def case(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[StoreCase]:
    """A fresh empty root on one backend; the environment carries the server's credentials."""
    yield from open_case(request.param, request, tmp_path, monkeypatch)


@pytest.fixture
def store(case: StoreCase) -> Storage:
    """The backend of ``case``, opened once."""
    return case.open()

"""A workspace holding a few servers that perf files refer to by name, FQDN or IP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from skylift.domain.imports import ImportBatch
from skylift.domain.inventory import Server
from skylift.workspace import Workspace

SERVERS = (
    Server(key="k-web01", name="web01", fqdn="web01.corp.local", ip_addresses=("10.0.0.1",),
           source="test"),
    Server(key="k-db01", name="DB01", source="test", ip_addresses=("10.0.0.2",)),
    Server(key="k-app-a", name="app", fqdn="app.a.local", source="test"),
    Server(key="k-app-b", name="app", fqdn="app.b.local", source="test"),
    Server(key="k-bb1", name="bitbrains-vm-1", source="test"),
    Server(key="k-bb2", name="bitbrains-vm-2", source="test"),
)  # fmt: skip


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    """A workspace with :data:`SERVERS` already imported."""
    w = Workspace.init(tmp_path / "ws", project="perf")
    w.store.apply_import(ImportBatch(format="test", files=(), servers=SERVERS), datetime.now(UTC))
    try:
        yield w
    finally:
        w.close()


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` and return the path."""
    path.write_bytes(text.encode(encoding))
    return path


def samples(ws: Workspace) -> pl.DataFrame:
    """Every stored sample, sorted as the importer promises."""
    return ws.series().collect()


def series_files(ws: Workspace) -> list[Path]:
    """The Parquet files the workspace keeps."""
    return sorted((ws.state_dir / "series").glob("*.parquet"))

"""The state store: upserts, merge rules, atomicity, series publication."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Connection

from skylift.domain.imports import ImportBatch, SeriesBatch, SourceFile
from skylift.domain.inventory import (
    Dependency,
    Disk,
    Environment,
    Nic,
    OsFamily,
    PowerState,
    Server,
    Service,
)
from skylift.workspace import Workspace
from skylift.workspace.series import SERIES_SCHEMA
from skylift.workspace.store import SeriesCommit

NOW = datetime(2026, 1, 1, tzinfo=UTC)
FILE = SourceFile(path="x.csv", sha256="0" * 64, size_bytes=1)


def _server(key: str, **kw: object) -> Server:
    base: dict[str, object] = {
        "key": key,
        "name": key.upper(),
        "source": "test",
        "cores": 4,
        "memory_mib": 8192,
        "power_state": PowerState.ON,
        "os_family": OsFamily.LINUX,
        "disks": (Disk(name="d1", size_gib=100, used_gib=40),),
        "nics": (Nic(name="eth0", ipv4=("10.0.0.1",)),),
    }
    base.update(kw)
    return Server.model_validate(base)


def test_import_then_reimport_is_idempotent(workspace: Workspace) -> None:
    batch = ImportBatch(
        format="test", files=(FILE,), servers=(_server("a"), _server("b")), rows_read=2
    )
    first = workspace.store.apply_import(batch, NOW)
    second = workspace.store.apply_import(batch, NOW)
    assert (first.servers_created, first.servers_updated) == (2, 0)
    assert (second.servers_created, second.servers_updated) == (0, 2)
    servers = workspace.servers()
    assert [s.key for s in servers] == ["a", "b"]
    assert servers[0].disks == (Disk(name="d1", size_gib=100, used_gib=40),)
    assert servers[0].nics[0].ipv4 == ("10.0.0.1",)
    assert len(workspace.import_runs()) == 2


def test_later_import_fills_in_and_keeps_known_values(workspace: Workspace) -> None:
    workspace.store.apply_import(
        ImportBatch(
            format="rvtools",
            files=(FILE,),
            servers=(_server("a", environment=Environment.PRODUCTION, tags={"owner": "x"}),),
        ),
        NOW,
    )
    partial = Server(
        key="a",
        name="A",
        source="perf",
        cpu_util_pct=12.5,
        tags={"site": "dc1"},
        services=(Service(port=3306, process="mysqld"),),
    )
    workspace.store.apply_import(
        ImportBatch(format="servers", files=(FILE,), servers=(partial,)), NOW
    )
    (s,) = workspace.servers()
    assert s.cores == 4 and s.memory_mib == 8192  # kept
    assert s.environment is Environment.PRODUCTION  # unknown does not overwrite
    assert s.cpu_util_pct == 12.5  # filled in
    assert s.tags == {"owner": "x", "site": "dc1"}
    assert s.disks and s.services[0].port == 3306


def test_dependencies_upsert_on_edge_identity(workspace: Workspace) -> None:
    workspace.store.apply_import(
        ImportBatch(format="t", files=(FILE,), servers=(_server("a"), _server("b"))), NOW
    )
    dep = Dependency(source_key="a", target_key="b", port=3306, strength=3)
    ext = Dependency(source_key="a", target_key=None, target_ip="8.8.8.8", port=443)
    for _ in range(2):
        workspace.store.apply_import(
            ImportBatch(format="deps", files=(FILE,), dependencies=(dep, ext)), NOW
        )
    deps = workspace.dependencies()
    assert len(deps) == 2
    assert {d.target_key for d in deps} == {"b", None}


class _Boom(SeriesCommit):
    def commit(self, conn: Connection, run_id: int, batch: ImportBatch) -> int:
        raise RuntimeError("disk full")


def test_failure_inside_the_transaction_writes_nothing(
    workspace: Workspace, tmp_path: Path
) -> None:
    parquet = tmp_path / "s.parquet"
    pl.DataFrame(schema=SERIES_SCHEMA).write_parquet(parquet)
    batch = ImportBatch(
        format="t",
        files=(FILE,),
        servers=(_server("a"),),
        series=SeriesBatch(parquet_path=parquet, rows=0, servers=0),
    )
    with pytest.raises(RuntimeError):
        workspace.store.apply_import(batch, NOW, _Boom())
    assert workspace.store.count("servers") == 0
    assert workspace.store.count("import_runs") == 0
    assert workspace.store.count("disks") == 0


def _series_file(path: Path, key: str, n: int) -> SeriesBatch:
    ts = [datetime(2026, 1, 1, tzinfo=UTC).replace(minute=i % 60, hour=i // 60) for i in range(n)]
    frame = pl.DataFrame(
        {
            "server_key": [key] * n,
            "ts": ts,
            "metric": ["cpu_pct"] * n,
            "value": [float(i) for i in range(n)],
        },
        schema=SERIES_SCHEMA,
    )
    frame.write_parquet(path)
    return SeriesBatch(parquet_path=path, rows=n, servers=1, metrics=("cpu_pct",))


def test_series_published_and_replaced_on_reimport(workspace: Workspace, tmp_path: Path) -> None:
    from skylift.workspace.series import ParquetSeriesCommit

    workspace.store.apply_import(
        ImportBatch(format="t", files=(FILE,), servers=(_server("a"),)), NOW
    )
    for n in (10, 12):  # same source hash twice: the second replaces the first
        src = tmp_path / f"in-{n}.parquet"
        batch = ImportBatch(format="perf", files=(FILE,), series=_series_file(src, "a", n))
        commit = ParquetSeriesCommit(workspace.state_dir / "series", FILE.sha256)
        workspace.store.apply_import(batch, NOW, commit)
        commit.finalize()
        assert not src.exists()  # moved into the workspace
    frame = workspace.series().collect()
    assert frame.height == 12
    assert len(list((workspace.state_dir / "series").glob("*.parquet"))) == 1
    assert workspace.store.series_server_keys() == frozenset({"a"})
    with workspace.store.engine.connect() as conn:
        from sqlalchemy import text

        assert conn.execute(text("select samples from series_servers")).scalar_one() == 12

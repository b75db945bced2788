"""Utilisation time series beside the state store: Parquet files, one per import.

Long format ``server_key, ts, metric, value``. Files are written by the
importer to a temporary path and published here inside the import's
transaction; queries scan all active files lazily with Polars (or DuckDB via
:func:`series_glob`), so memory stays bounded however many samples there are.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import polars as pl
from sqlalchemy import Connection, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from skylift.domain.imports import ImportBatch
from skylift.workspace import tables as t
from skylift.workspace.store import SeriesCommit

SERIES_SCHEMA: dict[str, pl.DataType] = {
    "server_key": pl.String(),
    "ts": pl.Datetime("us", "UTC"),
    "metric": pl.String(),
    "value": pl.Float64(),
}


class ParquetSeriesCommit(SeriesCommit):
    """Moves a batch's Parquet file into ``series_dir`` and records it.

    Re-importing the same source file (same content hash) replaces the earlier
    series file instead of adding duplicates. :meth:`rollback` undoes the move
    if the surrounding transaction fails.
    """

    def __init__(self, series_dir: Path, source_sha256: str) -> None:
        self.series_dir = series_dir
        self.source_sha256 = source_sha256
        self.published: Path | None = None
        self.superseded: list[Path] = []

    def commit(self, conn: Connection, run_id: int, batch: ImportBatch) -> int:
        """Publish the file and update per-server sample counts."""
        series = batch.series
        assert series is not None
        self.series_dir.mkdir(parents=True, exist_ok=True)
        rel = f"series/run-{run_id:06d}.parquet"
        old = conn.execute(
            select(t.series_files.c.id, t.series_files.c.path).where(
                t.series_files.c.source_sha256 == self.source_sha256,
                t.series_files.c.active.is_(True),
            )
        ).all()
        if old:
            conn.execute(
                update(t.series_files)
                .where(t.series_files.c.id.in_([o.id for o in old]))
                .values(active=False)
            )
            self.superseded = [self.series_dir.parent / o.path for o in old]
            existing = [str(p) for p in self.superseded if p.exists()]
            if existing:
                gone = (
                    pl.scan_parquet(existing)
                    .group_by("server_key")
                    .agg(pl.len().alias("samples"))
                    .collect()
                )
                for key, n in gone.iter_rows():
                    conn.execute(
                        update(t.series_servers)
                        .where(t.series_servers.c.server_key == key)
                        .values(samples=t.series_servers.c.samples - int(n))
                    )
        conn.execute(
            t.series_files.insert().values(
                run_id=run_id,
                source_sha256=self.source_sha256,
                path=rel,
                rows=series.rows,
                servers=series.servers,
                first_ts=series.first_ts,
                last_ts=series.last_ts,
                metrics=list(series.metrics),
                active=True,
            )
        )
        counts = (
            pl.scan_parquet(series.parquet_path)
            .group_by("server_key")
            .agg(pl.len().alias("samples"))
            .collect()
        )
        rows = [{"server_key": k, "samples": int(n)} for k, n in counts.iter_rows()]
        for i in range(0, len(rows), 5000):
            chunk = rows[i : i + 5000]
            if conn.dialect.name == "sqlite":
                stmt = sqlite_insert(t.series_servers).values(chunk)
                conn.execute(
                    stmt.on_conflict_do_update(
                        index_elements=["server_key"],
                        set_={"samples": t.series_servers.c.samples + stmt.excluded.samples},
                    )
                )
            else:
                from sqlalchemy.dialects.postgresql import insert as pg_insert

                pstmt = pg_insert(t.series_servers).values(chunk)
                conn.execute(
                    pstmt.on_conflict_do_update(
                        index_elements=["server_key"],
                        set_={"samples": t.series_servers.c.samples + pstmt.excluded.samples},
                    )
                )
        target = self.series_dir.parent / rel
        os.replace(series.parquet_path, target)
        self.published = target
        return series.rows

    def rollback(self) -> None:
        """Remove a file published by a transaction that then failed."""
        if self.published is not None:
            with contextlib.suppress(FileNotFoundError):
                self.published.unlink()
            self.published = None

    def finalize(self) -> None:
        """After commit: delete files that the new one superseded."""
        for p in self.superseded:
            with contextlib.suppress(FileNotFoundError):
                p.unlink()


def scan_series(state_dir: Path, rel_paths: list[str]) -> pl.LazyFrame:
    """Lazily scan every active series file (empty frame when there are none)."""
    paths = [str(state_dir / p) for p in rel_paths if (state_dir / p).exists()]
    if not paths:
        return pl.LazyFrame(schema=SERIES_SCHEMA)
    return pl.scan_parquet(paths)


def series_glob(state_dir: Path) -> str:
    """A glob DuckDB can read: ``read_parquet('<glob>')``."""
    return str(state_dir / "series" / "*.parquet")

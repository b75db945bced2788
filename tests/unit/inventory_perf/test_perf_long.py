"""Long-format perf import (CSV and Parquet) through the real workspace."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pytest

from skylift.inventory.perf.values import SERIES_SCHEMA
from skylift.workspace import Workspace
from skylift.workspace.series import SERIES_SCHEMA as WORKSPACE_SCHEMA
from tests.unit.inventory_perf.conftest import samples, series_files, write

CSV = """server,timestamp,metric,value
web01,2024-05-01T00:00:00Z,cpu_pct,10
web01,2024-05-01T01:00:00Z,cpu_pct,30.5
web01.corp.local,2024-05-01T00:00:00Z,mem_pct,50
10.0.0.2,2024-05-01T00:00:00+02:00,cpu_pct,70
db01,2024-05-01T00:00:00Z,net_in_mbps,
"""


def test_schema_matches_the_workspace() -> None:
    assert SERIES_SCHEMA == WORKSPACE_SCHEMA


def test_long_csv_maps_name_fqdn_ip_and_writes_sorted_series(ws: Workspace, tmp_path: Path) -> None:
    summary = ws.discover("perf", [write(tmp_path / "m.csv", CSV)])
    assert summary.series_rows == 4  # the empty value is dropped
    df = samples(ws)
    assert df.schema == pl.Schema(SERIES_SCHEMA)
    assert df.rows() == [
        ("k-db01", datetime(2024, 4, 30, 22, tzinfo=UTC), "cpu_pct", 70.0),
        ("k-web01", datetime(2024, 5, 1, 0, tzinfo=UTC), "cpu_pct", 10.0),
        ("k-web01", datetime(2024, 5, 1, 1, tzinfo=UTC), "cpu_pct", 30.5),
        ("k-web01", datetime(2024, 5, 1, 0, tzinfo=UTC), "mem_pct", 50.0),
    ]
    (path,) = series_files(ws)
    meta = pq.ParquetFile(path).metadata
    assert meta.row_group(0).column(0).compression == "ZSTD"
    _, totals = ws.inventory()
    assert totals.with_series == 2


def test_headers_are_case_and_space_insensitive_and_aliases_accepted(
    ws: Workspace, tmp_path: Path
) -> None:
    text = (
        " Host Name ;Time;Counter;Value\nweb01;2024-05-01 10:00;CPU;5\nweb01;2024-05-01;Memory;6\n"
    )
    ws.discover("perf", [write(tmp_path / "m.csv", text)])
    df = samples(ws)
    assert sorted(df.get_column("metric").to_list()) == ["cpu_pct", "mem_pct"]
    assert datetime(2024, 5, 1, 10, tzinfo=UTC) in df.get_column("ts").to_list()


def test_zone_less_timestamps_are_utc_and_mixed_forms_parse(ws: Workspace, tmp_path: Path) -> None:
    text = (
        "server,timestamp,metric,value\n"
        "web01,2024-05-01T12:00:00,cpu_pct,1\n"
        "web01,2024-05-01 13:00:00.250,cpu_pct,2\n"
        "web01,2024-05-01T14:00:00+0100,cpu_pct,3\n"
    )
    ws.discover("perf", [write(tmp_path / "m.csv", text)])
    assert samples(ws).get_column("ts").to_list() == [
        datetime(2024, 5, 1, 12, tzinfo=UTC),
        datetime(2024, 5, 1, 13, tzinfo=UTC),
        datetime(2024, 5, 1, 13, 0, 0, 250000, tzinfo=UTC),
    ]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("1714521600", datetime(2024, 5, 1, tzinfo=UTC)),
        ("1714521600000", datetime(2024, 5, 1, tzinfo=UTC)),
        ("1714521600500", datetime(2024, 5, 1, 0, 0, 0, 500000, tzinfo=UTC)),
    ],
)
def test_epoch_seconds_and_milliseconds(
    ws: Workspace, tmp_path: Path, cell: str, expected: datetime
) -> None:
    ws.discover(
        "perf", [write(tmp_path / "m.csv", f"server,ts,metric,value\nweb01,{cell},cpu,1\n")]
    )
    assert samples(ws).get_column("ts").to_list() == [expected]


def test_parquet_with_native_types(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "m.parquet"
    pl.DataFrame(
        {
            "Server": ["web01", "db01"],
            "Timestamp": [datetime(2024, 5, 1), datetime(2024, 5, 1, 1)],
            "Metric": ["cpu_pct", "disk_used_gib"],
            "Value": [1, 250],
        }
    ).write_parquet(path)
    summary = ws.discover("perf", [path])
    assert summary.series_rows == 2
    assert samples(ws).get_column("server_key").to_list() == ["k-db01", "k-web01"]


def test_gzip_csv_and_folder_input(ws: Workspace, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.csv.gz").write_bytes(gzip.compress(CSV.encode()))
    write(folder / "b.csv", "server,timestamp,metric,value\ndb01,2024-06-01T00:00:00Z,cpu,9\n")
    summary = ws.discover("perf", [folder])
    assert summary.series_rows == 5
    assert len(summary.files) == 2


def test_duplicates_keep_the_peak_and_warn(ws: Workspace, tmp_path: Path) -> None:
    text = (
        "server,timestamp,metric,value\n"
        "web01,2024-05-01T00:00:00Z,cpu_pct,10\n"
        "web01.corp.local,2024-05-01T00:00:00Z,cpu_pct,90\n"
        "web01,2024-05-01T00:00:00Z,cpu_pct,40\n"
        "web01,2024-05-01T01:00:00Z,cpu_pct,5\n"
    )
    summary = ws.discover("perf", [write(tmp_path / "m.csv", text)])
    assert samples(ws).get_column("value").to_list() == [90.0, 5.0]
    assert summary.rows_skipped == 2
    assert any("2 duplicate" in w.message for w in summary.warnings)


def test_bom_and_latin1_csv(ws: Workspace, tmp_path: Path) -> None:
    bom = write(tmp_path / "bom.csv", "\ufeff" + CSV, "utf-8")
    latin = write(
        tmp_path / "latin.csv",
        "server,timestamp,metric,value,comment\nweb01,2024-07-01T00:00:00Z,cpu,3,café\n",
        "latin-1",
    )
    assert ws.discover("perf", [bom]).series_rows == 4
    assert ws.discover("perf", [latin]).series_rows == 1


def test_reimport_of_the_same_file_replaces_its_samples(ws: Workspace, tmp_path: Path) -> None:
    path = write(tmp_path / "m.csv", CSV)
    ws.discover("perf", [path])
    ws.discover("perf", [path])
    assert samples(ws).height == 4
    assert len(series_files(ws)) == 1


def test_mapping_file_routes_names(ws: Workspace, tmp_path: Path) -> None:
    mapping = write(tmp_path / "map.csv", "source,server\nvm-17,web01.corp.local\nx,k-db01\n")
    text = "server,timestamp,metric,value\nVM-17,2024-05-01T00:00:00Z,cpu,1\nx,2024-05-01,cpu,2\n"
    ws.discover("perf", [write(tmp_path / "m.csv", text)], {"mapping": mapping})
    assert samples(ws).get_column("server_key").to_list() == ["k-db01", "k-web01"]


def test_skip_unknown_warns_and_keeps_the_rest(ws: Workspace, tmp_path: Path) -> None:
    text = CSV + "ghost,2024-05-01T00:00:00Z,cpu_pct,1\nghost,2024-05-01T01:00:00Z,cpu_pct,1\n"
    summary = ws.discover("perf", [write(tmp_path / "m.csv", text)], {"skip_unknown": True})
    assert summary.series_rows == 4
    assert summary.rows_skipped == 2
    assert any("ghost" in w.message for w in summary.warnings)

"""Bitbrains GWA-T-12 traces: real files from the shared trace folder, and a synthetic one."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from skylift.errors import InputError
from skylift.workspace import Workspace
from tests.unit.inventory_perf.conftest import samples, write

TRACES = Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "traces" / "bitbrains-rnd"
HEADER = (
    "Timestamp [ms];\tCPU cores;\tCPU capacity provisioned [MHZ];\tCPU usage [MHZ];\t"
    "CPU usage [%];\tMemory capacity provisioned [KB];\tMemory usage [KB];\t"
    "Disk read throughput [KB/s];\tDisk write throughput [KB/s];\t"
    "Network received throughput [KB/s];\tNetwork transmitted throughput [KB/s]\n"
)
needs_traces = pytest.mark.skipif(
    not TRACES.is_dir(),
    reason=f"Bitbrains traces not found at {TRACES} (../shared beside the repo)",
)


def _mapping(tmp_path: Path) -> Path:
    return write(tmp_path / "map.csv", "source,server\n1,bitbrains-vm-1\n2,bitbrains-vm-2\n")


def test_units_are_converted(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "1.csv.gz"
    cells = ["1372629804", "2", "5851.9989", "87.78", "1.5", "8388608.0", "2097152.0"]
    row = ";\t".join([*cells, "1000.0", "500.0", "125.0", "0.0"]) + "\n"
    path.write_bytes(gzip.compress((HEADER + row).encode()))
    ws.discover("perf", [path], {"mapping": _mapping(tmp_path)})
    got = {m: v for _, _, m, v in samples(ws).rows()}
    assert got == pytest.approx(
        {
            "cpu_pct": 1.5,
            "mem_used_mib": 2048.0,
            "mem_pct": 25.0,
            "disk_read_mbps": 1.024,
            "disk_write_mbps": 0.512,
            "net_in_mbps": 1.024,
            "net_out_mbps": 0.0,
        }
    )
    assert samples(ws).get_column("ts")[0] == datetime(2013, 6, 30, 22, 3, 24, tzinfo=UTC)


def test_text_in_a_trace_cell_names_the_row(ws: Workspace, tmp_path: Path) -> None:
    row = "1372629804;\t2;\t5851;\t87;\tbusy;\t8388608;\t2097152;\t1;\t1;\t1;\t1\n"
    path = write(tmp_path / "1.csv", HEADER + row)
    with pytest.raises(InputError) as info:
        ws.discover("perf", [path], {"mapping": _mapping(tmp_path)})
    loc = info.value.location
    assert loc is not None
    assert (loc.row, loc.column, loc.value) == (2, "CPU usage [%]", "busy")


@needs_traces
def test_real_traces_across_months_are_one_vm(ws: Workspace, tmp_path: Path) -> None:
    files = [TRACES / "2013-7" / "1.csv.gz", TRACES / "2013-8" / "1.csv.gz"]
    files += [TRACES / "2013-7" / "2.csv.gz"]
    summary = ws.discover("perf", files, {"mapping": _mapping(tmp_path)})
    df = samples(ws)
    first = df.filter(pl.col("server_key") == "k-bb1").get_column("ts").min()
    assert isinstance(first, datetime)
    assert first < datetime(2013, 7, 2, tzinfo=UTC)
    last = df.filter(pl.col("server_key") == "k-bb1").get_column("ts").max()
    assert isinstance(last, datetime)
    assert last > datetime(2013, 8, 30, tzinfo=UTC)
    assert set(df.get_column("metric").unique()) == {
        "cpu_pct",
        "mem_pct",
        "mem_used_mib",
        "disk_read_mbps",
        "disk_write_mbps",
        "net_in_mbps",
        "net_out_mbps",
    }
    assert summary.servers_created == 0
    cpu = df.filter(pl.col("metric") == "cpu_pct").get_column("value")
    assert cpu.min() is not None
    assert cpu.max() is not None
    assert cpu.min() >= 0.0  # type: ignore[operator]
    assert cpu.max() <= 100.0  # type: ignore[operator]
    assert summary.series_rows == df.height


@needs_traces
def test_real_trace_without_mapping_is_an_unknown_server(ws: Workspace) -> None:
    with pytest.raises(InputError) as info:
        ws.discover("perf", [TRACES / "2013-7" / "1.csv.gz"])
    assert info.value.location is not None
    assert info.value.location.value == "1"

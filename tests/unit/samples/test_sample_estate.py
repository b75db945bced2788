"""The committed sample estate is what the generator makes, and it imports cleanly."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from python_calamine import CalamineWorkbook
from samples.generate_estate import base_roster, generate

from skylift.domain.inventory import OsFamily, PowerState
from skylift.workspace import Workspace

ESTATE = Path(__file__).resolve().parents[3] / "samples" / "estate"


def _sheet(path: Path, name: str) -> list[list[object]]:
    """A sheet's cells without vHost's 'Object ID' (the RVTools writer derives it from
    Python's per-process string hash, so it differs between runs)."""
    rows: list[list[object]] = (
        CalamineWorkbook.from_path(str(path)).get_sheet_by_name(name).to_python()
    )
    keep = [i for i, h in enumerate(rows[0]) if h != "Object ID"]
    return [[r[i] for i in keep] for r in rows]


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("estate")
    generate(out)
    return out


def test_committed_files_are_what_the_generator_makes(regenerated: Path) -> None:
    for name in ("dependencies.csv", "README.md"):
        assert (regenerated / name).read_bytes() == (ESTATE / name).read_bytes(), name
    fresh = pl.read_parquet(regenerated / "perf.parquet")
    committed = pl.read_parquet(ESTATE / "perf.parquet")
    assert fresh.equals(committed)
    for sheet in ("vInfo", "vDisk", "vNetwork", "vHost"):
        assert _sheet(regenerated / "rvtools.xlsx", sheet) == _sheet(ESTATE / "rvtools.xlsx", sheet)


def test_a_different_seed_gives_different_data(tmp_path: Path) -> None:
    generate(tmp_path, days=2, seed=7)
    other = pl.read_parquet(tmp_path / "perf.parquet")
    assert not other.equals(pl.read_parquet(ESTATE / "perf.parquet").head(other.height))


def test_generator_scales_to_more_vms(tmp_path: Path) -> None:
    vms = generate(tmp_path, vms_n=150, days=1, seed=1)
    assert len(vms) == 150
    assert len({vm.name for vm in vms}) == 150
    perf = pl.read_parquet(tmp_path / "perf.parquet")
    assert perf.get_column("server").n_unique() == 148  # all but the powered-off VM and template


def test_committed_estate_imports_cleanly(tmp_path: Path) -> None:
    expected_servers = len(base_roster()) - 1  # the template is skipped
    with Workspace.init(tmp_path / "ws", project="sample") as ws:
        rv = ws.discover("rvtools", [ESTATE / "rvtools.xlsx"])
        assert rv.servers_created == expected_servers
        perf = ws.discover("perf", [ESTATE / "perf.parquet"])
        assert perf.rows_skipped == 0
        assert perf.warnings == ()
        deps = ws.discover("deps", [ESTATE / "dependencies.csv"])
        assert deps.rows_skipped == 0
        assert deps.warnings == ()
        servers, totals = ws.inventory()
        dependencies = ws.dependencies()
    by_name = {s.name: s for s in servers}
    assert totals.servers == expected_servers
    assert totals.with_series == totals.powered_on == expected_servers - 1
    assert by_name["prd-app05-old"].power_state is PowerState.OFF
    assert by_name["billing01"].os_family is OsFamily.UNIX
    assert by_name["erp01"].os_family is OsFamily.WINDOWS
    assert by_name["prd-web01"].application == "Shop"
    keys = {s.key for s in servers}
    edges = [(d.source_key, d.target_key, d.target_ip, d.port) for d in dependencies]
    assert all(src in keys for src, *_ in edges)
    external = [e for e in edges if e[1] is None]
    assert external
    assert {e[2] for e in external} == {"203.0.113.10"}
    name_of = {s.key: s.name for s in servers}
    named = {(name_of[s], name_of[t], p) for s, t, _, p in edges if t is not None}
    assert ("prd-web01", "prd-app01", 8080) in named
    assert ("prd-app01", "prd-mysql01", 3306) in named
    assert ("prd-mysql02", "prd-mysql01", 3306) in named
    assert ("mon01", "prd-redis01", 9100) in named
    assert not any(name_of[s] == "tmp-migration01" or name_of[t] == "tmp-migration01"
                   for s, t, _, _ in edges if t is not None)  # fmt: skip

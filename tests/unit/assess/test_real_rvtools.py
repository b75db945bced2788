"""Issue 14's real RVTools export (9 VMs, 6 powered off, no performance data), end to end.

tests/fixtures/rvtools/migration-planner/ (kubev2v/migration-planner, Apache-2.0):
the cost must be one a migration engineer would sign — running VMs sized as on
premises (allocated, no headroom, 1 star), plain families only, powered-off VMs
retire candidates out of the totals, the TCO and the waves.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from skylift.catalog.classes import family_class
from skylift.workspace import Workspace
from skylift.workspace.assessments import AssessmentStore
from skylift.workspace.plans import build_plan

EXPORT = Path(__file__).parents[2] / "fixtures/rvtools/migration-planner/example1.xlsx"
RUNNING = {"vm-3", "vm-8", "vm-9"}


@pytest.fixture
def assessed(workspace: Workspace) -> tuple[Workspace, pl.DataFrame, pl.DataFrame, object]:
    workspace.discover("rvtools", [EXPORT])
    _run, result = AssessmentStore(workspace).run()
    names = result.servers.select("server_key", "name")
    targets = result.targets.join(names, on="server_key")
    return workspace, result.servers, targets, result.summary


def test_powered_off_vms_are_retire_candidates_out_of_totals_tco_and_waves(
    assessed: tuple[Workspace, pl.DataFrame, pl.DataFrame, object],
) -> None:
    ws, servers, targets, summary = assessed
    assert servers.height == 9
    off = servers.filter(pl.col("power_state") == "off")
    assert set(off["name"]) == {"vm-1", "vm-2", "vm-4", "vm-5", "vm-6", "vm-7"}
    assert set(off["strategy"]) == {"retire"}
    assert off["cost_scope"].null_count() == 0
    running = targets.filter(pl.col("name").is_in(list(RUNNING)))
    for t in summary.totals:  # type: ignore[attr-defined]
        here = running.filter((pl.col("cloud") == t.cloud) & (pl.col("region") == t.region))
        assert t.servers == 3 and t.sized == 3
        assert t.total_month == pytest.approx(round(here["total_month"].sum(), 2))
    for tco in summary.tco:  # type: ignore[attr-defined]
        assert "6 powered-off server(s) left out" in tco.note
        assert tco.currency == "USD"
    plan = build_plan(ws)
    waved = {k for w in plan.waves for k in w.servers}
    names = dict(zip(servers["server_key"], servers["name"], strict=True))
    assert {names[k] for k in waved} == RUNNING
    assert len(plan.decommission) == 6


def test_no_data_means_allocated_without_headroom_on_plain_families(
    assessed: tuple[Workspace, pl.DataFrame, pl.DataFrame, object],
) -> None:
    _ws, servers, targets, _summary = assessed
    assert (servers["cpu_demand"] == servers["cores"].cast(pl.Float64)).all()
    assert (servers["memory_demand_gib"] == servers["memory_gib"]).all()
    assert set(servers["confidence_stars"].to_list()) == {1}
    assert set(servers["basis"].to_list()) == {"as_is"}
    sized = targets.join(servers.select("server_key", "cores", "memory_gib"), on="server_key")
    for r in sized.iter_rows(named=True):
        assert r["instance_type"] is not None
        assert r["vcpus"] >= r["cores"] and r["instance_memory_gib"] >= r["memory_gib"] - 1e-9
        assert family_class(r["cloud"], r["instance_type"]) in ("general", "compute", "memory")
        assert r["currency"] == "USD" and r["total_month"] > 0
    # hand-checked on AWS us-east-1: the cheapest plain type at or above the allocation
    aws = {
        r["name"]: r["instance_type"]
        for r in targets.filter(pl.col("cloud") == "aws").iter_rows(named=True)
    }
    assert (aws["vm-3"], aws["vm-8"], aws["vm-9"]) == ("c6a.xlarge", "m5a.4xlarge", "c6a.8xlarge")


def test_spot_is_shown_where_the_catalog_has_it_and_said_to_be_interruptible(
    assessed: tuple[Workspace, pl.DataFrame, pl.DataFrame, object],
) -> None:
    _ws, _servers, _targets, summary = assessed
    spot = {t.cloud: t for t in summary.tco if t.pricing == "spot"}  # type: ignore[attr-defined]
    assert "reclaimed at short notice" in spot["gcp"].note
    assert spot["gcp"].cloud_annual < next(
        t.cloud_annual
        for t in summary.tco  # type: ignore[attr-defined]
        if t.cloud == "gcp" and t.region == spot["gcp"].region and t.pricing == "on_demand"
    )
    assert "no spot prices in the catalog" in spot["aws"].note

"""Powered-off VMs: retire candidates, out of the cost totals and TCO, out of the waves."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from skylift.assess.run import assess
from skylift.catalog.loader import Catalog
from skylift.domain.imports import ImportBatch
from skylift.domain.inventory import Server
from skylift.workspace import Workspace
from skylift.workspace.plans import build_plan
from tests.unit.assess.conftest import empty, policy, server


def _estate() -> list[Server]:
    """8 VMs, 6 powered off (one suspended), no utilisation data: issue 14's export."""
    on = [server(f"on{i}", cores=2, memory_gib=8) for i in range(2)]
    off = [server(f"off{i}", cores=8, memory_gib=32, power_state="off") for i in range(5)]
    return [*on, *off, server("sus", cores=4, memory_gib=16, power_state="suspended")]


def test_powered_off_vms_are_retire_candidates_out_of_the_totals(catalog: Catalog) -> None:
    a = assess(_estate(), [], empty(), catalog, policy())
    srv = a.servers.sort("server_key")
    off = srv.filter(pl.col("power_state") != "on")
    assert off.height == 6
    assert set(off["strategy"].to_list()) == {"retire"}
    assert all("powered off" in r for r in off["strategy_reason"].to_list())
    assert all("not in the cost totals" in r for r in off["cost_scope"].to_list())
    assert srv.filter(pl.col("power_state") == "on")["cost_scope"].null_count() == 2
    total = a.summary.totals[0]
    on_rows = a.targets.filter(pl.col("server_key").str.starts_with("on"))
    assert total.servers == 2
    assert total.total_month == pytest.approx(round(on_rows["total_month"].sum(), 2))
    # the powered-off rows still carry a price, for reference
    assert a.targets.filter(pl.col("server_key") == "off0")["total_month"][0] > 0
    assert any("6 powered-off server(s)" in w for w in a.summary.warnings)
    tco = next(t for t in a.summary.tco if t.pricing == "on_demand")
    only_on = assess(_estate()[:2], [], empty(), catalog, policy())
    tco_on = next(t for t in only_on.summary.tco if t.pricing == "on_demand")
    assert tco.on_prem_annual == pytest.approx(tco_on.on_prem_annual)  # same scope both sides
    assert tco.cloud_annual == pytest.approx(tco_on.cloud_annual)
    assert "6 powered-off server(s) left out" in tco.note


def test_include_powered_off_costs_and_migrates_them(catalog: Catalog) -> None:
    a = assess(_estate(), [], empty(), catalog, policy(include_powered_off=True))
    assert a.servers["cost_scope"].null_count() == 8
    assert "retire" not in a.servers["strategy"].to_list()
    assert a.summary.totals[0].servers == 8
    assert a.summary.totals[0].total_month == pytest.approx(
        round(a.targets["total_month"].sum(), 2)
    )


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    w = Workspace.init(tmp_path / "ws", project="lights")
    batch = ImportBatch(format="t", files=(), servers=tuple(_estate()), dependencies=())
    w.store.apply_import(batch, datetime.now(UTC))
    try:
        yield w
    finally:
        w.close()


def test_powered_off_vms_are_kept_out_of_waves_unless_included(ws: Workspace) -> None:
    plan = build_plan(ws)
    waved = {k for w in plan.waves for k in w.servers}
    assert waved == {"on0", "on1"}
    gone = {d.server: d.reason for d in plan.decommission}
    assert set(gone) == {"off0", "off1", "off2", "off3", "off4", "sus"}
    assert all(r.startswith("powered off") for r in gone.values())
    everything = build_plan(ws, include_powered_off=True)
    assert {k for w in everything.waves for k in w.servers} == {s.key for s in _estate()}


def test_plan_cli_flag_includes_powered_off_vms(ws: Workspace) -> None:
    import json

    from tests.helpers import run_cli

    root = str(ws.root)
    ws.close()
    default = run_cli("--workspace", root, "plan", "--json")
    assert default.code == 0, default.stderr
    plan = json.loads(default.stdout)
    assert {k for w in plan["waves"] for k in w["servers"]} == {"on0", "on1"}
    everything = run_cli("--workspace", root, "plan", "--json", "--include-powered-off")
    assert everything.code == 0, everything.stderr
    waved = {k for w in json.loads(everything.stdout)["waves"] for k in w["servers"]}
    assert len(waved) == 8

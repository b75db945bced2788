"""`skylift assess` flags of issue 14: powered-off VMs, family classes, exchange rates."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from skylift.domain.imports import ImportBatch
from skylift.workspace import Workspace
from tests.helpers import run_cli
from tests.unit.assess.conftest import T0, server


@pytest.fixture
def estate(workspace: Workspace) -> Path:
    servers = (
        server("on01", cores=2, memory_gib=8),
        server("off01", cores=8, memory_gib=32, power_state="off"),
    )
    workspace.store.apply_import(ImportBatch(format="test", files=(), servers=servers), T0)
    return workspace.root


def _run(root: Path, *args: str, clouds: str = "aws") -> dict[str, object]:
    r = run_cli("--workspace", str(root), "assess", "--json", "--clouds", clouds, *args)
    assert r.code == 0, r.stderr
    data: dict[str, object] = json.loads(r.stdout)
    return data


def test_powered_off_left_out_unless_included(estate: Path) -> None:
    default = _run(estate)
    totals = default["summary"]["totals"]  # type: ignore[index]
    assert totals[0]["servers"] == 1
    off = next(s for s in default["servers"] if s["name"] == "off01")  # type: ignore[attr-defined]
    assert off["strategy"] == "retire" and off["cost_scope"].startswith("powered off")
    everything = _run(estate, "--include-powered-off")
    assert everything["summary"]["totals"][0]["servers"] == 2  # type: ignore[index]


def test_families_flag_and_rate_flag(estate: Path) -> None:
    compute = _run(estate, "--families", "compute")
    types = {t["instance_type"] for t in compute["targets"]}  # type: ignore[attr-defined]
    assert all(t.startswith("c") for t in types), types
    r = run_cli("--workspace", str(estate), "assess", "--json", "--clouds", "aws:cn-north-1")
    assert r.code != 0
    assert "CNY" in r.stderr and "currency_rates" in r.stderr
    cn = _run(estate, "--rate", "CNY=0.14", clouds="aws:cn-north-1")
    assert cn["summary"]["totals"][0]["currency"] == "USD"  # type: ignore[index]
    bad = run_cli("--workspace", str(estate), "assess", "--rate", "CNY")
    assert bad.code != 0 and "CURRENCY=RATE" in bad.stderr

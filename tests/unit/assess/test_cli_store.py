"""`skylift assess` end to end on a small workspace: JSON, CSV/XLSX export, stored runs, compare."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from skylift.domain.imports import ImportBatch
from skylift.workspace import Workspace
from tests.helpers import run_cli
from tests.unit.assess.conftest import T0, hourly, server


@pytest.fixture
def estate(workspace: Workspace, tmp_path: Path) -> Path:
    """Three servers imported through the real perf importer and state store."""
    servers = (
        server("web01", cores=8, memory_gib=16),
        server("db01", cores=4, memory_gib=32),
        server("old01", cores=2, memory_gib=4),
    )
    workspace.store.apply_import(ImportBatch(format="test", files=(), servers=servers), T0)
    rows = []
    for key, pct in (("web01", 40.0), ("db01", 20.0), ("old01", 0.0)):
        for metric in ("cpu_pct", "mem_pct", "net_out_mbps"):
            rows += hourly(key, metric, [pct] * 24 * 14)
    perf = tmp_path / "perf.parquet"
    pl.DataFrame(
        rows, schema=["server", "timestamp", "metric", "value"], orient="row"
    ).write_parquet(perf)
    workspace.discover("perf", [perf])
    return workspace.root


def test_assess_json_csv_xlsx_and_stored_runs(estate: Path, tmp_path: Path) -> None:
    out_csv, out_xlsx = tmp_path / "a.csv", tmp_path / "a.xlsx"
    r = run_cli(
        "--workspace", str(estate), "assess", "--json", "--no-forecast", "--clouds", "aws,gcp",
        "--csv", str(out_csv), "--xlsx", str(out_xlsx),
    )  # fmt: skip
    assert r.code == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["run"]["id"] == 1
    assert data["summary"]["servers"] == 3
    assert {t["cloud"] for t in data["summary"]["totals"]} == {"aws", "gcp"}
    assert data["summary"]["cheapest"].split("/")[0] in ("aws", "gcp")
    by_name = {s["name"]: s for s in data["servers"]}
    assert by_name["old01"]["utilisation_class"] == "zombie"
    assert by_name["old01"]["strategy"] == "retire"
    assert by_name["web01"]["cpu_demand"] == pytest.approx(8 * 0.4 * 1.3)
    with out_csv.open() as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 3 * 3  # servers × (aws us-east-1, gcp us-central1, gcp europe-west1)
    wb = openpyxl.load_workbook(out_xlsx, read_only=True)
    assert {"Totals", "Servers", "Targets", "TCO"} <= set(wb.sheetnames)

    r2 = run_cli("--workspace", str(estate), "assess", "--no-forecast", "--headroom", "2.0")
    assert r2.code == 0, r2.stderr
    assert "Cheapest for this estate" in r2.stdout
    listed = json.loads(run_cli("--workspace", str(estate), "assess", "--list", "--json").stdout)
    assert [r["id"] for r in listed] == [2, 1]
    cmp = run_cli("--workspace", str(estate), "assess", "--compare", "1", "--json")
    assert cmp.code == 0, cmp.stderr
    diff = json.loads(cmp.stdout)
    assert diff["before"] == 1 and diff["after"] == 2
    assert any("headroom" in line for line in diff["settings_diff"])
    assert diff["changed_count"] > 0


def test_empty_estate_exits_with_one_line_error(workspace: Workspace) -> None:
    r = run_cli("--workspace", str(workspace.root), "assess")
    assert r.code == 2
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert lines[0].startswith("error: the estate is empty")
    assert lines[1].startswith("hint: ")


def test_unknown_cloud_flag_and_unknown_compare_run(estate: Path) -> None:
    r = run_cli("--workspace", str(estate), "assess", "--clouds", "ibm")
    assert r.code == 3 and "unknown cloud 'ibm'" in r.stderr
    r = run_cli("--workspace", str(estate), "assess", "--compare", "7", "--json")
    assert r.code == 2 and json.loads(r.stdout)["type"] == "InputError"


def test_bad_statistic_flag_is_a_config_error(estate: Path) -> None:
    r = run_cli("--workspace", str(estate), "assess", "--statistic", "p42")
    assert r.code == 3 and "cpu_statistic" in r.stderr


def test_catalog_show_filters_and_errors(tmp_path: Path) -> None:
    r = run_cli(
        "catalog", "show", "--cloud", "aws", "--region", "us-east-1", "--min-vcpus", "4",
        "--max-price", "0.5", "--family", "m5", "--json",
    )  # fmt: skip
    assert r.code == 0, r.stderr
    data = json.loads(r.stdout)
    assert [row["instance_type"] for row in data["rows"]] == ["m5.xlarge", "m5.2xlarge"]
    bad = run_cli("catalog", "show", "--cloud", "gcp", "--region", "mars-1")
    assert bad.code == 3 and "valid: asia-northeast1" in bad.stderr
    overview = json.loads(run_cli("catalog", "show", "--json").stdout)
    assert {c["cloud"] for c in overview["clouds"]} == {"aws", "azure", "gcp"}


@pytest.mark.parametrize(
    "path", [["assess"], ["catalog"], ["catalog", "show"], ["catalog", "refresh"]]
)
def test_help_has_examples_and_json(path: list[str]) -> None:
    r = run_cli(*path, "--help")
    assert r.code == 0
    assert "Example" in r.stdout
    if path == ["catalog"]:  # a command group: no output of its own; its commands have --json
        assert "show" in r.stdout and "refresh" in r.stdout
        assert "skylift catalog show" in r.stdout
    else:
        assert "--json" in r.stdout

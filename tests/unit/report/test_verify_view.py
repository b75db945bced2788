"""Stored ``skylift verify service`` runs in the report and the dashboard (#19/#17):
per run a latency chart (p50/p95/p99 and histogram, source vs target), throughput
and error rate, thresholds and verdict, failed checks and security findings."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from skylift.report.html import build_sections
from skylift.report.html.model import Section
from skylift.report.html.views_verify import CHARTED_RUNS
from skylift.workspace import Workspace
from skylift.workspace.dashboard import dashboard_fragment
from skylift.workspace.reporting import gather
from tests.unit.report.service_runs import SOURCE_MS, TARGET_MS, store_run, verification


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    Workspace.init(root, project="t").close()
    return root


def _section(root: Path) -> Section:
    with Workspace.open(root) as ws:
        (section,) = build_sections(gather(ws, {"transfers"}), ["transfers"])
    return section


def _pct(values: list[float], q: float) -> float:
    """The percentile by brute force (the oracle of the stored figures)."""
    ordered = sorted(values)
    rank = q * (len(ordered) - 1)
    lo = int(rank)
    return ordered[lo] + (ordered[min(lo + 1, len(ordered) - 1)] - ordered[lo]) * (rank - lo)


def test_a_stored_run_draws_latency_histogram_throughput_and_errors(ws: Path) -> None:
    store_run(ws)
    section = _section(ws)
    charts = {c.id: c for c in section.charts}
    assert set(charts) == {
        f"service-0-{k}" for k in ("latency", "histogram", "throughput", "errors")
    }
    for chart in charts.values():
        assert chart.series_count == 2, chart.id  # source and target
        assert [s["name"] for s in chart.option["series"]] == ["source", "target"]
    latency = charts["service-0-latency"].option
    assert latency["xAxis"]["data"] == ["p50", "p95", "p99"]
    for side, times in zip(latency["series"], (SOURCE_MS, TARGET_MS), strict=True):
        assert side["data"] == [round(_pct(times, q), 2) for q in (0.5, 0.95, 0.99)]
    hist = charts["service-0-histogram"].option
    for side in hist["series"]:
        assert sum(side["data"]) == pytest.approx(100, abs=0.1)  # shares of every request
    labels = hist["xAxis"]["data"]
    slow = labels.index("≤ 200 ms")  # the target's 20 requests of 150 ms: 5 %, none at source
    assert [s["data"][slow] for s in hist["series"]] == [0, 5.0]
    rates = charts["service-0-throughput"].option["series"]
    assert [s["data"] for s in rates] == [[200.0], [100.0]]
    errors = charts["service-0-errors"].option["series"]
    assert [s["data"] for s in errors] == [[0.0], [2.0]]  # 8 failed of 400 sent
    tables = {t.id: t for t in section.tables}
    (perf,) = tables["service-performance"].rows
    assert perf[2:4] == ("FAILED", "FAILED")
    assert "target p95 ≤ source p95 × 1.1 + 2 ms" in str(perf[9]) and "exceeds" in str(perf[10])
    (failed,) = tables["service-failed-checks"].rows
    assert failed[2:] == ("GET /api/items", "http", "status 200 → 500", "checks.yaml:4")
    findings = tables["service-findings"].rows
    assert [r[2:4] for r in findings] == [
        ("high", "SKY-VERIFY-TLS-PROTOCOL"),
        ("medium", "SKY-VERIFY-TLS-HOSTNAME"),
    ]
    assert all(r[5] == "new:8443" for r in findings)


def test_the_dashboard_page_carries_the_same_charts(ws: Path) -> None:
    store_run(ws)
    with Workspace.open(ws) as w:
        fragment = dashboard_fragment(w, "transfers")
    drawn = dict(re.findall(r'data-chart="(service-[^"]+)" data-series="(\d+)"', fragment["html"]))
    assert drawn == {
        f"service-0-{k}": "2" for k in ("latency", "histogram", "throughput", "errors")
    }
    assert set(drawn) <= set(fragment["data"]["charts"])


def test_a_run_without_load_has_no_charts_and_a_clean_run_no_failure_tables(ws: Path) -> None:
    clean = verification().model_copy(
        update={"performance": None, "findings": (), "functional": ()}
    )
    store_run(ws, clean)
    section = _section(ws)
    assert section.charts == ()
    assert {t.id for t in section.tables} == {"transfer-runs", "service-checks"}


def test_only_the_newest_runs_are_charted_every_run_is_listed(ws: Path) -> None:
    for hour in range(CHARTED_RUNS + 2):
        store_run(ws, verification(f"2026-12-07T0{hour}:00:00+00:00"))
    section = _section(ws)
    latency = [c for c in section.charts if c.id.endswith("-latency")]
    assert len(latency) == CHARTED_RUNS
    assert "2026-12-07 04:00:00" in latency[0].title  # newest first
    perf = next(t for t in section.tables if t.id == "service-performance")
    assert len(perf.rows) == CHARTED_RUNS + 2


def test_the_xlsx_has_a_sheet_per_service_table(ws: Path, tmp_path: Path) -> None:
    from skylift.report.xlsx import write_xlsx

    store_run(ws)
    names = write_xlsx(tmp_path / "r.xlsx", [_section(ws)], None)
    assert {"Service load vs thresholds", "Service failed checks"} <= set(names)
    assert "Service security findings" in names

"""The HTML report in a real headless Chromium: opens from file:// with no network
and no console error, every chart draws its series, the server table filters
and sorts, the Gantt chart has every wave, and a workspace where stages have not
run says which command fills each section."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from skylift.workspace import Workspace
from skylift.workspace.assessments import AssessmentStore
from skylift.workspace.core import create_workspace
from skylift.workspace.dashboard import section_ids
from skylift.workspace.plans import load_plan
from skylift.workspace.reporting import ReportRequest, write_report
from tests.integration.report.conftest import Page, skylift

pytestmark = pytest.mark.servers


@pytest.fixture(scope="module")
def report(estate: Path) -> Path:
    out = estate / "report.html"
    xlsx = estate / "report.xlsx"
    doc = json.loads(skylift(estate, "report", "--out", str(out), "--xlsx", str(xlsx), "--json"))
    assert doc["html"] == str(out)
    with zipfile.ZipFile(xlsx) as z:  # native Excel charts: cost per region and TCO
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
        assert len(charts) == 2
        assert any(b"<c:lineChart>" in z.read(n) for n in charts)
        assert any(b"<c:barChart>" in z.read(n) for n in charts)
    ran = {"summary", "inventory", "assessment", "dependencies", "plan", "security", "tracking"}
    assert all(doc["sections"][k]["available"] for k in ran)
    return out


def _charts(page: Page) -> list[dict[str, int | str]]:
    charts: list[dict[str, int | str]] = page.tab.evaluate(
        """() => Array.from(document.querySelectorAll('[data-chart]')).map(el => ({
            id: el.dataset.chart,
            expected: Number(el.dataset.series),
            drawn: Number(el.dataset.drawn || -1),
            marks: el.querySelectorAll('svg path, svg text').length,
        }))"""
    )
    return charts


def _option(page: Page, chart: str) -> dict[str, object]:
    option: dict[str, object] = page.tab.evaluate(
        "id => echarts.getInstanceByDom(document.querySelector(`[data-chart=${id}]`)).getOption()",
        chart,
    )
    return option


def test_report_opens_offline_and_every_chart_draws(page: Page, report: Path, estate: Path) -> None:
    requests: list[str] = []
    page.tab.on("request", lambda r: requests.append(r.url))
    page.open(report.as_uri())
    assert page.errors == []
    assert all(u.startswith(("file:", "data:")) for u in requests), requests
    charts = _charts(page)
    ids = {c["id"] for c in charts}
    assert {"assessment-cost", "assessment-tco", "plan-gantt", "dependency-graph"} <= ids
    assert {"security-severity", "inventory-os", "summary-readiness"} <= ids
    for c in charts:
        assert c["drawn"] == c["expected"], c
        assert int(c["expected"]) > 0 and int(c["marks"]) > 0, c
    with Workspace.open(estate) as ws:
        totals = AssessmentStore(ws).load().run.summary.totals
    cost = _option(page, "assessment-cost")
    assert cost["xAxis"][0]["data"] == sorted(f"{t.cloud}/{t.region}" for t in totals)  # type: ignore[index]
    for section in page.tab.query_selector_all("section[data-section]"):
        page.shot(
            f"report-{section.get_attribute('data-section')}", f"#{section.get_attribute('id')}"
        )


def test_gantt_shows_every_wave(page: Page, report: Path, estate: Path) -> None:
    page.open(report.as_uri())
    with Workspace.open(estate) as ws:
        waves = load_plan(ws).waves
    labels = _option(page, "plan-gantt")["yAxis"][0]["data"]  # type: ignore[index]
    assert sorted(labels) == sorted(
        f"wave {w.number}" + (" (pilot)" if w.pilot else "") for w in waves
    )
    text = page.tab.locator("[data-chart=plan-gantt] svg").text_content() or ""
    for w in waves:
        assert f"wave {w.number}" in text


def test_server_table_filters_and_sorts(page: Page, report: Path, estate: Path) -> None:
    page.open(report.as_uri())
    with Workspace.open(estate) as ws:
        servers = ws.servers()
    box = page.tab.locator("[data-table=servers]")
    assert box.get_attribute("data-rows") == str(len(servers))
    box.locator("input.table-filter").fill("prd-")
    expected = sorted(s.name for s in servers if "prd-" in s.name.lower())
    assert expected and box.get_attribute("data-rows") == str(len(expected))
    names = box.locator("tbody tr td:first-child").all_inner_texts()
    assert sorted(names) == expected
    box.locator("th", has_text="cores").click()
    cores = [int(c) for c in box.locator("tbody tr td:nth-child(4)").all_inner_texts() if c]
    assert cores == sorted(cores) and len(set(cores)) > 1
    box.locator("th", has_text="cores").click()
    cores = [int(c) for c in box.locator("tbody tr td:nth-child(4)").all_inner_texts() if c]
    assert cores == sorted(cores, reverse=True)
    # The per-server drill-down opens on a click and says why.
    drill = page.tab.locator("[data-table=assessment-servers]")
    drill.locator("tbody tr").first.click()
    assert "Demand" in drill.locator("tr.detail").inner_text()
    page.shot("report-table-filtered", "[data-table=servers]")
    assert page.errors == []


def test_missing_stages_name_the_command(page: Page, tmp_path: Path) -> None:
    create_workspace(tmp_path / "empty")
    out = tmp_path / "r.html"
    write_report(ReportRequest(out=out, workspace=tmp_path / "empty"))
    page.open(out.as_uri())
    assert page.errors == []
    notes = page.tab.locator(".missing-note").all_inner_texts()
    assert len(notes) == len(section_ids())  # every section, each naming its command
    joined = " ".join(notes)
    for command in (
        "skylift discover",
        "skylift assess",
        "skylift plan",
        "skylift scan",
        "skylift transfer",
    ):
        assert command in joined
    page.shot("report-empty-workspace")


def test_verify_service_run_draws_source_and_target(page: Page, tmp_path: Path) -> None:
    from tests.unit.report.service_runs import store_run

    root = Path(create_workspace(tmp_path / "verified").workspace)
    store_run(root)
    out = tmp_path / "r.html"
    write_report(ReportRequest(out=out, workspace=root))
    page.open(out.as_uri())
    assert page.errors == []
    charts = {str(c["id"]): c for c in _charts(page) if str(c["id"]).startswith("service-")}
    assert set(charts) == {
        f"service-0-{k}" for k in ("latency", "histogram", "throughput", "errors")
    }
    for c in charts.values():
        assert c["expected"] == 2 and c["drawn"] == 2 and int(c["marks"]) > 0, c
    latency = _option(page, "service-0-latency")
    assert latency["xAxis"][0]["data"] == ["p50", "p95", "p99"]  # type: ignore[index]
    for table in ("service-performance", "service-failed-checks", "service-findings"):
        assert int(page.tab.locator(f"[data-table={table}]").get_attribute("data-rows") or 0) > 0
    page.shot("report-verify-service", "#transfers")

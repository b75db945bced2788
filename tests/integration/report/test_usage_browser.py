"""Usage vs allocation over time (#21) in a real Chromium: the report from ``file://``
and the dashboard (``skylift serve``), from a stored optimize run of 120 VMs and 120
containers.

Oracles: every data-table cell against the stored series read back with raw SQL,
zlib and numpy (tests/integration/report/usage_runs.py: ``stored``); the workloads
drawn first are the ranking's worst (risks first: the upsized VM, the OOM-killed
container); the allocation lines are the run's current and recommended values.
Size: 10,000 workloads keep the workspace and the report bounded.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from skylift.optimize.ranking import container_score, vm_score
from skylift.workspace.core import create_workspace
from tests.integration.report.conftest import Page, skylift
from tests.integration.report.test_dashboard_browser import _serve, _stop
from tests.integration.report.usage_runs import seed_run, stored
from tests.integration.servers import free_port

pytestmark = pytest.mark.servers

PANEL = ".usage-shown [data-usage-id]"


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any], Path]:
    root = Path(create_workspace(tmp_path_factory.mktemp("usage") / "ws").workspace)
    doc = seed_run(root, vms=120, containers=120)
    out = root / "report.html"
    skylift(root, "report", "--out", str(out))
    return root, doc, out


def _worst(doc: dict[str, Any]) -> tuple[list[str], list[str]]:
    vms = sorted(doc["vms"], key=lambda v: (-vm_score(v), v["server"]))
    cts = sorted(doc["containers"], key=lambda c: (-container_score(c), c["container"]))
    return [v["server"] for v in vms], [f"shop/{c['container']}" for c in cts]


def _table(page: Page, panel: Any) -> tuple[list[str], list[list[str]]]:
    panel.locator("details.usage-table summary").click()
    table = panel.locator("details.usage-table table")
    table.wait_for()  # built on the details' toggle event
    heads = table.locator("thead th").all_inner_texts()
    rows = table.evaluate(
        "t => [...t.tBodies[0].rows].map(r => [...r.cells].map(c => c.textContent))"
    )
    return heads, rows


def _check_against_store(root: Path, kind: str, key: str, heads: list[str], rows: list) -> None:
    """Each cell of the fallback table is the stored value shown to 3 decimals (within
    5.5e-4: rounded to 4 in the page data, then to 3), None as empty."""
    start, bucket, want = stored(root, kind, key)
    assert len(rows) == want.shape[2]
    first = time.strftime("%Y-%m-%d %H:%M", time.gmtime(start + bucket))
    assert rows[0][0] == first
    for r, res in enumerate(("CPU (cores)", "memory (GiB)")):
        for s, stat in enumerate(("p50", "p95", "max", "current")):  # current: a step line
            col = heads.index(f"{res} {stat}")
            got = np.array([float(x[col]) if x[col] else np.nan for x in rows])
            np.testing.assert_allclose(got, want[r, s], rtol=0, atol=5.6e-4, equal_nan=True)


def test_report_draws_the_worst_workloads_labelled_with_their_data(
    page: Page, run: tuple[Path, dict[str, Any], Path]
) -> None:
    root, doc, out = run
    page.open(out.as_uri())
    assert page.errors == []
    panels = page.tab.locator(PANEL)
    assert panels.count() == 6
    vms, cts = _worst(doc)
    titles = panels.locator("h4").all_inner_texts()
    assert titles == [*vms[:3], *cts[:3]]
    assert titles[0] == "vm0007" and titles[3] == "shop/c0011"  # the risks come first
    for chart in page.tab.locator(f"{PANEL} [data-usage-chart]").all():
        label = chart.get_attribute("aria-label") or ""
        assert " — CPU (cores): p50, p95 and maximum of each 2-hour bucket" in label or (
            " — memory (GiB): p50, p95 and maximum of each 2-hour bucket" in label
        ), label
        assert "current" in label and "recommended" in label, label
        assert int(chart.get_attribute("data-drawn") or 0) == 5  # p95, p50, max, 2 allocations
        assert chart.locator("svg path").count() > 5
    first = panels.first
    page.shot("report-optimize-usage", PANEL)
    assert first.locator("figcaption").all_inner_texts() == [
        "vm0007 — CPU (cores)", "vm0007 — memory (GiB)",
    ]  # fmt: skip
    heads, rows = _table(page, first)
    vm = next(v for v in doc["vms"] if v["server"] == "vm0007")
    _check_against_store(root, "vm", vm["server_key"], heads, rows)
    t = vm["targets"][0]
    assert rows[-1][heads.index("CPU (cores) current")] == str(vm["cores"])  # a step line:
    assert float(rows[0][heads.index("CPU (cores) current")]) == 1.5 * vm["cores"]  # before
    assert float(rows[0][heads.index("CPU (cores) recommended")]) == t["recommended_vcpus"]
    assert float(rows[0][heads.index("memory (GiB) recommended")]) == t["recommended_memory_gib"]
    assert "recommended m7i.large (aws eu-west-1): 4 cores" in (
        first.locator("[data-usage-chart]").first.get_attribute("aria-label") or ""
    )


def test_report_index_opens_an_embedded_workload_and_names_the_rest(
    page: Page, run: tuple[Path, dict[str, Any], Path]
) -> None:
    root, doc, out = run
    page.open(out.as_uri())
    _, cts = _worst(doc)
    box = page.tab.locator("[data-table=optimize-usage-index]")
    assert box.get_attribute("data-rows") == "240"
    name = cts[20]  # embedded (the 50 worst per kind), not drawn at first
    box.locator("input.table-filter").fill(name)
    box.locator(f"tr[data-usage-open='container:{name}']").click()
    opened = page.tab.locator(".usage-selected [data-usage-id]")
    opened.wait_for()
    assert opened.locator("h4").inner_text() == name
    assert [int(c.get_attribute("data-drawn") or 0) for c in opened.locator(".chart").all()] == [
        5,
        5,
    ]
    heads, rows = _table(page, opened)
    _check_against_store(root, "container", name, heads, rows)
    # beyond the embedded ones the row says where its chart is, and opens nothing
    box.locator("input.table-filter").fill(cts[100])
    assert box.locator("tbody tr td").last.inner_text() == "in skylift serve"
    assert box.locator("tr[data-usage-open]").count() == 0
    assert page.errors == []


@pytest.fixture(scope="module")
def dashboard(run: tuple[Path, dict[str, Any], Path]) -> Iterator[str]:
    proc, url = _serve(run[0], "--listen", f"127.0.0.1:{free_port()}")
    try:
        yield url
    finally:
        _stop(proc)


def test_dashboard_serves_any_workload_on_demand(
    page: Page, run: tuple[Path, dict[str, Any], Path], dashboard: str
) -> None:
    root, doc, _ = run
    page.open(dashboard.rstrip("/") + "/optimize")
    assert page.tab.locator(PANEL).count() == 6
    # the page embeds no other series: a far-down workload is fetched when opened
    assert page.tab.locator("script[data-usage-panel]").count() == 0
    vms, _ = _worst(doc)
    name = vms[110]
    box = page.tab.locator("[data-table=optimize-usage-index]")
    box.locator("input.table-filter").fill(name)
    key = next(v["server_key"] for v in doc["vms"] if v["server"] == name)
    box.locator(f"tr[data-usage-open='vm:{key}']").click()
    opened = page.tab.locator(".usage-selected [data-usage-id]")
    opened.wait_for()
    assert opened.locator("h4").inner_text() == name
    page.shot("dashboard-optimize-usage", ".usage-selected")
    heads, rows = _table(page, opened)
    _check_against_store(root, "vm", key, heads, rows)
    assert page.errors == []


def test_ten_thousand_workloads_stay_bounded(tmp_path: Path) -> None:
    """10,000 workloads: the stored series stay < 2.1 KB each, the report embeds 100
    panels at most and stays small, and it is written in seconds."""
    root = Path(create_workspace(tmp_path / "ws").workspace)
    db = root / ".skylift" / "state.db"
    seed_run(root, vms=5000, containers=5000)
    import sqlite3

    with sqlite3.connect(db) as conn:
        n, total, biggest = conn.execute(
            "select count(*), sum(length(data)), max(length(data)) from optimization_series"
        ).fetchone()
    assert n == 10_000 and biggest <= 2688 + 64 and total < 21_000_000
    out = tmp_path / "report.html"
    t0 = time.monotonic()
    skylift(root, "report", "--out", str(out))
    took = time.monotonic() - t0
    html = out.read_text(encoding="utf-8")
    assert html.count("data-usage-panel=") == 2 * (50 - 3)
    size = out.stat().st_size
    print(
        f"10,000 workloads: series {total / 1e6:.1f} MB; report {size / 1e6:.1f} MB, {took:.1f} s"
    )
    assert size < 12_000_000 and took < 60

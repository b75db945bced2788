"""The dashboard's calls (``skylift serve``): one section as a live page or a
fragment, the shipped assets, and the change token with the running transfers.

The pages are the report's views (:mod:`skylift.workspace.reporting` gathers
the inputs; :mod:`skylift.report.html` renders), one section per page.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from skylift.errors import InputError
from skylift.workspace.reporting import SCAN_FILE, check_store, gather

if TYPE_CHECKING:
    from skylift.report.html.model import Section
    from skylift.workspace.core import Workspace


def section_ids() -> list[str]:
    """The dashboard's pages, in order."""
    from skylift.report.html.render import SECTIONS

    return list(SECTIONS)


def _one(ws: Workspace, section_id: str) -> Section:
    from skylift.report.html.render import SECTIONS, build_sections

    if section_id not in SECTIONS:
        raise InputError(f"no section {section_id!r}", "one of: " + ", ".join(SECTIONS))
    if section_id == "tracking":
        from skylift.report.html.views_tracking import tracking

        return tracking(gather(ws, {section_id}), live=True)
    return build_sections(gather(ws, {section_id}, live=True), [section_id])[0]


def dashboard_usage(ws: Workspace, panel: str) -> dict[str, Any]:
    """One workload's usage-over-time panel of the latest optimize run (``vm:KEY`` or
    ``container:NAMESPACE/NAME``); InputError when there is none."""
    from skylift.report.html.views_usage import find_row
    from skylift.report.html.views_usage import panel as usage_panel
    from skylift.workspace.optimizing import optimization_runs
    from skylift.workspace.usage_series import one_usage

    kind, _, key = panel.partition(":")
    runs = optimization_runs(ws, 1)
    entry = one_usage(ws, runs[0]["run"], kind, key) if runs else None
    row = find_row(runs[0], kind, key) if runs else None
    if entry is None or row is None:
        raise InputError(f"no usage series for {panel!r}", "run 'skylift optimize' first")
    return usage_panel(entry, row).as_json()


def dashboard_page(ws: Workspace, section_id: str, static_prefix: str) -> str:
    """One dashboard page (a section, live), linking the assets under ``static_prefix``."""
    from skylift.report.html.render import SECTIONS, NavItem, render

    section = _one(ws, section_id)
    nav = [
        NavItem(sid, title, sid, True, sid == section_id) for sid, (title, _) in SECTIONS.items()
    ]
    now = f"{datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC"
    return render(ws.settings.project, now, [section], nav, live=True, static_prefix=static_prefix)


def dashboard_fragment(ws: Workspace, section_id: str) -> dict[str, Any]:
    """One section's HTML and chart/table data (swapped in when tracking changes)."""
    from skylift.report.html.render import render_fragment

    return render_fragment(_one(ws, section_id))


def live_runs(ws: Workspace) -> tuple[str, list[dict[str, Any]]]:
    """A change token of the workspace (tracking events, runs, imports, assessments, plan,
    scan) and the running runs' progress (for SSE and the dashboard's page cache)."""
    from sqlalchemy import func, select

    from skylift.workspace.tables_tracking import tracking_events, tracking_runs
    from skylift.workspace.tracking import reap_listed

    reap_listed(ws.store.engine)  # a run whose process was killed is not running
    with ws.store.engine.connect() as conn:
        last_event = conn.execute(select(func.max(tracking_events.c.id))).scalar()
        finished = conn.execute(
            select(func.count())
            .select_from(tracking_runs)
            .where(tracking_runs.c.state != "running")
        ).scalar()
        running = conn.execute(
            select(tracking_runs).where(tracking_runs.c.state == "running")
        ).all()
    runs = []
    for r in running:
        m = r._mapping
        left = m["bytes_total"] - m["bytes_done"]
        runs.append(
            {
                "id": m["id"],
                "kind": m["kind"],
                "destination": m["destination"],
                "wave": m["wave"],
                "bytes_done": m["bytes_done"],
                "bytes_total": m["bytes_total"],
                "rate_bps": m["rate_bps"],
                "percent": 100.0 * m["bytes_done"] / m["bytes_total"] if m["bytes_total"] else 0.0,
                "eta_s": left / m["rate_bps"] if m["rate_bps"] > 0 and left > 0 else None,
            }
        )
    return json.dumps([last_event, finished, len(runs), *_stage_marks(ws)]), runs


def _stage_marks(ws: Workspace) -> list[float]:
    """What changes when a stage runs: latest import and assessment ids, plan and scan times."""
    from sqlalchemy import func, select

    from skylift.workspace.tables import import_runs
    from skylift.workspace.tables_assess import assessment_runs

    with ws.store.engine.connect() as conn:
        imported = conn.execute(select(func.max(import_runs.c.id))).scalar() or 0
        assessed = conn.execute(select(func.max(assessment_runs.c.id))).scalar() or 0
    files = (ws.state_dir / "plans" / "latest.json", ws.state_dir / SCAN_FILE)
    return [imported, assessed, *(f.stat().st_mtime if f.exists() else 0 for f in files)]


def dashboard_asset(name: str) -> str:
    """A file the dashboard pages link (``report.css``, ``report.js``, ``echarts.min.js``);
    KeyError for any other name."""
    from skylift.report.html.render import asset

    return asset(name)


__all__ = [
    "check_store",
    "dashboard_asset",
    "dashboard_fragment",
    "dashboard_page",
    "live_runs",
    "section_ids",
]

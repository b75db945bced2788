"""Render sections into HTML with Jinja2: the self-contained report, or a dashboard page.

The report inlines its stylesheet, script and Apache ECharts (opens from
``file://`` with no network). Dashboard pages use the same templates and link
the same files from the server.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

from skylift.report.html import (
    views_assess,
    views_decompose,
    views_estate,
    views_optimize,
    views_plan,
    views_tracking,
)
from skylift.report.html.model import ReportInputs, Section

#: Section id → (title, builder), in report order.
SECTIONS: dict[str, tuple[str, Callable[[ReportInputs], Section]]] = {
    "summary": ("Summary", views_estate.summary),
    "inventory": ("Inventory", views_estate.inventory),
    "assessment": ("Assessment", views_assess.assessment),
    "dependencies": ("Dependencies", views_estate.dependencies),
    "plan": ("Plan", views_plan.plan),
    "security": ("Security", views_plan.security),
    "transfers": ("Transfers", views_tracking.transfers),
    "tracking": ("Tracking", views_tracking.tracking),
    "optimize": ("Optimize", views_optimize.optimize),
    "decompose": ("Decompose", views_decompose.decompose),
}

#: Files shipped with the report (name → package-relative path).
ASSETS = {
    "echarts.min.js": "vendor/echarts.min.js",
    "report.js": "static/report.js",
    "report.css": "static/report.css",
}


@cache
def asset(name: str) -> str:
    """The text of a shipped asset (``report.css``, ``report.js``, ``echarts.min.js``)."""
    return (files("skylift.report.html") / ASSETS[name]).read_text(encoding="utf-8")


@cache
def _env() -> Any:
    import jinja2
    import markupsafe

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("skylift.report.html", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # _json escapes <, > and & (safe inside a <script> element)
    env.filters["script_json"] = lambda data: markupsafe.Markup(_json(data))  # noqa: S704
    return env


def build_sections(inputs: ReportInputs, only: Sequence[str] | None = None) -> list[Section]:
    """The sections (all, or ``only`` those ids) computed from ``inputs``."""
    return [build(inputs) for sid, (_, build) in SECTIONS.items() if only is None or sid in only]


def _json(data: object) -> str:
    """JSON safe inside a <script> element."""
    text = json.dumps(data, separators=(",", ":"), allow_nan=False, default=str)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def page_data(sections: Sequence[Section]) -> dict[str, Any]:
    """What the page script reads: chart options and table rows by id."""
    tables = {t.id: t.as_json() for s in sections for t in s.tables}
    tables.update({s.usage.index.id: s.usage.index.as_json() for s in sections if s.usage})
    return {
        "charts": {c.id: c.option for s in sections for c in s.charts},
        "tables": tables,
        "usage": {p.id: p.as_json() for s in sections if s.usage for p in s.usage.shown},
    }


@dataclass(frozen=True)
class NavItem:
    """One link of the navigation bar."""

    id: str
    title: str
    href: str
    available: bool
    current: bool = False


def render(
    project: str,
    generated: str,
    sections: Sequence[Section],
    nav: Sequence[NavItem],
    live: bool = False,
    static_prefix: str | None = None,
) -> str:
    """One HTML document. ``static_prefix`` None inlines the assets (the report);
    otherwise they are linked under that prefix (the dashboard)."""
    template = _env().get_template("page.html.j2")
    return str(
        template.render(
            project=project,
            generated=generated,
            sections=sections,
            nav=nav,
            live=live,
            inline=static_prefix is None,
            static=static_prefix or "",
            css=asset("report.css") if static_prefix is None else "",
            js=asset("report.js") if static_prefix is None else "",
            echarts=asset("echarts.min.js").replace("</script", "<\\/script")
            if static_prefix is None
            else "",
            data=_json(page_data(sections)),
        )
    )


def render_report(inputs: ReportInputs) -> str:
    """The self-contained HTML report: every section, in one page."""
    sections = build_sections(inputs)
    nav = [NavItem(s.id, s.title, f"#{s.id}", s.available) for s in sections]
    return render(inputs.project, f"{inputs.generated_at:%Y-%m-%d %H:%M} UTC", sections, nav)


def render_fragment(section: Section) -> dict[str, Any]:
    """One section's HTML and data (the dashboard swaps it in when it changes)."""
    html = _env().get_template("section.html.j2").render(section=section)
    return {"html": html, "data": page_data([section])}

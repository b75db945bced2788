"""Monitoring for the migrated services: Prometheus scrape config and a Grafana dashboard."""

from __future__ import annotations

import json
from dataclasses import dataclass

from skylift.domain.target import TargetSpec
from skylift.generate.names import dns_name
from skylift.generate.render import render


@dataclass(frozen=True)
class Panel:
    """One time-series panel of the dashboard."""

    id: int
    title: str
    expr: str
    unit: str
    x: int
    y: int


@dataclass(frozen=True)
class MonitoringContext:
    """Scrape jobs and dashboard panels for one target."""

    app: str
    namespace: str
    vm_targets: tuple[str, ...]
    panels: tuple[Panel, ...]


def build_context(target: TargetSpec) -> MonitoringContext:
    """Two panels (CPU, memory) per service, plus restarts; node panels for rehosted VMs."""
    app = dns_name(target.name)
    panels: list[Panel] = []
    for i, s in enumerate(target.services):
        sel = f'namespace="{app}", pod=~"{s.name}-.*", container!=""'
        y = i * 8
        panels.append(
            Panel(
                id=len(panels) + 1,
                title=f"{s.name}: CPU (cores)",
                expr=f"sum(rate(container_cpu_usage_seconds_total{{{sel}}}[5m]))",
                unit="short",
                x=0,
                y=y,
            )
        )
        panels.append(
            Panel(
                id=len(panels) + 1,
                title=f"{s.name}: memory working set",
                expr=f"sum(container_memory_working_set_bytes{{{sel}}})",
                unit="bytes",
                x=12,
                y=y,
            )
        )
    vms = tuple(f"{h.name}:9100" for h in target.hosts if h.db_engine is None)
    if vms:
        y = len(target.services) * 8
        panels.append(
            Panel(
                id=len(panels) + 1,
                title="Rehosted VMs: CPU busy %",
                expr='100 * (1 - avg by (instance) (rate(node_cpu_seconds_total{job="rehosted-vms",'
                'mode="idle"}[5m])))',
                unit="percent",
                x=0,
                y=y,
            )
        )
        panels.append(
            Panel(
                id=len(panels) + 1,
                title="Rehosted VMs: memory available",
                expr='node_memory_MemAvailable_bytes{job="rehosted-vms"}',
                unit="bytes",
                x=12,
                y=y,
            )
        )
    return MonitoringContext(app=app, namespace=app, vm_targets=vms, panels=tuple(panels))


def dashboard(ctx: MonitoringContext) -> str:
    """The Grafana dashboard as JSON (schema 39, datasource chosen at import)."""
    doc = {
        "title": f"{ctx.app} (migrated by skylift)",
        "uid": f"skylift-{ctx.app}"[:40],
        "schemaVersion": 39,
        "version": 1,
        "editable": True,
        "time": {"from": "now-6h", "to": "now"},
        "refresh": "1m",
        "tags": ["skylift", ctx.app],
        "templating": {
            "list": [{"name": "datasource", "type": "datasource", "query": "prometheus", "hide": 0}]
        },
        "panels": [
            {
                "id": p.id,
                "type": "timeseries",
                "title": p.title,
                "datasource": {"type": "prometheus", "uid": "${datasource}"},
                "gridPos": {"h": 8, "w": 12, "x": p.x, "y": p.y},
                "fieldConfig": {"defaults": {"unit": p.unit}, "overrides": []},
                "targets": [{"refId": "A", "expr": p.expr}],
            }
            for p in ctx.panels
        ],
    }
    return json.dumps(doc, indent=2) + "\n"


def render_monitoring(target: TargetSpec) -> dict[str, str]:
    """prometheus.yml and grafana-dashboard.json (paths relative to ``monitoring/``)."""
    ctx = build_context(target)
    return {
        "prometheus.yml": render("monitoring/prometheus.yml.j2", ctx=ctx),
        "grafana-dashboard.json": dashboard(ctx),
    }

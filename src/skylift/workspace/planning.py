"""``skylift plan`` as one call: constraint flags in, the stored plan (and its files) out."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from skylift.domain.progress import NULL_PROGRESS, Progress
from skylift.errors import InputError

if TYPE_CHECKING:
    from skylift.domain.inventory import Server
    from skylift.domain.plan import Plan


@dataclass(frozen=True)
class PlanRequest:
    """Constraint flags (None: skylift.yaml's value), exports, and the workspace."""

    max_servers: int | None = None
    max_tb: float | None = None
    bandwidth: float | None = None
    lanes: int | None = None
    pilot: int | None = None
    measured_bandwidth: bool = False
    include_powered_off: bool | None = None
    csv: Path | None = None
    mgn_csv: Path | None = None
    gantt: Path | None = None
    workspace: Path | None = None

    def overrides(self) -> dict[str, Any]:
        """The ``constraints:`` settings the flags override."""
        values = {
            "max_servers_per_wave": self.max_servers,
            "max_tb_per_wave": self.max_tb,
            "bandwidth_mbps": self.bandwidth,
            "lanes": self.lanes,
            "pilot_max_servers": self.pilot,
        }
        picked = {k: v for k, v in values.items() if v is not None}
        return {"constraints": picked} if picked else {}


def explain_placement(request: PlanRequest, server: str) -> list[str]:
    """Why ``server`` (name or key) sits in its wave of the stored plan."""
    from skylift.plan.explain import explain_server
    from skylift.workspace.core import Workspace
    from skylift.workspace.plans import load_plan

    with Workspace.open(request.workspace, overrides=request.overrides()) as ws:
        return explain_server(load_plan(ws), server)


def plan_workspace(request: PlanRequest, progress: Progress = NULL_PROGRESS) -> Plan:
    """Plan the estate's waves, store the plan, and write the CSV / MGN CSV / Gantt SVG.

    ``measured_bandwidth`` (without ``bandwidth``) uses the median throughput of
    the workspace's recent transfers.
    """
    from skylift.workspace.core import Workspace
    from skylift.workspace.plans import build_plan, measured_settings

    with Workspace.open(request.workspace, overrides=request.overrides()) as ws:
        measured = request.measured_bandwidth and request.bandwidth is None
        settings = measured_settings(ws) if measured else None
        plan = build_plan(
            ws,
            settings=settings,
            progress=progress,
            include_powered_off=request.include_powered_off,
        )
        # The CSV exports need server details; a plain plan does not read them twice.
        wanted = request.csv or request.mgn_csv
        servers = {s.key: s for s in ws.servers()} if wanted else {}
    write_exports(plan, servers, request.csv, request.mgn_csv, request.gantt)
    return plan


def write_exports(
    plan: Plan,
    servers: dict[str, Server],
    csv_path: Path | None,
    mgn_csv: Path | None,
    gantt: Path | None,
) -> None:
    """Write the waves CSV, the AWS MGN import CSV and the Gantt SVG that are asked for."""
    from skylift.report.gantt import gantt_svg
    from skylift.report.plan import mgn_csv as mgn
    from skylift.report.plan import waves_csv

    if csv_path is not None:
        atomic_write(csv_path, waves_csv(plan, servers))
    if mgn_csv is not None:
        atomic_write(mgn_csv, mgn(plan, servers))
    if gantt is not None:
        rows = [
            (w.name, w.start_hour, w.transfer_hours, w.end_hour, w.lane, w.production)
            for w in plan.waves
        ]
        atomic_write(gantt, gantt_svg(rows, plan.lanes))


def atomic_write(path: Path, text: str) -> None:
    """Write ``text`` under a temporary name, then rename; InputError when it cannot."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        raise InputError(
            f"cannot write {path}: {exc.strerror}", "check the folder exists and is writable"
        ) from exc

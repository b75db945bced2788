"""Plans in the workspace: build the planner's input, run it, keep the result.

Plans are stored as JSON documents under ``.skylift/plans/`` (one per run,
plus ``latest.json``), written to a temporary name and renamed.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from skylift.assess.scope import powered_off_retire
from skylift.domain.plan import Plan, PlanningSettings
from skylift.domain.progress import NULL_PROGRESS, Progress
from skylift.errors import ConfigError, InputError, PlanningError
from skylift.plan.inputs import PlanInput
from skylift.plan.packing import NodeType, PackingResult, Workload, pack
from skylift.plan.run import make_plan

if TYPE_CHECKING:
    from skylift.workspace.core import Workspace


def plans_dir(ws: Workspace) -> Path:
    """Folder holding the plan documents."""
    return ws.state_dir / "plans"


def _latest_assessed(ws: Workspace) -> pl.DataFrame | None:
    """Per-server results of the latest assessment, or None when there is none."""
    from skylift.workspace.assessments import AssessmentStore

    store = AssessmentStore(ws)
    return store.load().servers if store.list() else None


def _retire_map(ws: Workspace) -> dict[str, str]:
    """Servers the latest assessment recommends to retire, with its reason (empty
    when no assessment has been run)."""
    servers = _latest_assessed(ws)
    if servers is None or "strategy" not in servers.columns:
        return {}
    out: dict[str, str] = {}
    for row in servers.filter(pl.col("strategy") == "retire").iter_rows(named=True):
        out[str(row["server_key"])] = str(row.get("strategy_reason") or "assessment: retire")
    return out


def build_plan(
    ws: Workspace,
    settings: PlanningSettings | None = None,
    retire: Mapping[str, str] | None = None,
    progress: Progress = NULL_PROGRESS,
    include_powered_off: bool | None = None,
) -> Plan:
    """Plan the workspace's estate with its settings (or ``settings``) and store the plan.

    Powered-off servers are decommission candidates, not in a wave, unless
    ``include_powered_off`` (default: ``assess.include_powered_off``).
    """
    servers = ws.servers()
    include = (
        ws.settings.assess.include_powered_off
        if include_powered_off is None
        else (include_powered_off)
    )
    retired = dict(retire) if retire is not None else _retire_map(ws)
    inp = PlanInput(
        servers=servers,
        dependencies=ws.dependencies(),
        retire=powered_off_retire(servers, retired, include),
        with_series=ws.store.series_server_keys(),
    )
    plan = make_plan(inp, settings or ws.settings.constraints, progress)
    save_plan(ws, plan)
    return plan


def save_plan(ws: Workspace, plan: Plan) -> Path:
    """Write the plan atomically; return its path."""
    folder = plans_dir(ws)
    folder.mkdir(parents=True, exist_ok=True)
    text = plan.model_dump_json(indent=1)
    name = f"plan-{plan.created_at.strftime('%Y%m%dT%H%M%S%f')}.json"
    for target in (folder / name, folder / "latest.json"):
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".plan-")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, target)
    return folder / name


def load_plan(ws: Workspace) -> Plan:
    """The latest stored plan."""
    path = plans_dir(ws) / "latest.json"
    if not path.exists():
        raise PlanningError("no plan yet in this workspace", "run 'skylift plan' first")
    try:
        return Plan.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, OSError) as exc:
        raise ConfigError(
            f"{path}: the stored plan is unreadable ({exc})", "re-run 'skylift plan'"
        ) from exc


def node_types(cloud: str, region: str) -> list[NodeType]:
    """Non-burstable, non-GPU x86_64 instance types of the bundled catalog as node types."""
    from skylift.catalog.loader import load_catalog

    offers = load_catalog().offers(cloud, region)
    out: list[NodeType] = []
    for row in offers.iter_rows(named=True):
        if row["gpus"] or row["arch"] != "x86_64":
            continue
        out.append(
            NodeType(
                name=row["instance_type"],
                vcpus=float(row["vcpus"]),
                memory_gib=float(row["memory_gib"]),
                price_hour=float(row["price_hour"]),
                burstable=bool(row.get("burstable", False)),
            )
        )
    return out


def consolidate(
    workloads: Sequence[Workload],
    cloud: str,
    region: str,
    zones: Sequence[str],
    headroom: float = 1.1,
) -> PackingResult:
    """Pack ``workloads`` onto node pools built from the catalog of ``cloud``/``region``."""
    return pack(workloads, node_types(cloud, region), zones=zones, headroom=headroom)


_DB_PORTS = frozenset({1433, 1521, 3306, 5432, 6379, 27017})


def estate_workloads(ws: Workspace) -> list[Workload]:
    """The estate's container candidates as workloads (``skylift plan pack`` default).

    With an assessment: the servers it sends to containers, at their assessed
    CPU and memory demand. Without one: powered-on servers that run no database,
    at their summary utilisation (50 % CPU / 60 % memory when unknown).
    Production runs two replicas, dev/test one.
    """
    servers = {s.key: s for s in ws.servers()}
    latest = _latest_assessed(ws)
    items: list[Workload] = []
    if latest is not None:
        assessed = latest.filter(pl.col("service_model") == "paas_containers")
        for row in assessed.iter_rows(named=True):
            s = servers.get(str(row["server_key"]))
            if s is None:
                continue
            items.append(
                Workload(
                    name=s.name,
                    cpu=round(max(0.1, float(row["cpu_demand"] or 0.0)), 2),
                    memory_gib=round(max(0.25, float(row["memory_demand_gib"] or 0.0)), 2),
                    replicas=2 if s.environment.value == "production" else 1,
                )
            )
    else:
        for s in servers.values():
            if s.power_state.value == "off" or any(v.port in _DB_PORTS for v in s.services):
                continue
            if not s.cores or not s.memory_mib:
                continue
            items.append(
                Workload(
                    name=s.name,
                    cpu=round(s.cores * max(0.05, (s.cpu_util_pct or 50.0) / 100.0), 2),
                    memory_gib=round(
                        s.memory_mib / 1024 * max(0.1, (s.mem_util_pct or 60.0) / 100.0), 2
                    ),
                    replicas=2 if s.environment.value == "production" else 1,
                )
            )
    if not items:
        raise InputError(
            "no container candidates in the estate",
            "run 'skylift assess' (it picks servers for containers), or pass --workloads FILE",
        )
    return items


def measured_settings(ws: Workspace) -> PlanningSettings:
    """The workspace's planning settings with the bandwidth its transfers achieved.

    The measured figure is already the effective throughput, so the link
    efficiency becomes 1; compression stays as configured.
    """
    from skylift.transfer.history import MIN_MEASURED_BYTES, measured_mbps, read

    found = measured_mbps(read(ws.state_dir / "transfers"))
    if found is None:
        raise PlanningError(
            f"no transfer in this workspace has moved {MIN_MEASURED_BYTES >> 20} MiB or more yet",
            "run 'skylift transfer' on a representative share of the data, or pass --bandwidth",
        )
    mbps, runs = found
    return ws.settings.constraints.model_copy(
        update={
            "bandwidth_mbps": round(mbps, 1),
            "link_efficiency": 1.0,
            "bandwidth_source": f"measured: median of {runs} recent transfer(s)",
        }
    )

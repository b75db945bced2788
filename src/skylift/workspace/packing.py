"""``skylift plan pack`` as one call: consolidate workloads onto node pools, or size
a stateless tier as N instances of one type (scale-out).

Workloads come from a CSV (``name,cpu,memory_gib[,replicas]``) or, without
one, from the workspace's estate (:func:`skylift.workspace.plans.estate_workloads`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from skylift.errors import InputError

if TYPE_CHECKING:
    from skylift.plan.packing import PackingResult, Workload
    from skylift.plan.scaleout import ScaleOut

HOURS_PER_MONTH = 730


def read_workloads(path: Path) -> list[Workload]:
    """Workloads from a CSV; InputError naming the file, row and column when a cell is bad."""
    from skylift.inventory.tabular import Row, read_csv, require_columns
    from skylift.plan.packing import Workload

    table = read_csv(path)
    require_columns(
        table,
        {"name": ["name"], "cpu": ["cpu", "cpu_cores"], "memory_gib": ["memory_gib", "memory"]},
        "columns: name,cpu,memory_gib[,replicas]",
    )
    cols = table.columns()
    items = []
    for n, cells in table.rows:
        row = Row(table, cols, n, cells)
        name = row.text("name")
        cpu = row.number_("cpu", "cpu_cores")
        mem = row.number_("memory_gib", "memory")
        if not name or cpu is None or mem is None:
            raise InputError("name, cpu and memory_gib are required", "fill the cells", row.loc())
        items.append(
            Workload(name=name, cpu=cpu, memory_gib=mem, replicas=row.integer("replicas") or 1)
        )
    return items


@dataclass(frozen=True)
class PackRequest:
    """Where and how to pack; any of ``node_type``/``cores``/``memory_gib`` means scale-out."""

    workloads: Path | None = None
    cloud: str = "aws"
    region: str = "us-east-1"
    zones: int = 3
    headroom: float = 1.1
    node_type: str | None = None
    cores: float | None = None
    memory_gib: float | None = None
    min_instances: int = 1
    workspace: Path | None = None

    @property
    def scale_out(self) -> bool:
        """Size one tier as N instances instead of packing node pools."""
        return self.node_type is not None or self.cores is not None or self.memory_gib is not None


@dataclass(frozen=True)
class Consolidation:
    """Node pools for the workloads, against one VM per workload and the LP bound."""

    request: PackRequest
    workloads: list[Workload]
    result: PackingResult

    def as_json(self) -> dict[str, Any]:
        """The ``--json`` document (monthly figures at 730 hours)."""
        r, items = self.result, self.workloads
        return {
            "cloud": self.request.cloud,
            "region": self.request.region,
            "workloads": len(items),
            "replicas": sum(w.replicas for w in items),
            "nodes": [{"type": t, "count": n} for t, n in r.nodes],
            "monthly_cost": round(r.monthly_cost, 2),
            "lp_lower_bound_monthly": round(r.lower_bound * HOURS_PER_MONTH, 2),
            "gap_pct": round(100 * r.gap, 2),
            "rehost_monthly_cost": round(r.rehost_hourly_cost * HOURS_PER_MONTH, 2),
            "savings_vs_rehost_pct": round(100 * (1 - r.hourly_cost / r.rehost_hourly_cost), 1)
            if r.rehost_hourly_cost
            else None,
        }


@dataclass(frozen=True)
class ScaleOutSizing:
    """A stateless tier as N instances of one type."""

    request: PackRequest
    result: ScaleOut

    def as_json(self) -> dict[str, Any]:
        """The ``--json`` document."""
        r = self.result
        return {
            "mode": "scale-out",
            "cloud": self.request.cloud,
            "region": self.request.region,
            "node_type": r.node_type,
            "instances": r.instances,
            "instance_vcpus": r.vcpus,
            "instance_memory_gib": r.memory_gib,
            "demand_cores": r.demand_cores,
            "demand_memory_gib": r.demand_memory_gib,
            "headroom": r.headroom,
            "binding": r.binding,
            "capacity_cores": r.instances * r.vcpus,
            "monthly_cost": round(r.monthly_cost, 2),
        }


def _workloads(request: PackRequest) -> list[Workload]:
    from skylift.workspace.core import Workspace
    from skylift.workspace.plans import estate_workloads

    if request.workloads is not None:
        return read_workloads(request.workloads)
    with Workspace.open(request.workspace) as ws:
        return estate_workloads(ws)


def pack_workloads(request: PackRequest) -> Consolidation | ScaleOutSizing:
    """Consolidate onto node pools of the catalog's ``cloud``/``region`` at minimum cost,
    or (scale-out) N = ceil(demand × headroom / per-instance capacity) of one type."""
    from skylift.workspace.plans import consolidate, node_types

    if request.scale_out:
        from skylift.plan.scaleout import scale_out

        cores, memory_gib = request.cores, request.memory_gib
        if cores is None:
            items = _workloads(request)
            cores = sum(w.cpu * w.replicas for w in items)
            if memory_gib is None:
                memory_gib = sum(w.memory_gib * w.replicas for w in items)
        types = node_types(request.cloud, request.region)
        sized = scale_out(
            cores, types, request.headroom, request.node_type, memory_gib or 0.0,
            request.min_instances,
        )  # fmt: skip
        return ScaleOutSizing(request, sized)
    items = _workloads(request)
    zones = [f"{request.region}-{c}" for c in "abcdef"[: request.zones]]
    result = consolidate(items, request.cloud, request.region, zones, request.headroom)
    return Consolidation(request, items, result)

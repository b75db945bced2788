"""``skylift optimize`` as one call: usage from Prometheus in, recommendations out.

Joins three stages (siblings that may not import each other): ``optimize``
reads and aggregates usage and right-sizes containers; ``assess`` sizes the
VMs with the assessment's own rules (statistic of 10-minute peaks × headroom,
cheapest fitting type per target cloud region); ``plan`` packs the containers'
current and recommended requests onto node pools (``plan pack``) for the node
capacity saving. The run is stored in the workspace (``optimizations``) and
its patches are written beside it.
"""

from __future__ import annotations

import math
import os
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from skylift.domain.progress import NULL_PROGRESS, Progress
from skylift.errors import ConfigError, InputError, PlanningError

if TYPE_CHECKING:
    import polars as pl

    from skylift.assess.policy import AssessPolicy
    from skylift.optimize.containers import ContainerUsage
    from skylift.optimize.rightsize import ContainerAdvice
    from skylift.optimize.settings import OptimizeSettings
    from skylift.optimize.vms import VmUsage
    from skylift.workspace.core import Workspace

HOURS = 730.0
GIB = 1024.0**3


@dataclass(frozen=True)
class OptimizeRequest:
    """Flags of ``skylift optimize`` (None: skylift.yaml's ``optimize:`` value)."""

    prometheus: str | None = None
    window: str | None = None  # "14d", "36h", "14" (days)
    at: float | None = None  # window end, Unix seconds (default: now)
    generated: Path | None = None  # the ``skylift generate --out`` folder to patch
    out: Path | None = None  # where patches go (default: .skylift/optimize/<run>)
    workspace: Path | None = None


@dataclass(frozen=True)
class OptimizeResult:
    """The stored run: per VM and per container, node capacity, totals, files."""

    run_id: str
    prometheus: str
    window_days: float
    at: float
    vms: list[dict[str, Any]]
    containers: list[dict[str, Any]]
    nodes: dict[str, Any]
    totals: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)
    elapsed_s: float = 0.0

    def as_json(self) -> dict[str, Any]:
        """The ``--json`` document (and what the workspace stores)."""
        return {
            "run": self.run_id,
            "prometheus": self.prometheus,
            "window_days": self.window_days,
            "at": self.at,
            "totals": self.totals,
            "vms": self.vms,
            "containers": self.containers,
            "nodes": self.nodes,
            "warnings": self.warnings,
            "files": self.files,
            "elapsed_s": round(self.elapsed_s, 3),
        }


def optimize_workspace(
    request: OptimizeRequest, progress: Progress = NULL_PROGRESS
) -> OptimizeResult:
    """Read usage over the window, recommend, write patches, store the run."""
    from skylift.optimize.containers import collect_containers
    from skylift.optimize.prometheus import PrometheusClient, redacted
    from skylift.optimize.rightsize import advise_containers
    from skylift.optimize.vms import collect_vms
    from skylift.optimize.window import Window
    from skylift.workspace.assessments import policy_from_settings
    from skylift.workspace.core import Workspace
    from skylift.workspace.usage_series import collect_usage, cpu_buckets, vm_buckets

    started = time.monotonic()
    with Workspace.open(request.workspace) as ws:
        s = ws.settings.optimize
        if request.window is not None:
            s = s.model_copy(update={"window_days": parse_window(request.window)})
        if s.window_days < s.min_days:  # every workload would be refused, whatever it has
            raise InputError(
                f"--window {request.window or f'{s.window_days:g}d'} is shorter than "
                f"optimize.min_days ({s.min_days:g} days): no recommendation could be made",
                f"use --window {s.min_days:g}d or more, or lower optimize.min_days in skylift.yaml",
            )
        url = request.prometheus or s.prometheus
        if not url:
            raise ConfigError(
                "no Prometheus to read usage from",
                "pass --prometheus http://HOST:9090 or set optimize.prometheus in skylift.yaml",
            )
        client = PrometheusClient(url, s.timeout_s, os.environ.get("SKYLIFT_PROMETHEUS_TOKEN"))
        at = request.at if request.at is not None else time.time()
        window = Window(end=at, days=s.window_days, step_s=s.step_s)
        policy = policy_from_settings(ws.settings).model_copy(update={"forecast": False})
        cpu_q, mem_q = _quantiles(policy)
        vm_series = vm_buckets(window)  # usage over time, from the VM figures' per-step values
        vms = collect_vms(client, s.vm, window, cpu_q, mem_q, progress, vm_series)
        cpu_series = cpu_buckets(window)  # usage over time, from the same CPU rates
        usage = collect_containers(client, s.containers, window, progress, cpu_series)
        if not vms and not usage.keys:
            raise InputError(
                f"no matching series in {redacted(url)} over the last {s.window_days:g} days "
                f"(looked for {s.vm.memory_total} and {s.containers.memory_working_set})",
                "check optimize.vm / optimize.containers metric names and selectors in "
                "skylift.yaml, and --window",
            )
        warnings: list[str] = []
        vm_rows = _vm_rows(ws, vms, policy, s, warnings)
        advice = advise_containers(usage, s)
        containers = _container_rows(usage, advice)
        nodes = _nodes(usage, advice, policy, warnings)
        totals = _totals(vm_rows, containers, nodes)
        usage_rows = collect_usage(
            client, s, window, vm_rows, containers, progress, cpu_series, vm_series
        )
        run_id = uuid.uuid4().hex[:12]
        out = request.out or ws.state_dir / "optimize" / run_id
        files = _write(out, vm_rows, containers, request.generated)
        result = OptimizeResult(
            run_id,
            redacted(url),
            s.window_days,
            at,
            vm_rows,
            containers,
            nodes,
            totals,
            warnings,
            files,
            time.monotonic() - started,
        )
        _store(ws, result, usage_rows)
    return result


def parse_window(text: str) -> float:
    """``14d`` / ``36h`` / ``90m`` / ``14`` (days) as days; InputError otherwise."""
    import re

    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([dhm]?)\s*", text)
    days = float(m.group(1)) / {"d": 1, "": 1, "h": 24, "m": 1440}[m.group(2)] if m else 0.0
    if not m or not 0 < days <= 90:
        raise InputError(
            f"--window {text!r}: expected a duration up to 90 days", "e.g. --window 14d or 36h"
        )
    return days


def _quantiles(policy: AssessPolicy) -> tuple[float | None, float | None]:
    from skylift.assess.observed import statistic_quantile

    return statistic_quantile(policy.cpu_statistic), statistic_quantile(policy.memory_statistic)


def _vm_rows(
    ws: Workspace,
    vms: list[VmUsage],
    policy: AssessPolicy,
    s: OptimizeSettings,
    warnings: list[str],
) -> list[dict[str, Any]]:
    """Per matched host: usage, and per target the current (as-is) and recommended type."""
    from skylift.optimize.matching import index_names, match_instance

    servers = ws.servers()
    names = index_names((sv.key, (sv.name, sv.key, sv.fqdn, *sv.ip_addresses)) for sv in servers)
    by_key = {sv.key: sv for sv in servers}
    chosen: dict[str, VmUsage] = {}  # one instance per server: the one with most data
    for u in vms:
        key = match_instance(u.instance, names)
        if key is None:
            warnings.append(f"instance {u.instance}: matches no server of the workspace")
        elif key not in chosen or u.covered_days > chosen[key].covered_days:
            chosen[key] = u
    for u in vms:
        key = match_instance(u.instance, names)
        if key is not None and chosen[key] is not u:
            warnings.append(
                f"instance {u.instance}: server {by_key[key].name} is matched by instance "
                f"{chosen[key].instance} already (more data); ignored"
            )
    matched = [(u, k) for u in vms if (k := match_instance(u.instance, names)) and chosen[k] is u]
    if not matched:
        return []
    sized = _size(matched, [by_key[k] for _, k in matched], policy, s)
    return _price(sized, matched, by_key, policy, s)


def _size(
    matched: list[tuple[VmUsage, str]],
    servers: list[Any],
    policy: AssessPolicy,
    s: OptimizeSettings,
) -> pl.DataFrame:
    """The assessment's sizing (statistic × headroom) on what Prometheus observed."""
    import polars as pl

    from skylift.assess.observed import OBSERVED_SCHEMA
    from skylift.assess.sizing import servers_frame, size_servers

    frame = servers_frame(servers)
    cores = [u.cores for u, _ in matched]
    mem = [u.memory_gib for u, _ in matched]
    frame = frame.with_columns(
        pl.coalesce(pl.Series("c", cores, pl.Float64).round(0).cast(pl.Int64), "cores").alias(
            "cores"
        ),
        pl.coalesce(pl.Series("m", mem, pl.Float64), "memory_gib").alias("memory_gib"),
        pl.lit(None, pl.Float64).alias("cpu_util_pct"),
        pl.lit(None, pl.Float64).alias("mem_util_pct"),
    )
    days = [u.covered_days for u, _ in matched]
    enough = [d >= s.min_days for d in days]
    obs: dict[str, list[Any]] = {c: [None] * len(matched) for c in OBSERVED_SCHEMA}
    obs["server_key"] = [k for _, k in matched]
    for i, (u, _) in enumerate(matched):
        if not enough[i]:
            continue
        obs["cpu_stat"][i], obs["cpu_avg"][i] = u.cpu_stat_pct, u.cpu_avg_pct
        obs["mem_pct_stat"][i], obs["mem_pct_avg"][i] = u.mem_stat_pct, u.mem_avg_pct
        obs["disk_mbps_stat"][i] = u.disk_mbps_stat
        obs["net_in_avg"][i], obs["net_out_avg"][i] = u.net_in_mbps_avg, u.net_out_mbps_avg
        points = round(u.covered_days * 86400 / s.step_s)
        obs["cpu_points"][i] = obs["mem_pct_points"][i] = points
        obs["expected_points"][i] = s.window_days * 86400 / s.step_s
        obs["history_days"][i] = u.covered_days
    observed = pl.DataFrame(obs, schema=OBSERVED_SCHEMA)
    sized = size_servers(frame, observed, policy)
    # #21's safety rule: memory never below the observed maximum (the statistic of
    # 10-minute peaks × headroom can sit below a short spike)
    peaks = [u.mem_max_gib if ok else None for (u, _), ok in zip(matched, enough, strict=True)]
    demand = pl.col("memory_demand_gib")
    floor = pl.max_horizontal(demand, pl.Series(peaks, dtype=pl.Float64))
    return sized.with_columns(
        pl.when(demand.is_null()).then(None).otherwise(floor).alias("memory_demand_gib"),
        pl.Series("enough", enough),
        pl.Series("covered_days", days),
    )


def _price(
    sized: pl.DataFrame,
    matched: list[tuple[VmUsage, str]],
    by_key: dict[str, Any],
    policy: AssessPolicy,
    s: OptimizeSettings,
) -> list[dict[str, Any]]:
    import polars as pl

    from skylift.assess.pricing import choose_instances
    from skylift.catalog.loader import load_catalog

    catalog = load_catalog()
    as_is = sized.with_columns(
        pl.col("cores").cast(pl.Float64).alias("cpu_demand"),
        pl.col("memory_gib").alias("memory_demand_gib"),
    )
    rows: list[dict[str, Any]] = []
    for i, (u, key) in enumerate(matched):
        r = sized.row(i, named=True)
        enough = bool(r["enough"])
        rows.append(
            {
                "server": by_key[key].name,
                "server_key": key,
                "instance": u.instance,
                "cores": r["cores"],
                "memory_gib": _round(r["memory_gib"]),
                "cpu_stat_pct": _round(u.cpu_stat_pct),
                "cpu_max_pct": _round(u.cpu_max_pct),
                "mem_stat_pct": _round(u.mem_stat_pct),
                "mem_max_pct": _round(u.mem_max_pct),
                "mem_max_gib": _round(u.mem_max_gib),
                "covered_days": _round(u.covered_days),
                "cpu_demand": _round(r["cpu_demand"]) if enough else None,
                "memory_demand_gib": _round(r["memory_demand_gib"]) if enough else None,
                "reason": ""
                if enough
                else (
                    f"too little data: {u.covered_days:.1f} days of samples, needs {s.min_days:g} "
                    f"({s.min_days - u.covered_days:.1f} more)"
                ),
                "targets": [],
            }
        )
    for t in policy.targets:
        now = choose_instances(as_is, catalog, t.cloud, t.region, policy)
        rec = choose_instances(sized, catalog, t.cloud, t.region, policy)
        for i, row in enumerate(rows):
            c, n = now.row(i, named=True), rec.row(i, named=True)
            ok = bool(sized["enough"][i]) and n["instance_type"] is not None
            cur_cost = c["compute_month"] if c["instance_type"] else None
            new_cost = n["compute_month"] if ok else cur_cost
            row["targets"].append(
                {
                    "cloud": t.cloud,
                    "region": t.region,
                    "current_type": c["instance_type"],
                    "current_month": _round(cur_cost),
                    "recommended_type": n["instance_type"] if ok else c["instance_type"],
                    "recommended_vcpus": (n if ok else c)["vcpus"],
                    "recommended_memory_gib": _round((n if ok else c)["instance_memory_gib"]),
                    "recommended_month": _round(new_cost),
                    "saving_month": _round((cur_cost or 0.0) - (new_cost or 0.0)),
                    "note": n["not_sized_reason"] or "",
                }
            )
    return rows


def _round(x: float | None, nd: int = 3) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else round(float(x), nd)


def _container_rows(usage: ContainerUsage, advice: ContainerAdvice) -> list[dict[str, Any]]:
    from skylift.optimize.rightsize import MIB

    rows = []
    for i, (ns, name) in enumerate(usage.keys):
        rows.append(
            {
                "namespace": ns,
                "container": name,
                "covered_days": _round(usage.covered_days[i]),
                "cpu_max": _round(usage.cpu_max[i]),
                "memory_max_mib": _round(usage.mem_max[i] / MIB, 1),
                "current": {
                    "cpu_request": _round(usage.request_cpu[i]),
                    "cpu_limit": _round(usage.limit_cpu[i]),
                    "memory_request_mib": _round(usage.request_mem[i] / MIB, 1),
                    "memory_limit_mib": _round(usage.limit_mem[i] / MIB, 1),
                },
                "recommended": None
                if advice.reasons[i]
                else {
                    "cpu_request": _round(advice.cpu_request[i]),
                    "cpu_limit": _round(advice.cpu_limit[i]),
                    "memory_request_mib": _round(advice.memory_bytes[i] / MIB, 1),
                    "memory_limit_mib": _round(advice.memory_bytes[i] / MIB, 1),
                },
                "reason": advice.reasons[i],
                "flags": list(advice.flags[i]),
            }
        )
    return rows


def _nodes(
    usage: ContainerUsage, advice: ContainerAdvice, policy: AssessPolicy, warnings: list[str]
) -> dict[str, Any]:
    """Node pools for the current and the recommended requests (``plan pack``), first target."""
    import numpy as np

    from skylift.plan.packing import Workload
    from skylift.workspace.plans import consolidate

    ok = np.array([not r for r in advice.reasons], dtype=bool)
    ok &= ~np.isnan(usage.request_cpu) & ~np.isnan(usage.request_mem)
    if not ok.any() or not policy.targets:
        return {}
    t = policy.targets[0]
    idx = np.flatnonzero(ok)

    def pack(cpu: Any, mem: Any) -> dict[str, Any]:
        items = [
            Workload(f"{usage.keys[i][0]}/{usage.keys[i][1]}", float(cpu[i]), float(mem[i]) / GIB)
            for i in idx
        ]
        zones = [f"{t.region}-{c}" for c in "abc"]
        r = consolidate(items, t.cloud, t.region, zones)
        return {
            "nodes": [{"type": a, "count": b} for a, b in r.nodes],
            "monthly_cost": round(r.monthly_cost, 2),
        }

    try:
        now = pack(usage.request_cpu, usage.request_mem)
        new = pack(advice.cpu_request, advice.memory_bytes)
    except PlanningError as exc:
        warnings.append(f"node capacity not packed: {exc}")
        return {}
    return {
        "cloud": t.cloud,
        "region": t.region,
        "containers": int(idx.size),
        "current": now,
        "recommended": new,
        "saving_month": round(now["monthly_cost"] - new["monthly_cost"], 2),
    }


def _totals(
    vms: list[dict[str, Any]], containers: list[dict[str, Any]], nodes: dict[str, Any]
) -> dict[str, Any]:
    per_cloud: dict[str, dict[str, float]] = {}
    for v in vms:
        for t in v["targets"]:
            c = per_cloud.setdefault(
                f"{t['cloud']}:{t['region']}", {"current_month": 0.0, "recommended_month": 0.0}
            )
            c["current_month"] += t["current_month"] or 0.0
            c["recommended_month"] += t["recommended_month"] or 0.0
    for c in per_cloud.values():
        c["saving_month"] = round(c["current_month"] - c["recommended_month"], 2)
        c["current_month"] = round(c["current_month"], 2)
        c["recommended_month"] = round(c["recommended_month"], 2)
    return {
        "vms": len(vms),
        "vms_recommended": sum(1 for v in vms if not v["reason"]),
        "containers": len(containers),
        "containers_recommended": sum(1 for c in containers if c["recommended"]),
        "flagged": sum(1 for c in containers if c["flags"]),
        "vm_saving_month": per_cloud,
        "node_saving_month": nodes.get("saving_month"),
    }


def _write(
    out: Path, vms: list[dict[str, Any]], containers: list[dict[str, Any]], generated: Path | None
) -> dict[str, str]:
    """Patches, each written to a temporary name and renamed."""
    from skylift.optimize.patches import (
        ContainerResources,
        helm_values,
        kustomize_patches,
        resize_terraform,
        unified_diff,
    )

    files: dict[str, str] = {}
    items = [
        ContainerResources(
            c["namespace"],
            c["container"],
            max(1, math.ceil(c["recommended"]["cpu_request"] * 1000)),
            max(1, math.ceil(c["recommended"]["cpu_limit"] * 1000)),
            max(1, math.ceil(c["recommended"]["memory_limit_mib"])),
        )
        for c in containers
        if c["recommended"]
    ]
    texts: dict[str, str] = {}
    if items:
        texts["kustomize"] = kustomize_patches(items)
        texts["helm"] = helm_values(items)
    if generated is not None:
        diff = []
        for main in sorted((generated / "terraform").glob("*/main.tf")):
            cloud = main.parent.name
            sizes = {
                v["server"]: t["recommended_type"]
                for v in vms
                for t in v["targets"]
                if t["cloud"] == cloud and t["recommended_type"] and not v["reason"]
            }
            before = main.read_text(encoding="utf-8")
            after, _ = resize_terraform(before, sizes)
            diff.append(unified_diff(f"terraform/{cloud}/main.tf", before, after))
        texts["terraform"] = "".join(diff)
    names = {
        "kustomize": "kustomize-resources-patch.yaml",
        "helm": "helm-values.yaml",
        "terraform": "terraform.patch",
    }
    out.mkdir(parents=True, exist_ok=True)
    for kind, text in texts.items():
        path = out / names[kind]
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
        files[kind] = str(path)
    return files


def _store(ws: Workspace, result: OptimizeResult, usage: list[dict[str, Any]]) -> None:
    from datetime import UTC, datetime

    from sqlalchemy import insert

    from skylift.workspace.tables_optimize import optimizations
    from skylift.workspace.usage_series import store_usage

    row = {
        "id": result.run_id,
        "created_at": datetime.now(UTC),
        "prometheus": result.prometheus,
        "window_days": result.window_days,
        "vms": len(result.vms),
        "containers": len(result.containers),
        "result": result.as_json(),
    }
    with ws.store.engine.begin() as conn:
        conn.execute(insert(optimizations), [row])
        store_usage(conn, result.run_id, usage)


def optimization_runs(ws: Workspace, limit: int = 1) -> list[dict[str, Any]]:
    """The newest stored runs' documents (for the report), newest first."""
    from sqlalchemy import select

    from skylift.workspace.tables_optimize import optimizations as t

    with ws.store.engine.connect() as conn:
        got = conn.execute(select(t.c.result).order_by(t.c.created_at.desc()).limit(limit))
        return [dict(r[0]) for r in got]

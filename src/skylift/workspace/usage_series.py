"""Usage over time of an optimize run's VMs and containers: collected, ranked, stored, read.

Collected with :mod:`skylift.optimize.series` (VMs: the values at every step,
bucketed client-side; container memory: range queries at the bucket step;
container CPU: from the right-sizing's rates) for every VM row and container
row of the run, stored one row per workload in ``optimization_series``
(float16 + zlib) with its ranking score (:mod:`skylift.optimize.ranking`,
worst first). The report reads the top few per kind, the dashboard one
workload at a time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from skylift.domain.progress import NULL_PROGRESS, Progress

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from skylift.optimize.prometheus import PrometheusClient
    from skylift.optimize.series import CpuBuckets, VmBuckets
    from skylift.optimize.settings import OptimizeSettings
    from skylift.optimize.window import Window
    from skylift.workspace.core import Workspace


def vm_buckets(window: Window) -> VmBuckets:
    """The collector to pass as ``collect_vms(..., on_values=...)``: VM CPU and memory
    buckets from the per-step values those figures already read."""
    from skylift.optimize.series import VmBuckets, grid

    return VmBuckets(grid(window), window.step_s)


def cpu_buckets(window: Window) -> CpuBuckets:
    """The collector to pass as ``collect_containers(..., on_values=...)``: container CPU
    buckets from the per-step rates that query already reads."""
    from skylift.optimize.series import CpuBuckets, grid

    return CpuBuckets(grid(window), window.step_s)


def collect_usage(
    client: PrometheusClient,
    s: OptimizeSettings,
    window: Window,
    vms: Sequence[Mapping[str, Any]],
    containers: Sequence[Mapping[str, Any]],
    progress: Progress = NULL_PROGRESS,
    cpu: CpuBuckets | None = None,
    vm: VmBuckets | None = None,
) -> list[dict[str, Any]]:
    """One stored row per VM and container row (``run_id`` is filled in by :func:`store_usage`).

    ``cpu``: container CPU already bucketed (:func:`cpu_buckets`); without it three
    more range queries compute it in Prometheus. ``vm``: VM CPU and memory already
    bucketed (:func:`vm_buckets`); without it one range query per resource."""
    from skylift.optimize.ranking import container_score, vm_score
    from skylift.optimize.series import (
        CURRENT,
        allocation_queries,
        collect_series,
        collect_vm_series,
        container_series_queries,
        encode,
        grid,
    )

    g = grid(window)
    base = {"start": g.start, "bucket_s": g.bucket_s, "points": g.points}
    rows: list[dict[str, Any]] = []
    vm_alloc, container_alloc = allocation_queries(s.vm, s.containers, g)
    if vms:  # the allocation over time, then the statistics
        hosts = [v["instance"] for v in vms]
        got = collect_series(client, vm_alloc, (s.vm.instance_label,), g, hosts, progress)
        if vm is not None:  # from the per-step values the VM figures read: no query
            for i, h in enumerate(hosts):
                if h in vm.stats:
                    got.values[i, :, :CURRENT] = vm.stats[h]
        else:  # one range query per resource, bucketed client-side
            steps = collect_vm_series(client, s.vm, window, g, hosts, progress)
            got.values[:, :, :CURRENT] = steps.values[:, :, :CURRENT]
        rows += [
            {"kind": "vm", "key": v["server_key"], "score": vm_score(v),
             "data": encode(got.values[i]), **base}
            for i, v in enumerate(vms)
        ]  # fmt: skip
    if containers:
        keys = [f"{c['namespace']}/{c['container']}" for c in containers]
        queries = container_series_queries(s.containers, window, g)
        if cpu is not None:  # CPU (resource 0) from the query layer's per-step rates
            # and no memory p50 (VMs neither): the p95 band and the max are what the charts
            # need, and each memory query costs ~2 s on 5,000 containers (docs/optimize.md)
            queries = {rs: q for rs, q in queries.items() if rs[0] != 0 and rs != (1, 0)}
        queries |= container_alloc  # the requests over time (kube-state-metrics)
        got = collect_series(client, queries, ("namespace", "container"), g, keys, progress)
        if cpu is not None:
            for i, k in enumerate(keys):
                if k in cpu.stats:
                    got.values[i, 0, :CURRENT] = cpu.stats[k]
        rows += [
            {"kind": "container", "key": k, "score": container_score(c),
             "data": encode(got.values[i]), **base}
            for i, (k, c) in enumerate(zip(keys, containers, strict=True))
        ]  # fmt: skip
    return rows


def store_usage(conn: Connection, run_id: str, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert the rows of one run (inside the caller's transaction)."""
    from sqlalchemy import insert

    from skylift.workspace.tables_optimize import optimization_series

    if rows:
        conn.execute(insert(optimization_series), [{**r, "run_id": run_id} for r in rows])


def _decoded(row: Any) -> dict[str, Any]:
    from skylift.optimize.series import as_lists, decode

    m = row._mapping
    return {
        "kind": m["kind"],
        "key": m["key"],
        "score": m["score"],
        "start": m["start"],
        "bucket_s": m["bucket_s"],
        "values": as_lists(decode(m["data"], m["points"])),
    }


def top_usage(ws: Workspace, run_id: str, per_kind: int) -> list[dict[str, Any]]:
    """The ``per_kind`` worst VMs and containers of a run with their series, worst first."""
    from sqlalchemy import select

    from skylift.workspace.tables_optimize import optimization_series as t

    out: list[dict[str, Any]] = []
    with ws.store.engine.connect() as conn:
        for kind in ("vm", "container"):
            q = (
                select(t)
                .where(t.c.run_id == run_id, t.c.kind == kind)
                .order_by(t.c.score.desc(), t.c.key)
                .limit(per_kind)
            )
            out += [_decoded(r) for r in conn.execute(q)]
    return out


def one_usage(ws: Workspace, run_id: str, kind: str, key: str) -> dict[str, Any] | None:
    """One workload's series, or None."""
    from sqlalchemy import select

    from skylift.workspace.tables_optimize import optimization_series as t

    with ws.store.engine.connect() as conn:
        q = select(t).where(t.c.run_id == run_id, t.c.kind == kind, t.c.key == key)
        row = conn.execute(q).first()
    return _decoded(row) if row is not None else None

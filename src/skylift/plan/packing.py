"""Consolidation: pack container workloads onto Kubernetes node pools at minimum cost.

1. LP lower bound (HiGHS): fractional node counts per instance type covering
   total CPU and memory — no packing can be cheaper.
2. Integer mix (HiGHS MIP) of node types covering the totals, then a
   first-fit-decreasing vector packing of every replica onto those nodes with
   anti-affinity (replicas of one workload on different nodes); nodes are added
   until everything fits. Single-type pools are packed too and the cheapest
   feasible result wins.
3. Each pool's nodes are dealt round-robin over the zones (balanced to ±1 node);
   the generated manifests carry topologySpreadConstraints so the scheduler
   spreads replicas across zones.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass

import highspy
import numpy as np

from skylift.errors import PlanningError


@dataclass(frozen=True)
class Workload:
    """A container workload: per-replica requests."""

    name: str
    cpu: float  # cores
    memory_gib: float
    replicas: int = 1


@dataclass(frozen=True)
class NodeType:
    """A catalog instance type usable as a Kubernetes node."""

    name: str
    vcpus: float
    memory_gib: float
    price_hour: float
    burstable: bool = False


@dataclass(frozen=True)
class PackingResult:
    """Nodes chosen, placements, cost, and how far from the LP bound."""

    nodes: tuple[tuple[str, int], ...]  # (node type, count)
    placements: tuple[tuple[str, int, int], ...]  # (workload, replica index, node index)
    node_zones: tuple[str, ...]
    hourly_cost: float
    lower_bound: float
    rehost_hourly_cost: float

    @property
    def gap(self) -> float:
        """(cost − LP bound) / LP bound."""
        return 0.0 if self.lower_bound <= 0 else self.hourly_cost / self.lower_bound - 1.0

    @property
    def monthly_cost(self) -> float:
        """Cost for 730 hours."""
        return self.hourly_cost * 730.0


def allocatable(t: NodeType, headroom: float) -> tuple[float, float]:
    """CPU and memory a node offers to pods after system reserve and headroom."""
    cpu = max(0.0, t.vcpus - 0.1 - 0.02 * t.vcpus) / headroom
    mem = max(0.0, t.memory_gib - 0.75 - 0.05 * t.memory_gib) / headroom
    return cpu, mem


_BANNER_SHOWN = False


def _new_highs() -> highspy.Highs:
    """A silent HiGHS instance. The first one per process prints a banner on fd 1."""
    global _BANNER_SHOWN  # noqa: PLW0603 - process-wide fact about the C library
    if _BANNER_SHOWN:
        h = highspy.Highs()  # type: ignore[no-untyped-call]
    else:
        sys.stdout.flush()
        saved = os.dup(1)
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, 1)
            h = highspy.Highs()  # type: ignore[no-untyped-call]
        finally:
            os.dup2(saved, 1)
            os.close(saved)
            os.close(devnull)
        _BANNER_SHOWN = True
    h.setOptionValue("output_flag", False)
    return h


def _lp(
    types: Sequence[NodeType], cpu: float, mem: float, headroom: float, integer: bool
) -> list[float]:
    h = _new_highs()
    h.setOptionValue("time_limit", 10.0)
    inf = highspy.kHighsInf
    for _ in types:
        h.addVar(0.0, inf)
    n = len(types)
    h.changeColsCost(n, np.arange(n, dtype=np.int32), np.array([t.price_hour for t in types]))
    if integer:
        h.changeColsIntegrality(
            n, np.arange(n, dtype=np.int32), np.array([highspy.HighsVarType.kInteger] * n)
        )
    caps = [allocatable(t, headroom) for t in types]
    idx = np.arange(n, dtype=np.int32)
    h.addRow(cpu, inf, n, idx, np.array([c[0] for c in caps]))
    h.addRow(mem, inf, n, idx, np.array([c[1] for c in caps]))
    h.run()
    sol = h.getSolution().col_value
    return [float(x) for x in sol]


def _fill(
    items: Sequence[tuple[str, int, float, float]],
    node_caps: Sequence[tuple[float, float]],
    new_cap: tuple[float, float] | None,
    only: np.ndarray | None = None,
) -> tuple[np.ndarray, int]:
    """Dot-product vector packing with anti-affinity (replicas on distinct nodes).

    Node by node, repeatedly add the unplaced item best aligned with the node's
    remaining capacity (largest dot product of normalised vectors) that fits,
    so CPU-heavy and memory-heavy items share nodes. After the given nodes,
    nodes of capacity ``new_cap`` are opened while items remain. Returns the
    node index per item (-1: unplaced) and the number of nodes opened.
    """
    n = len(items)
    cpu = np.array([it[2] for it in items])
    mem = np.array([it[3] for it in items])
    names = {name: i for i, name in enumerate(dict.fromkeys(it[0] for it in items))}
    wid = np.array([names[it[0]] for it in items])
    mark = np.full(len(names), -1)
    where = np.full(n, -1)
    remaining = np.ones(n, dtype=bool) if only is None else only.copy()
    caps = list(node_caps)
    norm_c = max([c for c, _ in caps] + [new_cap[0] if new_cap else 0.0] + [1e-9])
    norm_m = max([m for _, m in caps] + [new_cap[1] if new_cap else 0.0] + [1e-9])
    opened = 0
    node = 0
    while remaining.any():
        if node < len(caps):
            fc, fm = caps[node]
        elif new_cap is not None:
            fc, fm = new_cap
            opened += 1
        else:
            break
        placed_here = False
        while True:
            fit = remaining & (cpu <= fc + 1e-9) & (mem <= fm + 1e-9) & (mark[wid] != node)
            idx = np.flatnonzero(fit)
            if idx.size == 0:
                break
            score = cpu[idx] * (fc / norm_c) / norm_c + mem[idx] * (fm / norm_m) / norm_m
            k = int(idx[int(np.argmax(score))])
            where[k] = node
            remaining[k] = False
            mark[wid[k]] = node
            fc -= cpu[k]
            fm -= mem[k]
            placed_here = True
        if node >= len(caps) and not placed_here:
            opened -= 1  # an empty new node means the rest cannot fit at all
            break
        node += 1
    return where, opened


def pack(
    workloads: Sequence[Workload],
    types: Sequence[NodeType],
    zones: Sequence[str] = ("a", "b", "c"),
    headroom: float = 1.1,
    candidates: int = 12,
) -> PackingResult:
    """Cheapest node pool(s) for ``workloads``; raises PlanningError if nothing fits."""
    if not workloads:
        raise PlanningError("no container workloads to pack", "generate or assess first")
    usable = [t for t in types if t.price_hour > 0 and t.vcpus > 0 and not t.burstable]
    if not usable:
        raise PlanningError(
            "no priced instance types to build node pools from", "check the catalog region"
        )
    items = sorted(
        ((w.name, r, w.cpu, w.memory_gib) for w in workloads for r in range(w.replicas)),
        key=lambda it: -max(it[2], it[3] / 4.0),
    )
    big_cpu = max(it[2] for it in items)
    big_mem = max(it[3] for it in items)
    fitting = [
        t
        for t in usable
        if allocatable(t, headroom)[0] >= big_cpu and allocatable(t, headroom)[1] >= big_mem
    ]
    if not fitting:
        raise PlanningError(
            f"the largest workload ({big_cpu:g} cores, {big_mem:g} GiB) fits no instance type",
            "lower its requests or allow larger families",
        )
    tot_cpu = sum(it[2] for it in items)
    tot_mem = sum(it[3] for it in items)

    # Rank candidate types by LP usefulness: cost per unit of the binding resource.
    def unit_cost(t: NodeType) -> float:
        c, m = allocatable(t, headroom)
        return t.price_hour / max(1e-9, min(c / max(tot_cpu, 1e-9), m / max(tot_mem, 1e-9)))

    fitting.sort(key=unit_cost)
    pool = fitting[:candidates]
    bound_x = _lp(fitting, tot_cpu, tot_mem, headroom, integer=False)
    lower = sum(x * t.price_hour for x, t in zip(bound_x, fitting, strict=True))
    z = max(1, len(zones))
    best: tuple[float, list[NodeType], list[int]] | None = None
    # Integer mix over the candidate pool (HiGHS MIP), then single-type pools;
    # whatever does not fit opens nodes of the cheapest extension type.
    bases: list[list[NodeType]] = [[]]
    for slack in (1.0, 1.02, 1.05, 1.08, 1.12, 1.16):
        mix = _lp(pool, tot_cpu * slack, tot_mem * slack, headroom, integer=True)
        mixed = sorted(
            (t for x, t in zip(mix, pool, strict=True) for _ in range(round(x))),
            key=lambda t: -t.vcpus,
        )
        if mixed:
            bases.append(mixed)
    # Small types of the pool's families fill what the big nodes leave over.
    families = {t.name.split(".")[0].split("-")[0] for t in pool}
    small = sorted(
        (t for t in fitting if t.name.split(".")[0].split("-")[0] in families),
        key=lambda t: t.price_hour,
    )[:4]
    extensions: list[NodeType | None] = list(dict.fromkeys([*pool, *small]))
    for base in bases:
        caps = [allocatable(t, headroom) for t in base]
        where, _ = _fill(items, caps, None)
        left = where < 0
        for ext in extensions if left.any() else [None]:
            if ext is None:
                placement, nodes = where, list(base)
            else:
                more, opened = _fill(items, [], allocatable(ext, headroom), only=left)
                if (more[left] < 0).any():
                    continue
                placement = np.where(left, more + len(base), where)
                nodes = [*base, *([ext] * opened)]
            used = sorted(set(int(p) for p in placement))
            keep = [nodes[i] for i in used]
            remap = {old: new for new, old in enumerate(used)}
            cost = sum(t.price_hour for t in keep)
            if best is None or cost < best[0]:
                best = (cost, keep, [remap[int(p)] for p in placement])
    if best is None:  # pragma: no cover - every item fits the largest pool type
        raise PlanningError("could not pack the workloads", "allow larger instance types")
    cost, nodes, chosen = best
    # Spread: each pool's nodes are dealt round-robin over the zones (balanced to ±1);
    # replicas are spread across zones by the scheduler (topologySpreadConstraints).
    final_nodes = list(nodes)
    cost = sum(t.price_hour for t in final_nodes)
    zones_of: list[str] = []
    dealt: dict[str, int] = {}
    for t in final_nodes:
        k = dealt.get(t.name, 0)
        zones_of.append(zones[k % z] if zones else "-")
        dealt[t.name] = k + 1
    grouped: dict[str, int] = {}
    for t in final_nodes:
        grouped[t.name] = grouped.get(t.name, 0) + 1
    rehost = _rehost_cost(workloads, usable)
    return PackingResult(
        nodes=tuple(sorted(grouped.items())),
        placements=tuple((it[0], it[1], p) for it, p in zip(items, chosen, strict=True)),
        node_zones=tuple(zones_of),
        hourly_cost=cost,
        lower_bound=lower,
        rehost_hourly_cost=rehost,
    )


def _rehost_cost(workloads: Sequence[Workload], types: Sequence[NodeType]) -> float:
    """One VM per workload replica: the cheapest type whose usable capacity fits it.

    A VM carries the same OS overhead as a node, so capacity is compared after
    the same reserve (without headroom).
    """
    total = 0.0
    ordered = sorted(types, key=lambda t: t.price_hour)
    for w in workloads:
        t = next(
            (
                t
                for t in ordered
                if allocatable(t, 1.0)[0] >= w.cpu and allocatable(t, 1.0)[1] >= w.memory_gib
            ),
            None,
        )
        if t is not None:
            total += t.price_hour * w.replicas
    return total

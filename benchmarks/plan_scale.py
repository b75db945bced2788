"""Claim: 10,000 servers with 50,000 dependency edges are planned in < 30 s, and
1,000 container workloads are packed within 5 % of the LP lower bound in < 30 s.

Peers: there is no open-source wave planner to run here, so the planner is
measured against its targets; packing is compared with the LP lower bound
(no packing can be cheaper) and with a naive single-type first-fit pool and
one-VM-per-workload rehosting, both computed in the same run.

Run: .venv/bin/python benchmarks/plan_scale.py [--servers 10000 --edges 50000]
"""

from __future__ import annotations

import argparse
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from skylift.catalog.loader import load_catalog
from skylift.domain.imports import ImportBatch, SourceFile
from skylift.domain.inventory import Dependency, Disk, Environment, Server
from skylift.domain.plan import PlanningSettings
from skylift.plan.inputs import PlanInput
from skylift.plan.packing import NodeType, Workload, allocatable, pack
from skylift.plan.run import make_plan
from skylift.workspace.core import Workspace


def estate(n: int, edges: int, seed: int = 1) -> tuple[list[Server], list[Dependency]]:
    """Applications of 2–20 servers, 30 % dev/test, edges mostly inside applications."""
    rng = random.Random(seed)
    servers: list[Server] = []
    app_of: list[int] = []
    app = 0
    while len(servers) < n:
        size = rng.randint(2, 20)
        env = Environment.DEVELOPMENT if rng.random() < 0.3 else Environment.PRODUCTION
        crit = rng.choice(["low", "medium", "medium", "high", "critical"])
        for _ in range(min(size, n - len(servers))):
            i = len(servers)
            servers.append(
                Server(
                    key=f"s{i:05d}",
                    name=f"vm{i:05d}",
                    source="bench",
                    cores=4,
                    memory_mib=8192,
                    application=f"app{app:04d}",
                    environment=env,
                    criticality=crit,
                    disks=(
                        Disk(
                            name="d",
                            size_gib=rng.choice([50, 100, 500, 2000]),
                            used_gib=rng.uniform(20, 400),
                        ),
                    ),
                )
            )
            app_of.append(app)
        app += 1
    members: dict[int, list[int]] = {}
    for i, a in enumerate(app_of):
        members.setdefault(a, []).append(i)
    deps: list[Dependency] = []
    seen: set[tuple[int, int, int]] = set()
    while len(deps) < edges:
        a = rng.randrange(n)
        b = rng.choice(members[app_of[a]]) if rng.random() < 0.8 else rng.randrange(n)
        port = rng.choice([443, 8080, 3306, 5432, 6379, 389, 53, 9100])
        if a == b or (a, b, port) in seen:
            continue
        seen.add((a, b, port))
        deps.append(
            Dependency(
                source_key=f"s{a:05d}",
                target_key=f"s{b:05d}",
                port=port,
                strength=rng.randint(1, 120),
            )
        )
    return servers, deps


def naive_single_type(workloads: list[Workload], types: list[NodeType]) -> float:
    """First fit on one node type (the cheapest per vCPU that holds every workload)."""
    big_c = max(w.cpu for w in workloads)
    big_m = max(w.memory_gib for w in workloads)
    fit = [
        t
        for t in types
        if not t.burstable and allocatable(t, 1.1)[0] >= big_c and allocatable(t, 1.1)[1] >= big_m
    ]
    t = min(fit, key=lambda x: x.price_hour / x.vcpus)
    cap = allocatable(t, 1.1)
    nodes: list[list[float]] = []
    for w in workloads:
        for _ in range(w.replicas):
            for node in nodes:
                if node[0] >= w.cpu and node[1] >= w.memory_gib:
                    node[0] -= w.cpu
                    node[1] -= w.memory_gib
                    break
            else:
                nodes.append([cap[0] - w.cpu, cap[1] - w.memory_gib])
    return len(nodes) * t.price_hour


def main() -> None:
    """Run both claims and print the figures."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--servers", type=int, default=10_000)
    ap.add_argument("--edges", type=int, default=50_000)
    ap.add_argument("--workloads", type=int, default=1_000)
    args = ap.parse_args()
    servers, deps = estate(args.servers, args.edges)
    t0 = time.perf_counter()
    plan = make_plan(PlanInput(servers=servers, dependencies=deps), PlanningSettings())
    t_plan = time.perf_counter() - t0
    print(
        f"plan: {args.servers} servers, {len(deps)} edges -> {len(plan.groups)} groups, "
        f"{len(plan.waves)} waves, {len(plan.relaxations)} relaxations in {t_plan:.1f} s "
        f"(target < 30 s: {30 / t_plan:.1f}x headroom)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace.init(Path(tmp) / "ws")
        batch = ImportBatch(
            format="servers",
            files=(SourceFile(path="generated", sha256="0" * 64, size_bytes=0),),
            servers=tuple(servers),
            dependencies=tuple(deps),
        )
        ws.store.apply_import(batch, datetime.now(UTC), None)
        ws.close()
        t0 = time.perf_counter()
        cli = subprocess.run(
            [sys.executable, "-m", "skylift", "-w", str(Path(tmp) / "ws"), "plan", "--json"],
            capture_output=True,
            check=True,
        )
        t_cli = time.perf_counter() - t0
        print(
            f"skylift plan (CLI, from the workspace store: load, plan, save, JSON out "
            f"{len(cli.stdout) / 2**20:.1f} MiB): {t_cli:.1f} s (target < 30 s)"
        )
    catalog = load_catalog()
    offers = catalog.offers("aws", "us-east-1")
    types = [
        NodeType(
            r["instance_type"],
            float(r["vcpus"]),
            float(r["memory_gib"]),
            float(r["price_hour"]),
            bool(r["burstable"]),
        )
        for r in offers.iter_rows(named=True)
        if not r["gpus"] and r["arch"] == "x86_64"
    ]
    rng = random.Random(2)
    wl = [
        Workload(
            f"w{i}",
            rng.choice([0.1, 0.25, 0.5, 1, 2]),
            rng.choice([0.25, 0.5, 1, 2, 4]),
            rng.choice([1, 2, 3]),
        )
        for i in range(args.workloads)
    ]
    t0 = time.perf_counter()
    res = pack(wl, types)
    t_pack = time.perf_counter() - t0
    naive = naive_single_type(wl, types)
    print(
        f"pack: {args.workloads} workloads ({sum(w.replicas for w in wl)} replicas) -> "
        f"{dict(res.nodes)} ${res.hourly_cost:.2f}/h in {t_pack:.1f} s; LP bound "
        f"${res.lower_bound:.2f}/h, gap {100 * res.gap:.1f} % (target < 5 %); naive "
        f"single-type first fit ${naive:.2f}/h (skylift {naive / res.hourly_cost:.2f}x "
        f"cheaper); one VM per workload ${res.rehost_hourly_cost:.2f}/h "
        f"({res.rehost_hourly_cost / res.hourly_cost:.2f}x)"
    )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {rss:.0f} MiB")


if __name__ == "__main__":
    main()

"""The relaxation a broken dependency cycle reports: exact wording, one edge and many.

Pinned against mutmut's survivors in plan/groups.py: the planner's message is
what a migration lead reads to decide whether to accept the plan.
"""

from __future__ import annotations

import itertools

from skylift.domain.plan import PlanningSettings
from skylift.plan.inputs import PlanInput
from skylift.plan.run import make_plan
from tests.unit.plan.estates import dep, server

SETTINGS = dict(pilot_max_servers=0, protected_early_waves=0, strong_dependency_strength=10_000)


def _order_relaxations(servers: list, deps: list, limit: int) -> list:  # type: ignore[type-arg]
    plan = make_plan(
        PlanInput(servers=servers, dependencies=deps),
        PlanningSettings(max_servers_per_wave=limit, **SETTINGS),  # type: ignore[arg-type]
    )
    return [r for r in plan.relaxations if r.constraint == "dependency order"]


def test_one_weakest_edge_is_named_with_its_strength() -> None:
    servers = [server(k) for k in ("a", "b", "c")]
    deps = [dep("a", "b", strength=5), dep("b", "c", strength=1), dep("c", "a", strength=5)]
    (relax,) = _order_relaxations(servers, deps, limit=2)
    assert relax.detail == (
        "cycle of 3 servers exceeds 2 per wave; ignored the weakest edge to break it: "
        "b → c (strength 1)"
    )
    assert relax.servers == ("b", "c")


def test_many_weakest_edges_show_five_and_count_the_rest() -> None:
    names = [f"s{i:02d}" for i in range(12)]
    pairs = list(itertools.permutations(names, 2))  # 132 edges: 5 % of them is 6
    deps = [dep(a, b, strength=10 + i) for i, (a, b) in enumerate(pairs)]
    first = _order_relaxations([server(k) for k in names], deps, limit=4)[0]
    weakest = pairs[:6]
    shown = "; ".join(f"{a} → {b} (strength {10 + i})" for i, (a, b) in enumerate(weakest[:5]))
    assert first.detail == (
        f"cycle of 12 servers exceeds 4 per wave; ignored the 6 weakest edges to break it: "
        f"{shown} and 1 more"
    )
    assert first.servers == tuple(sorted({k for e in weakest for k in e}))

"""Wave ordering as properties over generated estates and dependency graphs (Hypothesis).

For any estate, dependency graph and limits:

- every migrating server is placed in exactly one wave (retired ones in none);
- a one-way dependency ``a → b`` (``a`` needs ``b``) never has ``b`` in a later
  wave than ``a``, unless the plan states a "dependency order" relaxation naming
  both servers (a cycle too big for a wave); infrastructure ports, self-loops
  and unknown targets do not order;
- strong two-way dependencies and one application within one environment class
  share a wave;
- a wave is all production or all dev/test (by its groups), and holds at most
  the server limit unless a "max servers per wave" relaxation names its group.
"""

from __future__ import annotations

from collections import defaultdict

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skylift.domain.inventory import Dependency, Environment, Server
from skylift.domain.plan import INFRASTRUCTURE_PORTS, Plan, PlanningSettings
from skylift.plan.inputs import PlanInput
from skylift.plan.run import make_plan
from tests.helpers import examples
from tests.unit.plan.estates import server

PORTS = [8080, 5432, 443, INFRASTRUCTURE_PORTS[0]]


@st.composite
def estates(draw: st.DrawFn) -> tuple[PlanInput, PlanningSettings]:
    """Servers with applications/environments/criticality, dependencies and limits."""
    n = draw(st.integers(min_value=1, max_value=30))
    keys = [f"s{i:02d}" for i in range(n)]
    servers: list[Server] = []
    for k in keys:
        servers.append(
            server(
                k,
                app=draw(st.sampled_from([None, None, "shop", "crm", "erp", "mail"])),
                env=draw(st.sampled_from([Environment.PRODUCTION, Environment.DEVELOPMENT])),
                crit=draw(st.sampled_from([None, "low", "high", "1", "5"])),
                gib=draw(st.sampled_from([10.0, 100.0, 900.0, 3000.0])),
            )
        )
    pairs = draw(
        st.lists(
            st.tuples(
                st.sampled_from(keys),
                st.sampled_from([*keys, "unknown-host"]),
                st.sampled_from(PORTS),
                st.integers(min_value=1, max_value=6),
            ),
            max_size=3 * n,
        )
    )
    deps = [Dependency(source_key=a, target_key=b, port=p, strength=w) for a, b, p, w in pairs]
    retire = {k: "idle" for k in draw(st.lists(st.sampled_from(keys), max_size=3, unique=True))}
    most = draw(st.integers(min_value=1, max_value=12))
    limits = PlanningSettings(
        max_servers_per_wave=most,
        max_tb_per_wave=draw(st.sampled_from([1.0, 5.0, 20.0])),
        strong_dependency_strength=draw(st.integers(min_value=1, max_value=8)),
        # A pilot limit above the wave limit is test_pilot_limit_above_wave_limit's case.
        pilot_max_servers=draw(st.integers(min_value=0, max_value=min(5, most))),
        protected_early_waves=draw(st.integers(min_value=0, max_value=3)),
    )
    return PlanInput(servers=servers, dependencies=deps, retire=retire), limits


def _wave_of(plan: Plan) -> dict[str, int]:
    out: dict[str, int] = {}
    for w in plan.waves:
        for k in w.servers:
            assert k not in out, f"{k} placed twice (waves {out[k]} and {w.number})"
            out[k] = w.number
    return out


def check_plan(inp: PlanInput, limits: PlanningSettings, plan: Plan) -> None:
    """Every property of the module docstring."""
    wave = _wave_of(plan)
    migrating = {s.key for s in inp.servers} - set(inp.retire)
    assert set(wave) == migrating
    assert {d.server for d in plan.decommission} == set(inp.retire)
    assert [w.number for w in plan.waves] == list(range(1, len(plan.waves) + 1))

    relaxed_order = {
        k for r in plan.relaxations if r.constraint == "dependency order" for k in r.servers
    }
    strength: dict[tuple[str, str], int] = defaultdict(int)
    for d in inp.dependencies:
        a, b = d.source_key, d.target_key
        if b is None or a == b or a not in migrating or b not in migrating:
            continue
        if d.port in limits.infrastructure_ports:
            continue
        strength[(a, b)] += d.strength
    for (a, b), w in strength.items():
        if wave[b] > wave[a]:
            assert a in relaxed_order and b in relaxed_order, (
                f"{a} depends on {b} but moves in wave {wave[a]} before it (wave {wave[b]}) "
                "and no relaxation says so"
            )
        back = strength.get((b, a))
        strong = limits.strong_dependency_strength
        if back is not None and w >= strong and back >= strong:
            assert wave[a] == wave[b], f"two-way {a} ↔ {b} split over waves"

    prod = {s.key: s.environment != Environment.DEVELOPMENT for s in inp.servers}
    by_app: dict[tuple[str, bool], set[int]] = defaultdict(set)
    for s in inp.servers:
        if s.key in migrating and s.application:
            by_app[(s.application, prod[s.key])].add(wave[s.key])
    assert all(len(ws) == 1 for ws in by_app.values()), by_app

    groups = {g.id: g for g in plan.groups}
    over_limit = {
        k for r in plan.relaxations if r.constraint == "max servers per wave" for k in r.servers
    }
    over_data = {
        k for r in plan.relaxations if r.constraint == "max TB per wave" for k in r.servers
    }
    for w in plan.waves:
        assert {groups[g].production for g in w.groups} == {w.production}
        assert sorted(w.servers) == sorted(k for g in w.groups for k in groups[g].servers)
        if len(w.servers) > limits.max_servers_per_wave:
            assert set(w.servers) <= over_limit and len(w.groups) == 1, w
        assert w.data_gib == pytest.approx(sum(groups[g].data_gib for g in w.groups))
        if w.data_gib > limits.max_tb_per_wave * 1024:
            assert set(w.servers) <= over_data and len(w.groups) == 1, w


@settings(max_examples=examples(400), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=estates())
def test_generated_estates_keep_every_ordering_property(
    case: tuple[PlanInput, PlanningSettings],
) -> None:
    """The planner's promises hold on any estate and graph."""
    inp, limits = case
    check_plan(inp, limits, make_plan(inp, limits))


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(min_value=3, max_value=40),
    edges=st.lists(
        st.tuples(st.integers(0, 39), st.integers(0, 39), st.integers(1, 6)), max_size=120
    ),
    limit=st.integers(min_value=1, max_value=8),
)
def test_dense_one_way_graphs_keep_order(
    n: int, edges: list[tuple[int, int, int]], limit: int
) -> None:
    """Only-production chains and fans (no applications): order holds or is stated."""
    servers = [server(f"s{i:02d}") for i in range(n)]
    deps = [
        Dependency(source_key=f"s{a % n:02d}", target_key=f"s{b % n:02d}", port=8080, strength=w)
        for a, b, w in edges
    ]
    inp = PlanInput(servers=servers, dependencies=deps)
    limits = PlanningSettings(
        max_servers_per_wave=limit,
        strong_dependency_strength=100,
        pilot_max_servers=min(2, limit),
        protected_early_waves=1,
    )
    check_plan(inp, limits, make_plan(inp, limits))


def test_pilot_limit_above_wave_limit_still_keeps_the_wave_limit() -> None:
    """Two dev servers, at most 1 per wave, pilot up to 2: no wave may hold 2."""
    inp = PlanInput(
        servers=[server(k, env=Environment.DEVELOPMENT, gib=10.0) for k in ("s00", "s01")],
        dependencies=[],
    )
    limits = PlanningSettings(max_servers_per_wave=1, pilot_max_servers=2)
    check_plan(inp, limits, make_plan(inp, limits))

"""Each relaxation the wave planner reports, with its exact wording, servers and wave risk.

What a migration lead reads when a limit could not be kept: which limit, which
application, how big, where it went instead.
"""

from __future__ import annotations

from skylift.domain.inventory import Environment
from skylift.domain.plan import Plan, PlanningSettings
from skylift.plan.inputs import PlanInput
from skylift.plan.run import make_plan
from tests.unit.plan.estates import dep, server

DEV = Environment.DEVELOPMENT


def _plan(servers: list, deps: list, **settings: object) -> Plan:  # type: ignore[type-arg]
    base: dict[str, object] = {"pilot_max_servers": 0, "protected_early_waves": 0}
    base.update(settings)
    return make_plan(
        PlanInput(servers=servers, dependencies=deps), PlanningSettings.model_validate(base)
    )


def _only(plan: Plan, constraint: str):  # type: ignore[no-untyped-def]
    found = [r for r in plan.relaxations if r.constraint == constraint]
    assert len(found) == 1, plan.relaxations
    return found[0]


def test_a_group_over_the_server_limit_goes_alone_and_says_so() -> None:
    servers = [server(f"s{i}", "big") for i in range(6)] + [server("x")]
    plan = _plan(servers, [], max_servers_per_wave=4)
    r = _only(plan, "max servers per wave")
    w = plan.wave_of("s0")
    assert w is not None and w.groups == (next(g.id for g in plan.groups if "s0" in g.servers),)
    assert (
        r.detail
        == f"big has 6 servers that must move together (> 4); placed alone in wave {w.number}"
    )
    assert r.servers == tuple(f"s{i}" for i in range(6))
    assert "big exceeds the per-wave server limit" in w.risks


def test_a_group_over_the_data_limit_goes_alone_and_says_so() -> None:
    servers = [server("db1", "warehouse", gib=1536.0), server("web", "site", gib=10.0)]
    plan = _plan(servers, [], max_tb_per_wave=1.0)
    r = _only(plan, "max TB per wave")
    w = plan.wave_of("db1")
    assert w is not None and w.servers == ("db1",)
    assert r.detail == (
        f"warehouse holds 1.5 TB (> 1 TB) and cannot be split; placed alone in wave {w.number}"
    )
    assert r.servers == ("db1",) and "warehouse exceeds the per-wave data limit" in w.risks
    assert not [x for x in plan.relaxations if x.constraint == "max servers per wave"]


def test_a_critical_dependency_needed_early_is_reported() -> None:
    servers = [server("core", "erp", crit="critical"), server("app", "shop")]
    plan = _plan(servers, [dep("app", "core")], protected_early_waves=2, max_servers_per_wave=1)
    r = _only(plan, "high-criticality not in the first waves")
    w = plan.wave_of("core")
    assert w is not None and w.number == 1
    assert r.detail == (
        "erp (criticality 5, complexity 1) is needed early by its dependents and sits in wave 1"
    )
    assert (
        r.servers == ("core",) and "erp is high-criticality/complexity but moves early" in w.risks
    )


def test_dev_after_production_names_the_application_and_servers() -> None:
    servers = [server("ci", "ci"), server("devapp", "shop", DEV), server("prdapp", "shop")]
    plan = _plan(servers, [dep("devapp", "ci")], max_servers_per_wave=1)
    r = _only(plan, "dev/test before production")
    w = plan.wave_of("devapp")
    assert w is not None
    assert r.detail == (
        f"wave {w.number}: dev/test of shop depends on servers in earlier production waves, "
        "so it cannot move before them (dependency order ranks higher)"
    )
    assert r.servers == ("devapp",)
    assert "dev/test moves after production: it depends on production servers" in w.risks


def test_nothing_is_relaxed_when_every_limit_holds() -> None:
    servers = [server(f"d{i}", "shop", DEV) for i in range(2)] + [server("p", "shop")]
    plan = _plan(servers, [], max_servers_per_wave=5, pilot_max_servers=2)
    assert plan.relaxations == ()
    assert [w.production for w in plan.waves] == [False, True]
    assert plan.waves[0].pilot
    assert not [r for w in plan.waves for r in w.risks if "limit" in r or "early" in r]


def test_high_criticality_4_is_kept_out_of_the_protected_waves() -> None:
    # "aaa" sorts first: only its criticality (high = 4) keeps it out of waves 1-2
    servers = [server(f"s{i}", f"app{i}") for i in range(3)] + [server("h", "aaa", crit="high")]
    plan = _plan(servers, [], max_servers_per_wave=1, protected_early_waves=2)
    w = plan.wave_of("h")
    assert w is not None and w.number == 4  # risky groups go after the others
    assert not plan.relaxations


def test_a_group_others_depend_on_moves_first() -> None:
    servers = [server("hub", "hub"), server("leaf", "aaa")] + [
        server(f"u{i}", f"user{i}") for i in range(3)
    ]
    deps = [dep(f"u{i}", "hub") for i in range(3)]
    plan = _plan(servers, deps, max_servers_per_wave=1)
    assert plan.waves[0].servers == ("hub",)  # three dependents beat the name order


def test_a_one_server_pilot() -> None:
    servers = [server(f"d{i}", f"app{i}", DEV) for i in range(3)]
    plan = _plan(servers, [], pilot_max_servers=1, max_servers_per_wave=5)
    assert plan.waves[0].pilot and len(plan.waves[0].servers) == 1
    assert not plan.waves[1].pilot and len(plan.waves[1].servers) == 2


def test_the_wave_with_most_edges_into_it_is_filled_first() -> None:
    # web depends on api and db; with room for two, api's neighbour db joins api's wave
    servers = [server("api", "a"), server("db", "b"), server("web", "c"), server("zz", "d")]
    deps = [dep("web", "api"), dep("web", "db"), dep("api", "db")]
    plan = _plan(servers, deps, max_servers_per_wave=2)
    assert plan.waves[0].servers == ("db", "api") or set(plan.waves[0].servers) == {"db", "api"}

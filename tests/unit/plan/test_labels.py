"""Wave labels and reasons follow from the data (issue 14).

A wave of servers without an environment is not called "production after its
dev/test rehearsal" when no dev/test wave exists, and the plan's data coverage
is the inventory's (one definition: a utilisation series or summary figure).
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from skylift.domain.estate import summarise
from skylift.domain.inventory import Environment, Server
from skylift.domain.plan import Plan, PlanningSettings
from skylift.plan.explain import explain_server
from skylift.plan.inputs import PlanInput
from skylift.plan.run import make_plan
from tests.unit.plan.estates import server

DEV = Environment.DEVELOPMENT
PROD = Environment.PRODUCTION
UNKNOWN = Environment.UNKNOWN


def _plan(servers: list[Server], with_series: frozenset[str] = frozenset()) -> Plan:
    return make_plan(
        PlanInput(servers=servers, dependencies=[], with_series=with_series),
        PlanningSettings.model_validate({"pilot_max_servers": 0, "protected_early_waves": 0}),
    )


def _reasons(plan: Plan) -> str:
    return " | ".join(r for w in plan.waves for r in w.reasons)


def test_unknown_environment_is_not_called_a_rehearsed_production_wave() -> None:
    plan = _plan([server(f"vm{i}", "shop", UNKNOWN) for i in range(3)])
    (wave,) = plan.waves
    assert wave.production and wave.unknown_environment == 3
    text = _reasons(plan)
    assert "rehearsal" not in text.replace("no dev/test wave to rehearse on", "")
    assert "after its dev/test" not in text
    assert "environment unknown for all 3 servers: planned as production" in text
    assert "no dev/test wave to rehearse on" in text


def test_production_after_its_dev_test_only_when_that_wave_exists() -> None:
    plan = _plan([server("web", "shop", PROD), server("devweb", "shop", DEV)])
    prod = next(w for w in plan.waves if w.production)
    dev = next(w for w in plan.waves if not w.production)
    assert dev.number < prod.number
    assert "production after its dev/test rehearsal (shop)" in prod.reasons


def test_dev_test_of_another_application_is_no_rehearsal() -> None:
    plan = _plan([server("web", "shop", PROD), server("devcrm", "crm", DEV)])
    prod = next(w for w in plan.waves if w.production)
    assert "production; no dev/test copy of its applications to rehearse on" in prod.reasons


def test_some_servers_without_environment_are_named_in_the_label() -> None:
    plan = _plan([server("a", "shop", PROD), server("b", "shop", UNKNOWN)])
    (wave,) = plan.waves
    assert wave.reasons[0].startswith(
        "production (1 of 2 servers have no environment and are planned as production)"
    )


def test_no_data_is_zero_coverage_in_plan_as_in_inventory() -> None:
    servers = [server(f"vm{i}", env=UNKNOWN) for i in range(4)]
    plan = _plan(servers)
    assert summarise(servers, frozenset(), 0).data_coverage_pct == 0.0
    assert all(w.data_coverage == 0.0 for w in plan.waves)
    risks = " ".join(r for w in plan.waves for r in w.risks)
    assert "data coverage 0% (0 of 4 servers have utilisation data)" in risks
    assert "30%" not in risks
    assert "data coverage 0%" in " ".join(explain_server(plan, "vm0"))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(["none", "series", "summary", "both"]), min_size=1, max_size=12))
def test_plan_coverage_equals_inventory_coverage(kinds: list[str]) -> None:
    servers = [
        server(f"vm{i}", env=PROD).model_copy(
            update={"cpu_util_pct": 40.0 if kind in ("summary", "both") else None}
        )
        for i, kind in enumerate(kinds)
    ]
    series = frozenset(f"vm{i}" for i, k in enumerate(kinds) if k in ("series", "both"))
    plan = _plan(servers, series)
    planned = sum(w.data_coverage * len(w.servers) for w in plan.waves) / len(servers)
    expected = summarise(servers, series, 0).data_coverage_pct / 100.0
    assert abs(planned - expected) < 1e-2
    assert abs(expected - sum(k != "none" for k in kinds) / len(kinds)) < 1e-9

"""Strategy with goal weights, per-application choice, and TCO arithmetic."""

from __future__ import annotations

import polars as pl
import pytest

from skylift.assess.policy import GoalWeights, TcoAssumptions
from skylift.assess.strategy import MANAGED_DB, Traits, application_strategies, choose
from skylift.assess.tco import cash_flow, on_prem_annual_expr
from skylift.domain.assessment import ServiceModel, Strategy, UtilisationClass
from skylift.domain.inventory import Dependency, Service
from tests.unit.assess.conftest import server

EQUAL = GoalWeights()


def test_zombie_is_retired() -> None:
    c = choose(Traits(name="z", utilisation_class=UtilisationClass.ZOMBIE), EQUAL)
    assert c.preferred.strategy is Strategy.RETIRE
    assert Strategy.REHOST in {a.strategy for a in c.alternatives}


def test_database_goes_to_the_managed_service_of_each_cloud() -> None:
    c = choose(
        Traits(name="db", utilisation_class=UtilisationClass.ACTIVE, db_engine="postgresql"), EQUAL
    )
    assert c.preferred.strategy is Strategy.REPLATFORM
    assert c.preferred.service_model is ServiceModel.PAAS_DATABASE
    assert c.preferred.targets == MANAGED_DB["postgresql"]
    assert c.preferred.targets["azure"] == "Azure Database for PostgreSQL"


def test_web_server_goes_to_containers_unless_speed_dominates() -> None:
    t = Traits(name="web", utilisation_class=UtilisationClass.ACTIVE, web=True)
    assert choose(t, EQUAL).preferred.service_model is ServiceModel.PAAS_CONTAINERS
    fast = GoalWeights(license_cost=1, modernise=1, managed_services=1, speed=5)
    assert choose(t, fast).preferred.strategy is Strategy.REHOST
    modern = GoalWeights(license_cost=5, modernise=5, managed_services=3, speed=1)
    assert choose(t, modern).preferred.strategy is Strategy.REFACTOR


def test_unsupported_os_is_retained_or_replatformed_never_rehosted() -> None:
    c = choose(
        Traits(name="sol", utilisation_class=UtilisationClass.ACTIVE, os_supported=False), EQUAL
    )
    options = {c.preferred.strategy, *(a.strategy for a in c.alternatives)}
    assert Strategy.REHOST not in options
    assert options <= {Strategy.RETAIN, Strategy.REPLATFORM}


def test_goal_scores_are_weighted_means() -> None:
    c = choose(Traits(name="plain", utilisation_class=UtilisationClass.ACTIVE), EQUAL)
    assert c.preferred.strategy is Strategy.REHOST
    assert c.preferred.score == pytest.approx((0.2 + 0.1 + 0.2 + 1.0) / 4, abs=1e-3)


def test_detection_by_port_process_dependency_and_name(catalog: object) -> None:
    from skylift.assess.strategy import detect

    servers = [
        server("p", services=(Service(port=5432),)),
        server("q", services=(Service(port=9999, process="mysqld"),)),
        server("r"),
        server("s", name="orders-db01"),
        server("w", services=(Service(port=443, process="nginx"),)),
    ]
    deps = [Dependency(source_key="w", target_key="r", port=6379)]
    found = detect(servers, deps)
    assert found["p"][0] == "postgresql"
    assert found["q"][0] == "mysql"
    assert found["r"][0] == "redis"
    assert found["s"][0] == "database"
    assert found["w"] == (None, True, False)


def test_application_takes_the_most_common_choice() -> None:
    servers = [server(k, application="shop") for k in ("a", "b", "c")]
    web = choose(Traits(name="a", utilisation_class=UtilisationClass.ACTIVE, web=True), EQUAL)
    plain = choose(Traits(name="c", utilisation_class=UtilisationClass.ACTIVE), EQUAL)
    apps = application_strategies(servers, {"a": web, "b": web, "c": plain})
    assert apps[0].subject == "shop"
    assert apps[0].preferred.service_model is ServiceModel.PAAS_CONTAINERS
    assert apps[0].preferred.reason.startswith("2 of 3 servers")
    assert apps[0].alternatives[0].strategy is Strategy.REHOST


def test_on_prem_cost_by_hand() -> None:
    frame = pl.DataFrame(
        {"cores": [4], "memory_gib": [16.0], "provisioned_gib": [100.0], "db_engine": [None]},
        schema={"cores": pl.Int64, "memory_gib": pl.Float64, "provisioned_gib": pl.Float64,
                "db_engine": pl.String},
    )  # fmt: skip
    got = frame.select(on_prem_annual_expr(TcoAssumptions())).item()
    per_core = 16.232 * (16 / 8) + 113.87
    hw = 4 * per_core
    net = 0.10 * (hw + 200)
    energy = 4 * 0.009 * 2.0 * 1.8 * 8760 * 0.12
    expected = hw / 4 + 200 / 4 + 20 + net / 5 + net * 0.15 + 250 + 430 + 430 + 580 + energy
    assert got == pytest.approx(expected)
    assert got == pytest.approx(2070.056, abs=0.01)


def test_cash_flow_totals_savings_and_payback() -> None:
    a = TcoAssumptions(migration_cost_per_server=100.0)
    r = cash_flow(
        1000.0, 600.0, 1, a, cloud="aws", region="us-east-1", pricing="on_demand", currency="USD"
    )
    assert [y.total for y in r.years] == [920.0, 800.0, 600.0, 600.0, 600.0]
    assert r.on_prem_5y == 5000.0
    assert r.with_cloud_5y == pytest.approx(3520.0 + 100.0)
    assert r.savings_pct_5y == pytest.approx(27.6)
    assert r.payback_years == pytest.approx(1.1)
    never = cash_flow(
        1000.0, 1500.0, 1, a, cloud="aws", region="us-east-1", pricing="on_demand", currency="USD"
    )
    assert never.payback_years is None and never.savings_pct_5y < 0

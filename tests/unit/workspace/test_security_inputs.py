"""The policy input read from a real workspace: settings, regions, planned servers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from skylift.domain.imports import ImportBatch
from skylift.domain.inventory import Dependency, PowerState, Server, Service
from skylift.domain.plan import Plan, Wave
from skylift.security.policies.plan import evaluate_policies
from skylift.workspace import Workspace
from skylift.workspace.assessments import AssessmentStore
from skylift.workspace.plans import build_plan, save_plan
from skylift.workspace.security import policy_input, policy_scanner


def _server(key: str, name: str, busy: bool = True, **kw: object) -> Server:
    use = 40.0 if busy else 0.0
    return Server(
        key=key,
        name=name,
        source="t",
        cores=2,
        memory_mib=4096,
        power_state=PowerState.ON,
        cpu_util_pct=use,
        mem_util_pct=use,
        net_in_mbps=use / 4,
        net_out_mbps=use / 4,
        **kw,  # type: ignore[arg-type]
    )


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    w = Workspace.init(tmp_path / "ws", project="policies")
    (w.root / "skylift.yaml").write_text(
        "project: policies\n"
        "targets:\n"
        "  - {cloud: azure, regions: [westeurope]}\n"
        "  - {cloud: aws, regions: [us-east-1]}\n"
        "policies:\n  allowed_regions: ['azure:*europe']\n",
        encoding="utf-8",
    )
    w.close()
    w = Workspace.open(tmp_path / "ws")
    servers = (
        _server("k-web", "prd-web01", services=(Service(port=80),), tags={"tier": "web"}),
        _server("k-ftp", "ftp01"),
        _server("k-app", "app01"),
        _server("k-z", "tmp-migration01", busy=False),
    )
    deps = (
        Dependency(source_key="k-app", target_key="k-ftp", port=21),
        Dependency(source_key="k-web", target_key="k-ftp", port=21),
        Dependency(source_key="k-app", target_key="k-web", port=80),
    )
    batch = ImportBatch(format="t", files=(), servers=servers, dependencies=deps)
    w.store.apply_import(batch, datetime.now(UTC))
    try:
        yield w
    finally:
        w.close()


def test_without_plan_or_assessment_only_settings_and_regions(ws: Workspace) -> None:
    inp = policy_input(ws)
    assert not inp.plan_found and not inp.assessment_found and inp.servers == ()
    assert inp.settings.allowed_regions == ("azure:*europe",)
    assert [(r.cloud, r.region, r.where) for r in inp.regions] == [
        ("azure", "westeurope", "skylift.yaml targets"),
        ("aws", "us-east-1", "skylift.yaml targets"),
    ]
    (f,) = evaluate_policies(inp)
    assert f.rule_id == "SKY-POL-REGION" and "us-east-1" in f.message


def test_planned_servers_carry_wave_ports_and_tags(ws: Workspace) -> None:
    plan = Plan(
        created_at=datetime.now(UTC),
        groups=(),
        waves=(
            Wave(number=1, name="w1", groups=(), servers=("k-web", "k-ftp"), production=True),
            Wave(number=2, name="w2", groups=(), servers=("k-app",), production=True),
        ),
        server_names={"k-web": "prd-web01", "k-ftp": "ftp01", "k-app": "app01"},
    )
    save_plan(ws, plan)
    inp = policy_input(ws)
    by_name = {s.name: s for s in inp.servers}
    assert sorted(by_name) == ["app01", "ftp01", "prd-web01"]  # the unplanned one is not there
    assert by_name["ftp01"].ports == {21: 2} and by_name["ftp01"].wave == 1
    assert by_name["prd-web01"].ports == {80: 1} and by_name["prd-web01"].tags == {"tier": "web"}
    plaintext = [f for f in evaluate_policies(inp) if f.rule_id == "SKY-POL-PLAINTEXT"]
    assert [f.location.resource for f in plaintext] == [
        "server ftp01 / wave 1",
        "server prd-web01 / wave 1",
    ]


def test_assessed_zombie_placed_in_a_wave_is_found(ws: Workspace) -> None:
    run, _ = AssessmentStore(ws).run(forecast=False)
    assert {d.server for d in build_plan(ws).decommission} == {"k-z"}  # planned right: nothing
    assert [f for f in evaluate_policies(policy_input(ws)) if f.rule_id == "SKY-POL-RETIRED"] == []
    build_plan(ws, retire={})  # a plan that ignores the assessment: the zombie gets a wave
    inp = policy_input(ws)
    assert inp.assessment_found and inp.plan_found
    assert {(r.region, r.where) for r in inp.regions} >= {("us-east-1", f"assessment run {run.id}")}
    zombie = next(s for s in inp.servers if s.key == "k-z")
    assert (zombie.strategy, zombie.utilisation_class) == ("retire", "zombie")
    retired = [f for f in evaluate_policies(inp) if f.rule_id == "SKY-POL-RETIRED"]
    assert [f.location.resource for f in retired] == [
        f"server tmp-migration01 / wave {zombie.wave}"
    ]


def test_scanner_outside_a_workspace_uses_the_default_policies() -> None:
    scanner = policy_scanner(None)
    assert scanner.name == "policies" and scanner.inp.settings.allowed_regions == ()

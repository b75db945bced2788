"""skylift's own generated target (the demo's: samples/app + its compose file, with
a web/app/database estate) gives no finding from checkov nor from the policies at their
defaults, on every cloud. One checkov run covers the three targets."""

from __future__ import annotations

from pathlib import Path

import pytest

from skylift.domain.findings import ScanResult
from skylift.domain.inventory import Dependency, Server, Service
from skylift.domain.policy import PolicyInput, PolicySettings
from skylift.domain.target import Cloud
from skylift.generate.inputs import read_inputs
from skylift.generate.pipeline import generate
from skylift.security.checkov import CheckovScanner, find_checkov
from skylift.security.policies.scanner import PolicyScanner
from skylift.security.scan import scan

APP = Path(__file__).resolve().parents[3] / "samples" / "app"


def _estate() -> tuple[list[Server], list[Dependency]]:
    servers = [
        Server(key="w", name="prd-web01", source="t", cores=2, services=(Service(port=80),)),
        Server(key="a", name="prd-app01", source="t", cores=4, memory_mib=16384),
        Server(key="d", name="prd-pg01", source="t", cores=8, memory_mib=65536),
        Server(key="m", name="prd-mysql01", source="t", cores=4, memory_mib=16384),
    ]
    deps = [
        Dependency(source_key="w", target_key="a", port=8080),
        Dependency(source_key="a", target_key="d", port=5432),
        Dependency(source_key="a", target_key="m", port=3306),
    ]
    return servers, deps


@pytest.fixture(scope="module")
def targets(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    root = tmp_path_factory.mktemp("targets")
    servers, deps = _estate()
    out = []
    for cloud in Cloud:
        inputs = read_inputs(
            compose=APP / "docker-compose.yml", servers=servers, dependencies=deps, environ={}
        )
        generate(inputs.target, root / cloud.value, cloud=cloud)
        out.append(root / cloud.value)
    return out


def _scan(targets: list[Path], *scanners: object) -> ScanResult:
    return scan([str(t) for t in targets], scanners=list(scanners))  # type: ignore[arg-type]


def test_policies_find_nothing_in_the_generated_targets(targets: list[Path]) -> None:
    result = _scan(targets, PolicyScanner())
    assert result.scanners == ("policies",)
    assert result.findings == (), [str(f.location) + " " + f.message for f in result.findings]
    assert result.summary.files_scanned > 30


def test_policies_do_read_the_generated_terraform(targets: list[Path]) -> None:
    """Not vacuous: a residency rule the generated regions break is reported, per cloud."""
    strict = PolicyInput(settings=PolicySettings(allowed_regions=("antarctica-*",)))
    result = _scan(targets, PolicyScanner(strict))
    clouds = {f.message.split(" region ")[0].rsplit(" ", 1)[-1] for f in result.findings}
    assert {f.rule_id for f in result.findings} == {"SKY-POL-REGION"}
    assert clouds == {"aws", "azure", "gcp"}


@pytest.mark.skipif(find_checkov() is None, reason="checkov is not installed (make validators)")
def test_checkov_finds_nothing_in_the_generated_targets(targets: list[Path]) -> None:
    result = _scan(targets, CheckovScanner())
    assert result.scanners == ("checkov",) and not result.skipped
    assert result.findings == (), [str(f.location) + " " + f.rule_id for f in result.findings]

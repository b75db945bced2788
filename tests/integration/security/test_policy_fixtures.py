"""The policy scanner over the misconfiguration fixtures on disk, through ``scan()``:
each planted problem found with its rule, severity, file and line; clean ones silent."""

from __future__ import annotations

from pathlib import Path

import pytest

from skylift.domain.findings import ScanResult
from skylift.domain.policy import PolicyInput, PolicySettings
from skylift.security.policies.scanner import PolicyScanner
from skylift.security.scan import scan

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "scan"


@pytest.fixture(scope="module")
def result() -> ScanResult:
    settings = PolicySettings(allowed_regions=("eu-*", "azure:westeurope", "gcp:europe-*"))
    return scan(
        [str(FIXTURES / "misconfig")], scanners=[PolicyScanner(PolicyInput(settings=settings))]
    )


def _found(result: ScanResult) -> set[tuple[str, str, str, int | None]]:
    return {
        (
            f.rule_id,
            f.severity.value,
            (f.location.path or "").split("misconfig/")[1],
            f.location.line,
        )
        for f in result.findings
    }


def test_each_planted_problem_with_rule_severity_and_line(result: ScanResult) -> None:
    assert _found(result) == {
        ("SKY-POL-INGRESS", "critical", "terraform/aws/main.tf", 11),  # SSH from 0.0.0.0/0
        ("SKY-POL-INGRESS", "critical", "terraform/azure/main.tf", 29),  # RDP from *
        ("SKY-POL-INGRESS", "critical", "terraform/gcp/main.tf", 22),  # SSH from 0.0.0.0/0
        ("SKY-POL-AT-REST", "medium", "terraform/aws/main.tf", 20),  # bucket without SSE
        ("SKY-POL-IN-TRANSIT", "high", "terraform/azure/main.tf", 12),  # storage over HTTP
        ("SKY-POL-IN-TRANSIT", "medium", "terraform/azure/main.tf", 13),  # TLS 1.0
        ("SKY-POL-REGION", "high", "terraform/aws/main.tf", 3),  # us-east-1
        ("SKY-POL-REGION", "high", "terraform/gcp/main.tf", 4),  # us-central1
        ("SKY-POL-REGION", "high", "terraform/gcp/main.tf", 9),  # bucket in the US multi-region
    }
    assert all(f.tool == "policy" and f.help_uri for f in result.findings)


def test_clean_fixtures_break_no_policy() -> None:
    clean = [str(FIXTURES / "clean" / kind) for kind in ("docker", "k8s", "terraform")]
    result = scan(clean, scanners=[PolicyScanner()])
    assert result.findings == () and result.summary.files_scanned == 3

"""Real checkov (offline, from .tools/checkov) on fixtures made for the purpose.

One scan for the whole module: the misconfigured fixtures, the clean ones and a
single-file argument (checkov runs twice: folders, then files). Each planted
problem is found with its severity, file, line and resource; the clean
fixtures give nothing. Skipped only when checkov is not installed
(``make validators``).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from skylift.domain.findings import Category, Finding, ScanResult, Severity
from skylift.security.checkov import CheckovScanner, find_checkov
from skylift.security.checkov_severity import table
from skylift.security.scan import scan

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "scan"
CLEAN = [FIXTURES / "clean" / kind for kind in ("docker", "k8s", "terraform")]
TOOL = find_checkov()

pytestmark = pytest.mark.skipif(
    TOOL is None, reason="checkov is not installed (run 'make validators')"
)


@pytest.fixture(scope="module")
def result() -> ScanResult:
    paths = [FIXTURES / "misconfig", *CLEAN]
    single = "tests/fixtures/scan/single/Dockerfile"  # a file argument, relative
    assert Path(single).resolve() == FIXTURES / "single" / "Dockerfile", "run from the repo root"
    return scan([*map(str, paths), single], scanners=[CheckovScanner()])


def _one(result: ScanResult, rule: str, path_end: str) -> Finding:
    found = [
        f
        for f in result.findings
        if f.rule_id == rule and (f.location.path or "").endswith(path_end)
    ]
    assert len(found) == 1, f"{rule} at {path_end}: {found}"
    return found[0]


def test_ssh_open_to_the_internet_is_critical_at_the_security_group(result: ScanResult) -> None:
    f = _one(result, "CKV_AWS_24", "misconfig/terraform/aws/main.tf")
    assert f.severity is Severity.CRITICAL
    assert f.category is Category.MISCONFIGURATION and f.tool == "checkov"
    assert (f.location.line, f.location.end_line) == (6, 18)
    assert f.location.resource == "aws_security_group.bastion"
    assert "port 22" in f.message and "checkov:skip=CKV_AWS_24" in f.remediation


def test_rdp_and_ssh_open_on_azure_and_gcp_are_critical(result: ScanResult) -> None:
    rdp = _one(result, "CKV_AZURE_9", "misconfig/terraform/azure/main.tf")
    ssh = _one(result, "CKV_GCP_2", "misconfig/terraform/gcp/main.tf")
    assert rdp.severity is ssh.severity is Severity.CRITICAL
    assert rdp.location.line == 24 and ssh.location.line == 18


@pytest.mark.parametrize(
    ("rule", "path", "line", "resource"),
    [
        ("CKV_AWS_20", "aws/main.tf", 20, "aws_s3_bucket.exports"),
        ("CKV_AWS_53", "aws/main.tf", 29, "aws_s3_bucket_public_access_block.exports"),
        ("CKV_AZURE_59", "azure/main.tf", 6, "azurerm_storage_account.exports"),
        ("CKV_AZURE_34", "azure/main.tf", 18, "azurerm_storage_container.exports"),
        ("CKV_GCP_28", "gcp/main.tf", 12, "google_storage_bucket_iam_member.exports_public"),
    ],
)
def test_public_buckets_are_high_on_every_cloud(
    result: ScanResult, rule: str, path: str, line: int, resource: str
) -> None:
    f = _one(result, rule, f"misconfig/terraform/{path}")
    assert f.severity is Severity.HIGH
    assert (f.location.line, f.location.resource) == (line, resource)


def test_dockerfile_without_user_is_a_medium_root_container(result: ScanResult) -> None:
    f = _one(result, "CKV_DOCKER_3", "misconfig/docker/Dockerfile")
    assert f.severity is Severity.MEDIUM
    assert f.location.line == 1 and f.location.resource is None


def test_a_file_argument_is_checked_and_shown_as_given(result: ScanResult) -> None:
    f = _one(result, "CKV_DOCKER_8", "single/Dockerfile")
    assert f.location.path == "tests/fixtures/scan/single/Dockerfile"
    assert f.severity is Severity.MEDIUM


def test_kubernetes_root_and_privileged_container(result: ScanResult) -> None:
    root = _one(result, "CKV_K8S_23", "misconfig/k8s/deployment.yaml")
    privileged = _one(result, "CKV_K8S_16", "misconfig/k8s/deployment.yaml")
    assert root.severity is Severity.MEDIUM and privileged.severity is Severity.HIGH
    assert root.location.resource == "Deployment.shop.legacy-app"
    assert root.location.line == 1 and root.location.end_line == 26


def test_ansible_disabled_certificate_validation(result: ScanResult) -> None:
    f = _one(result, "CKV_ANSIBLE_2", "misconfig/ansible/site.yml")
    assert f.severity is Severity.HIGH and f.location.line == 4


def test_clean_fixtures_give_nothing_and_inline_skips_are_honoured(result: ScanResult) -> None:
    assert [f for f in result.findings if "/clean/" in (f.location.path or "")] == []
    # clean/terraform/main.tf carries '# checkov:skip=CKV2_AWS_5:...': not a finding
    assert "checkov" in result.scanners and not result.skipped


def test_no_finding_repeats_the_literal_password_of_the_fixture(result: ScanResult) -> None:
    text = (FIXTURES / "misconfig" / "k8s" / "deployment.yaml").read_text()
    assert "Tr0ub4dor-and-3" in text
    for f in result.findings:
        assert "Tr0ub4dor" not in f.model_dump_json()


def test_every_check_in_the_severity_table_exists_in_this_checkov() -> None:
    assert TOOL is not None
    proc = subprocess.run(
        [TOOL, "--list", "--skip-download", "--framework", "terraform", "kubernetes",
         "dockerfile", "ansible"],
        capture_output=True,
        text=True,
        check=True,
        env={"BC_SKIP_MAPPING": "TRUE", "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true", "PATH": ""},
    )  # fmt: skip
    known = {cell.strip() for line in proc.stdout.splitlines() for cell in line.split("|")[2:3]}
    assert set(table()) - known == set()

"""checkov's JSON report → skylift findings, severities, and skipping when checkov is absent."""

from __future__ import annotations

from pathlib import Path

from skylift.domain.findings import Severity
from skylift.domain.progress import NULL_PROGRESS
from skylift.security.checkov import CheckovScanner, parse_report, to_finding
from skylift.security.checkov_severity import severity_of
from skylift.security.files import FileKind, ScanFile, ScanRoot
from skylift.security.scan import ScanOptions, default_scanners

ROOT = Path("/work/estate")


def _item(
    check_id: str, name: str, path: str, lines: list[int], resource: str
) -> dict[str, object]:
    return {
        "check_id": check_id,
        "check_name": name,
        "file_path": "/" + path,
        "file_abs_path": str(ROOT / path),
        "file_line_range": lines,
        "resource": resource,
        "severity": None,
        "guideline": None,
        "code_block": [[1, 'password = "do-not-copy-me"\n']],
    }


PAYLOAD = [
    {
        "check_type": "terraform",
        "results": {
            "failed_checks": [
                _item(
                    "CKV_AWS_24",
                    "Ensure no security groups allow ingress from 0.0.0.0:0 to port 22",
                    "tf/main.tf",
                    [6, 18],
                    "aws_security_group.bastion",
                )
            ]
        },
        "summary": {"passed": 3, "failed": 1, "skipped": 2, "resource_count": 4},
    },
    {
        "check_type": "dockerfile",
        "results": {
            "failed_checks": [
                _item(
                    "CKV_DOCKER_3",
                    "Ensure that a user for the container has been created",
                    "app/Dockerfile",
                    [1, 6],
                    "/app/Dockerfile.",
                )
            ]
        },
        "summary": {
            "passed": 1,
            "failed": 1,
            "skipped": 0,
            "resource_count": 1,
            "parsing_errors_list": [str(ROOT / "bad/main.tf")],
        },
    },
]


def test_report_counts_failed_suppressed_resources_and_parse_errors() -> None:
    report = parse_report(PAYLOAD)
    assert [c.check_id for c in report.failed] == ["CKV_AWS_24", "CKV_DOCKER_3"]
    assert report.suppressed == 2 and report.resources == 5 and report.passed == 4
    assert report.parse_errors == (str(ROOT / "bad/main.tf"),)
    assert parse_report(PAYLOAD[0]).failed[0].framework == "terraform"  # a single object too


def test_finding_keeps_file_line_resource_under_the_argument_as_given() -> None:
    check = parse_report(PAYLOAD).failed[0]
    root = ScanRoot(given="estate", root=ROOT)
    f = to_finding(check, [root])
    assert f.location.path == "estate/tf/main.tf"
    assert (f.location.line, f.location.end_line) == (6, 18)
    assert f.location.resource == "aws_security_group.bastion"
    assert f.severity is Severity.CRITICAL and f.tool == "checkov"
    assert "do-not-copy-me" not in f.model_dump_json()
    assert to_finding(check, [root]).fingerprint == f.fingerprint  # stable


def test_dockerfile_findings_name_no_resource_and_deepest_root_wins() -> None:
    check = parse_report(PAYLOAD).failed[1]
    outer = ScanRoot(given=".", root=ROOT)
    inner = ScanRoot(given="estate/app", root=ROOT / "app")
    f = to_finding(check, [outer, inner])
    assert f.location.path == "estate/app/Dockerfile" and f.location.resource is None
    assert f.severity is Severity.MEDIUM


def test_severity_table_then_keywords_then_medium() -> None:
    assert severity_of("CKV_AWS_20") is Severity.HIGH  # public bucket, from the table
    assert severity_of("CKV_K8S_16") is Severity.HIGH  # privileged container
    assert severity_of("CKV_K8S_9") is Severity.LOW  # readiness probe
    assert severity_of("CKV_X_1", "Ensure the bucket is encrypted with a customer managed key") is (
        Severity.LOW
    )
    assert severity_of("CKV_X_2", "Ensure no rule allows unrestricted SSH from 0.0.0.0/0") is (
        Severity.CRITICAL
    )
    assert severity_of("CKV_X_3", "Ensure the thing is not anonymously accessible") is (
        Severity.HIGH
    )
    assert severity_of("CKV_X_4", "Ensure something unusual") is Severity.MEDIUM
    assert severity_of("CKV_AWS_20", "", reported="LOW") is Severity.LOW  # checkov's own wins
    assert severity_of("CKV_AWS_20", "", reported="bogus") is Severity.HIGH


def test_scanner_is_skipped_with_the_install_hint_when_checkov_is_absent() -> None:
    root = ScanRoot(given="x", root=ROOT)
    tf = ScanFile("x/main.tf", "main.tf", ROOT / "main.tf", ROOT, FileKind.TERRAFORM, 10)
    out = CheckovScanner(locate=lambda: None).run([root], [tf], NULL_PROGRESS)
    assert out.skipped is not None and "make validators" in out.skipped and not out.findings


def test_scanner_is_skipped_when_there_is_nothing_it_checks() -> None:
    root = ScanRoot(given="x", root=ROOT)
    env = ScanFile("x/.env", ".env", ROOT / ".env", ROOT, FileKind.DOTENV, 10)
    out = CheckovScanner(locate=lambda: "/never/run").run([root], [env], NULL_PROGRESS)
    assert out.skipped is not None and "no Terraform" in out.skipped


def test_checkov_is_a_default_scanner_only_with_misconfig_on() -> None:
    assert "checkov" in [s.name for s in default_scanners(ScanOptions())]
    assert "checkov" not in [s.name for s in default_scanners(ScanOptions(misconfig=False))]


def test_ansible_runs_only_when_some_yaml_looks_like_a_playbook(tmp_path: Path) -> None:
    from skylift.security.checkov import _framework_groups, _looks_ansible

    def yaml_file(rel: str, text: str) -> ScanFile:
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return ScanFile(rel, rel, path, tmp_path, FileKind.YAML, len(text))

    manifest = yaml_file("k8s/web.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: web}\n")
    play = yaml_file("ops/site.yml", "- name: prep\n  hosts: linux\n  tasks:\n    - ping:\n")
    role_task = yaml_file("roles/web/tasks/main.yml", "- name: x\n  ansible.builtin.ping:\n")
    assert not _looks_ansible(manifest)
    assert _looks_ansible(play) and _looks_ansible(role_task)
    kinds = {FileKind.YAML, FileKind.TERRAFORM}
    assert _framework_groups(kinds, ansible=False) == [("terraform",), ("kubernetes",)]
    assert _framework_groups(kinds, ansible=True) == [("terraform",), ("kubernetes", "ansible")]
    assert _framework_groups({FileKind.DOCKERFILE}, ansible=False) == [("dockerfile",)]

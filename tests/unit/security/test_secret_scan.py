"""The secret scanner on the fixtures, against detect-secrets, and on skylift's own output."""

from __future__ import annotations

from pathlib import Path

import pytest

from skylift.domain.findings import Severity
from skylift.domain.progress import NULL_PROGRESS
from skylift.security.detect_secrets_adapter import DetectSecrets
from skylift.security.files import read_text, resolve_roots, walk
from skylift.security.scan import ScanOptions, scan
from skylift.security.secrets import SecretScanner
from tests.helpers import run_cli

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "tests" / "fixtures" / "scan"
SECRETS = FIXTURES / "secrets"
ONLY_SECRETS = ScanOptions(misconfig=False, policies=False)


def _scan(*paths: Path) -> list[tuple[str, int | None, str, Severity]]:
    result = scan([str(p) for p in paths], ONLY_SECRETS)
    return [
        (Path(f.location.path or "").relative_to(paths[0]).as_posix(), f.location.line,
         f.rule_id, f.severity)
        for f in result.findings
    ]  # fmt: skip


def test_every_fixture_secret_found_with_rule_severity_and_line() -> None:
    assert _scan(SECRETS) == [
        ("app/appsettings.json", 5, "SKY-SECRET-004", Severity.CRITICAL),
        ("keys/deploy_key.pem", 1, "SKY-SECRET-001", Severity.CRITICAL),
        ("keys/gcp-sa.json", 5, "SKY-SECRET-005", Severity.CRITICAL),
        ("real/playbook_real_keys.yml", 5, "SKY-SECRET-003", Severity.CRITICAL),
        ("terraform/main.tf", 17, "SKY-SECRET-003", Severity.CRITICAL),
        ("app/.env", 4, "SKY-SECRET-020", Severity.HIGH),
        ("app/.env", 7, "SKY-SECRET-021", Severity.HIGH),
        ("app/appsettings.json", 3, "SKY-SECRET-010", Severity.HIGH),
        ("app/web.config", 4, "SKY-SECRET-020", Severity.HIGH),
        ("compose/docker-compose.yml", 5, "SKY-SECRET-010", Severity.HIGH),
        ("compose/docker-compose.yml", 6, "SKY-SECRET-020", Severity.HIGH),
        ("compose/docker-compose.yml", 11, "SKY-SECRET-021", Severity.HIGH),
        ("k8s/deployment.yaml", 23, "SKY-SECRET-020", Severity.HIGH),
        ("k8s/deployment.yaml", 34, "SKY-SECRET-020", Severity.HIGH),
        ("k8s/deployment.yaml", 37, "SKY-SECRET-020", Severity.HIGH),
        ("real/playbook_real_keys.yml", 4, "SKY-SECRET-002", Severity.HIGH),
        ("terraform/main.tf", 3, "SKY-SECRET-020", Severity.HIGH),
        ("seed/seed_playbook.yml", 5, "SKY-SECRET-030", Severity.LOW),
        ("seed/seed_playbook.yml", 6, "SKY-SECRET-030", Severity.LOW),
    ]


def test_clean_fixtures_have_no_finding_at_all() -> None:
    result = scan([str(FIXTURES / "clean")], ONLY_SECRETS)
    assert result.findings == ()
    assert result.scanners == ("secrets",) and result.skipped == ()
    assert result.summary.files_scanned >= 10


def _detect_secrets_default(path: Path) -> set[tuple[str, int]]:
    """detect-secrets' own default scan of one file (its settings, its scan_file)."""
    from detect_secrets.core.scan import scan_file
    from detect_secrets.settings import default_settings

    with default_settings():
        return {(s.type, s.line_number) for s in scan_file(str(path))}


def test_detect_secrets_alone_misses_a_literal_password_in_kubernetes_env() -> None:
    deployment = SECRETS / "k8s" / "deployment.yaml"
    assert "Pr0d-Passw0rd-2019" in deployment.read_text().splitlines()[22]
    assert not any(line == 23 for _, line in _detect_secrets_default(deployment))
    found = {(f.location.line, f.rule_id) for f in scan([str(deployment)], ONLY_SECRETS).findings}
    assert (23, "SKY-SECRET-020") in found


def test_detect_secrets_does_catch_the_env_file_password() -> None:
    """The issue says it misses DB_PASSWORD=SuperSecret123! in an env file: it does not."""
    assert ("Secret Keyword", 4) in _detect_secrets_default(SECRETS / "app" / ".env")


@pytest.mark.parametrize(
    "folder",
    [SECRETS, FIXTURES / "clean", ROOT / "samples" / "app", ROOT / "src" / "skylift" / "security"],
)
def test_fast_detect_secrets_matches_its_scan_file(folder: Path) -> None:
    """The prefiltered adapter reports exactly what detect-secrets' scan_file reports."""
    from detect_secrets.core.scan import scan_file
    from detect_secrets.settings import default_settings

    files = list(walk(resolve_roots([folder])))
    with default_settings():
        full = {(f.path, s.type, s.line_number) for f in files for s in scan_file(str(f.abspath))}
    with DetectSecrets().session() as ds:
        fast = {
            (f.path, hit.type, hit.line)
            for f in files
            if (text := read_text(f)) is not None
            for hit in ds.scan(f.abspath, text)
        }
    assert fast == full


def test_skylift_generated_target_has_no_secret_finding(tmp_path: Path) -> None:
    app = ROOT / "samples" / "app"
    target = tmp_path / "target"
    done = run_cli(
        "generate", str(app), "--compose", str(app / "docker-compose.yml"),
        "--out", str(target), "--no-workspace-data", "--json",
    )  # fmt: skip
    assert done.code == 0, done.stderr
    result = scan([str(target)], ONLY_SECRETS)
    assert result.summary.files_scanned > 30
    assert result.findings == ()


def test_sample_app_shows_its_placeholder_session_key_only() -> None:
    result = scan([str(ROOT / "samples" / "app")], ONLY_SECRETS)
    assert [(f.location.path, f.location.line, f.rule_id) for f in result.findings] == [
        (str(ROOT / "samples" / "app" / "shop.env"), 5, "SKY-SECRET-030")
    ]


def test_detect_secrets_hits_are_reported_where_skylift_has_none(tmp_path: Path) -> None:
    token = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
    (tmp_path / "client.py").write_text(f'GH = "{token}"\n')
    result = SecretScanner(ONLY_SECRETS).run(
        resolve_roots([tmp_path]), list(walk(resolve_roots([tmp_path]))), NULL_PROGRESS
    )
    assert [(f.rule_id, f.tool, f.severity, f.location.line) for f in result.findings] == [
        ("DS-GITHUB-TOKEN", "detect-secrets", Severity.HIGH, 1)
    ]

"""Compose ``secrets:`` files committed with the code, and literal defaults of references."""

from __future__ import annotations

from pathlib import Path

import pytest

from skylift.domain.findings import Severity
from skylift.security.scan import ScanOptions, scan
from skylift.security.secret_files import compose_secret_files
from skylift.security.values import reference_default

ROOT = Path(__file__).resolve().parents[3]
ONLY_SECRETS = ScanOptions(misconfig=False, policies=False)
COMPOSE = """services:
  db:
    image: mysql:8.4
    environment:
      - MYSQL_ROOT_PASSWORD_FILE=/run/secrets/db-password
    secrets:
      - db-password
secrets:
  db-password:
    file: db/password.txt
  api-token:
    file: ./tokens/api.txt
  from-env:
    environment: API_TOKEN
"""


def _found(root: Path) -> list[tuple[str, int | None, str, Severity]]:
    return [
        (Path(f.location.path or "").relative_to(root).as_posix(), f.location.line, f.rule_id,
         f.severity)
        for f in scan([str(root)], ONLY_SECRETS).findings
    ]  # fmt: skip


def test_references_are_read_from_the_top_level_secrets(tmp_path: Path) -> None:
    refs = compose_secret_files(tmp_path / "compose.yaml", COMPOSE)
    assert [(r.name, r.line, r.target) for r in refs] == [
        ("db-password", 9, tmp_path / "db" / "password.txt"),
        ("api-token", 11, tmp_path / "tokens" / "api.txt"),
    ]
    assert compose_secret_files(tmp_path / "x.yaml", "services: {}\n") == []
    assert compose_secret_files(tmp_path / "x.yaml", "secrets:\n  a: {file: [\n") == []


def test_a_committed_secret_file_is_a_finding_and_its_copies_too(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text(COMPOSE)
    (tmp_path / "db").mkdir()
    (tmp_path / "db" / "password.txt").write_text("db-78n9nQ\n")
    (tmp_path / "tokens").mkdir()
    (tmp_path / "tokens" / "api.txt").write_text("<your token here>\n")
    (tmp_path / "app.properties").write_text(
        "url=jdbc:mysql://db/app\nuser=root\npw-hint=db-78n9nQ\n"
    )
    assert _found(tmp_path) == [
        ("app.properties", 3, "SKY-SECRET-006", Severity.HIGH),  # the same value, copied
        ("db/password.txt", 1, "SKY-SECRET-006", Severity.HIGH),
        ("tokens/api.txt", 1, "SKY-SECRET-030", Severity.LOW),  # a placeholder
    ]


def test_a_secret_file_outside_the_scan_is_not_read(tmp_path: Path) -> None:
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy" / "compose.yaml").write_text(
        "secrets:\n  db-password:\n    file: ../secrets/db.txt\n"
    )
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "db.txt").write_text("Zq8wN3vBx5Hy\n")
    assert _found(tmp_path / "deploy") == []
    assert _found(tmp_path) == [("secrets/db.txt", 1, "SKY-SECRET-006", Severity.HIGH)]


def test_the_real_apps_secret_files_are_found() -> None:
    """Real compose apps written by others keep their database password in db/password.txt."""
    apps = ROOT / "tests" / "fixtures" / "compose-apps"
    for name in ("nginx-flask-mysql", "nginx-golang-postgres", "spring-postgres"):
        if not (apps / name / "db" / "password.txt").exists():
            pytest.skip("the compose corpus is not here")
        found = _found(apps / name)
        assert ("db/password.txt", 1, "SKY-SECRET-006", Severity.HIGH) in found, name


@pytest.mark.parametrize(
    ("value", "default"),
    [("${POSTGRES_PASSWORD:db-wrz2z}", "db-wrz2z"), ("${DB_PASSWORD:-s3cret}", "s3cret"),
     ('"${A-x1}"', "x1"), ("${A:=q}", "q"), ("${A:-}", None), ("${A:?set it}", None),
     ("${A}", None), ("${var.db_password}", None), ("pre-${A:-x}", None)],
)  # fmt: skip
def test_reference_defaults(value: str, default: str | None) -> None:
    assert reference_default(value) == default


def test_a_literal_default_of_a_reference_is_a_secret(tmp_path: Path) -> None:
    (tmp_path / "application.properties").write_text(
        "spring.datasource.password=${POSTGRES_PASSWORD:db-wrz2z}\n"
        "spring.datasource.username=${POSTGRES_USER:postgres}\n"
    )
    (tmp_path / "docker-compose.yml").write_text(
        "services:\n  db:\n    environment:\n"
        "      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:-changeme}\n"
        "      API_TOKEN: ${API_TOKEN:?set API_TOKEN}\n"
        "      SECRET_KEY: ${SECRET_KEY:-}\n"
    )
    assert _found(tmp_path) == [
        ("application.properties", 1, "SKY-SECRET-020", Severity.HIGH),
        ("docker-compose.yml", 4, "SKY-SECRET-021", Severity.HIGH),  # a weak default
    ]

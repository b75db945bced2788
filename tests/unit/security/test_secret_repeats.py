"""Every occurrence of a secret is a finding: one per line, one fingerprint per value."""

from __future__ import annotations

import json
from pathlib import Path

from skylift.security.baseline import Baseline
from skylift.security.scan import ScanOptions, scan
from tests.helpers import run_cli

ONLY_SECRETS = ScanOptions(misconfig=False, policies=False)
PASSWORD = "Xk9v2LmQp7Rt"
COMPOSE = f"""services:
  db:
    image: postgres:16
    environment:
      POSTGRES_PASSWORD: "{PASSWORD}"
    healthcheck:
      test: ["CMD-SHELL", "PGPASSWORD={PASSWORD} pg_isready -U postgres"]
  app:
    image: shop/app:1.2.0
    environment:
      POSTGRES_PASSWORD: "{PASSWORD}"
      POSTGRES_USER: postgres
  backup:
    image: shop/backup:1.0.0
    command: ["sh", "-c", "pg_dump -h db --password {PASSWORD}"]
"""


def _lines(path: Path, options: ScanOptions = ONLY_SECRETS) -> list[tuple[int | None, str, str]]:
    return [
        (f.location.line, f.rule_id, f.fingerprint) for f in scan([str(path)], options).findings
    ]


def test_the_same_password_in_two_services_and_two_commands_is_four_findings(
    tmp_path: Path,
) -> None:
    (tmp_path / "docker-compose.yml").write_text(COMPOSE)
    found = _lines(tmp_path)
    assert [line for line, _, _ in found] == [5, 7, 11, 15]
    assert {rule for _, rule, _ in found} == {"SKY-SECRET-020"}
    assert len({fp for _, _, fp in found}) == 1  # one value, one fingerprint


def test_a_repeated_env_value_and_its_use_in_a_url_are_each_reported(tmp_path: Path) -> None:
    (tmp_path / "app.env").write_text(
        f"DB_PASSWORD={PASSWORD}\nREPLICA_PASSWORD={PASSWORD}\nLOG_LEVEL=info\n"
        f"BACKUP_CMD=pgbackrest --pg1-password {PASSWORD}\n"
    )
    assert [line for line, _, _ in _lines(tmp_path)] == [1, 2, 4]


def test_short_default_or_word_values_are_not_hunted_on_other_lines(tmp_path: Path) -> None:
    """Only credential-shaped values are looked for again: ``development`` under a secret
    key would otherwise flag every line that mentions the environment."""
    (tmp_path / "app.env").write_text(
        "ADMIN_PASSWORD=admin\nADMIN_USER=admin\nAPI_TOKEN=ab12\nNOTE=ab12 is short\n"
        "SECRET_KEY=development\nAPP_ENV=development\nMYSQL_PASSWORD=wordpress\n"
        "WORDPRESS_IMAGE=wordpress:6\n"
    )
    assert [line for line, _, _ in _lines(tmp_path)] == [1, 3, 5, 7]


def test_one_baseline_entry_accepts_every_occurrence(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "docker-compose.yml").write_text(COMPOSE)
    baseline = tmp_path / "baseline.json"
    made = run_cli(
        "scan", str(tmp_path / "app"), "--no-misconfig", "--baseline", str(baseline),
        "--update-baseline",
    )  # fmt: skip
    assert made.code == 0, made.stderr
    entries = json.loads(baseline.read_text())["accepted"]
    assert [(e["line"], e["rule_id"]) for e in entries] == [(5, "SKY-SECRET-020")]
    again = run_cli(
        "scan", str(tmp_path / "app"), "--no-misconfig", "--baseline", str(baseline), "--json"
    )
    assert again.code == 0, again.stdout
    data = json.loads(again.stdout)
    assert data["findings"] == []
    assert [f["location"]["line"] for f in data["suppressed"]] == [5, 7, 11, 15]
    # a new secret next to the accepted one is still a finding
    (tmp_path / "app" / "docker-compose.yml").write_text(
        COMPOSE + "  cache:\n    environment:\n      REDIS_PASSWORD: Zq8wN3vBx5Hy\n"
    )
    third = run_cli("scan", str(tmp_path / "app"), "--no-misconfig", "--baseline", str(baseline))
    assert third.code == 1
    assert PASSWORD not in third.stdout + third.stderr


def test_baseline_of_keeps_the_first_line_of_a_repeated_value(tmp_path: Path) -> None:
    (tmp_path / "docker-compose.yml").write_text(COMPOSE)
    result = scan([str(tmp_path)], ONLY_SECRETS)
    reordered = tuple(reversed(result.findings))
    assert [e.line for e in Baseline.of(reordered).accepted] == [5]


def test_sarif_keeps_each_occurrence_a_separate_result(tmp_path: Path) -> None:
    from skylift.report.sarif import to_sarif

    (tmp_path / "docker-compose.yml").write_text(COMPOSE)
    results = to_sarif(scan([str(tmp_path)], ONLY_SECRETS))["runs"][0]["results"]
    prints = [r["partialFingerprints"] for r in results]
    assert len(prints) == 4 and len({json.dumps(p, sort_keys=True) for p in prints}) == 4
    assert len({p["skylift/v1"] for p in prints}) == 1
    assert "skylift/occurrence/v1" not in prints[0]


def test_baseline_and_sarif_paths_below_a_file_are_one_line_errors(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "docker-compose.yml").write_text(COMPOSE)
    blocker = tmp_path / "report.txt"
    blocker.write_text("x\n")
    for option in (
        ["--baseline", str(blocker / "b.json"), "--update-baseline"],
        ["--sarif", str(blocker / "scan.sarif")],
    ):
        done = run_cli("scan", str(tmp_path / "app"), "--no-misconfig", *option)
        assert done.code == 2, done.stderr
        first = done.stderr.splitlines()[0]
        assert first.endswith(f"{blocker} is a file, not a folder"), done.stderr
        assert "internal error" not in done.stderr


def test_a_secret_copied_into_another_file_is_reported_there_too(tmp_path: Path) -> None:
    """The issue's case: compose's SA_PASSWORD written into a Kubernetes exec probe."""
    app, out = tmp_path / "app", tmp_path / "target"
    app.mkdir()
    out.mkdir()
    (app / "docker-compose.yml").write_text(
        f"services:\n  db:\n    environment:\n      SA_PASSWORD: {PASSWORD}\n"
    )
    (out / "db.yaml").write_text(
        "livenessProbe:\n  exec:\n    command:\n"
        f"      - \"/opt/mssql-tools/bin/sqlcmd -S localhost -U sa -P {PASSWORD} -Q 'SELECT 1'\"\n"
    )
    assert _lines(out) == []  # alone, nothing names the value
    found = scan([str(app), str(out)], ONLY_SECRETS).findings
    assert [(Path(f.location.path or "").name, f.location.line) for f in found] == [
        ("docker-compose.yml", 4),
        ("db.yaml", 4),
    ]
    assert found[1].rule_id == "SKY-SECRET-020"
    assert "docker-compose.yml:4 again" in found[1].message
    assert PASSWORD not in found[1].message

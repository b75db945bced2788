"""Which finding a line gets, which values are hunted again, compose secret files' content,
detect-secrets' rule names and the scanner's progress (against mutmut's survivors in
security/secrets.py).

Documented rules checked here: one finding per line, the most severe, and on equal severity
the more specific rule; only credential-shaped values (8+ characters, letters with digits or
symbols, no space) are looked for again, and only as a whole word; a compose secret file is
judged like a value (placeholder 030, weak default 021, else 006), once, and not when empty,
a comment or allowlisted.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from skylift.domain.findings import Severity
from skylift.security.files import resolve_roots, walk
from skylift.security.scan import ScanOptions, scan
from skylift.security.secrets import SecretScanner, detect_secrets_rule

ONLY_SECRETS = ScanOptions(misconfig=False, policies=False)
AZURE = (
    "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey="
    + "Qm9vdHN0cmFwS2V5" * 5
    + "Qm9vdH==;EndpointSuffix=core.windows.net"
)


def _found(root: Path) -> list[tuple[str, int | None, str]]:
    return [
        (Path(f.location.path or "").relative_to(root).as_posix(), f.location.line, f.rule_id)
        for f in scan([str(root)], ONLY_SECRETS).findings
    ]


def test_one_finding_per_line_the_most_severe_then_the_most_specific(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        "DB_PASSWORD=postgres://app:Zq8ConnPass1@db:5432/shop\n"  # 010 and 020, both high
        f"STORAGE_PASSWORD={AZURE}\n"  # 004 critical beats 020 high
        "api_password=AKIAIOSFODNN7EXAMPLQ\n"  # 002 and 020, both high
    )
    findings = sorted(
        scan([str(tmp_path)], ONLY_SECRETS).findings, key=lambda f: f.location.line or 0
    )
    assert [(f.location.line, f.rule_id, f.severity) for f in findings] == [
        (1, "SKY-SECRET-010", Severity.HIGH),
        (2, "SKY-SECRET-004", Severity.CRITICAL),
        (3, "SKY-SECRET-002", Severity.HIGH),
    ]
    assert findings[0].message == "password in a postgres URL"


@pytest.mark.parametrize(
    ("value", "hunted"),
    [
        ("Ab3-xyz9", True),  # 8 characters, letters and digits
        ("Ab3-xy9", False),  # 7: too short
        ("abcdefgh1", True),  # a digit is enough
        ("abc/defgh", True),  # so is a symbol other than _ - .
        ("abc_def-gh.i", False),  # letters with _ - . only: a word-like name
        ("12345678-90", False),  # no letter
    ],
)
def test_only_credential_shaped_values_are_hunted_on_other_lines(
    tmp_path: Path, value: str, hunted: bool
) -> None:
    (tmp_path / ".env").write_text(f"DB_PASSWORD={value}\nGREETING=hello\n")
    (tmp_path / "run.sh").write_text(f"echo start\nmysql -p {value} shop\n")
    expected = [(".env", 1, "SKY-SECRET-020")]
    if hunted:
        expected.append(("run.sh", 2, "SKY-SECRET-020"))
    assert _found(tmp_path) == expected


def test_a_value_inside_a_longer_word_is_not_a_repeat(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        "DB_PASSWORD=Kq7-Whole-Word9\n"
        "NOTE=xKq7-Whole-Word9\n"  # preceded by a letter
        "OTHER=Kq7-Whole-Word9x\n"  # followed by one
        "COPY=(Kq7-Whole-Word9)\n"  # delimited: a repeat
    )
    (tmp_path / "a.txt").write_text("Kq7-Whole-Word9_2\nuse Kq7-Whole-Word9.\n")
    assert _found(tmp_path) == [
        (".env", 1, "SKY-SECRET-020"),
        (".env", 4, "SKY-SECRET-020"),
        ("a.txt", 2, "SKY-SECRET-020"),
    ]


def test_the_longest_known_value_is_reported_where_several_fit(tmp_path: Path) -> None:
    (tmp_path / "a.env").write_text("DB_PASSWORD=Tq4Short1x\nAPI_TOKEN=Tq4Short1xAndLonger\n")
    (tmp_path / "b.txt").write_text("x=Tq4Short1x y=Tq4Short1xAndLonger\n")
    findings = [f for f in scan([str(tmp_path)], ONLY_SECRETS).findings if "b.txt" in str(f)]
    assert [(f.location.line, f.message) for f in findings] == [
        (
            1,
            f"the secret of {tmp_path / 'a.env'}:2 again "
            "(literal value for 'API_TOKEN' in an env file)",
        )
    ]


def test_a_line_that_has_a_finding_is_not_reported_again_as_a_copy(tmp_path: Path) -> None:
    (tmp_path / "a.env").write_text("DB_PASSWORD=Mv5-Copied-Value\n")
    (tmp_path / "b.env").write_text("API_TOKEN=Mv5-Copied-Value\n")
    assert _found(tmp_path) == [("a.env", 1, "SKY-SECRET-020"), ("b.env", 1, "SKY-SECRET-020")]
    messages = [f.message for f in scan([str(tmp_path)], ONLY_SECRETS).findings]
    assert messages == [
        "literal value for 'DB_PASSWORD' in an env file",
        "literal value for 'API_TOKEN' in an env file",
    ]


def test_a_copy_on_an_allowlisted_line_of_another_file_is_not_reported(tmp_path: Path) -> None:
    (tmp_path / "a.env").write_text("DB_PASSWORD=Rw2-Allow-Elsewhere\n")
    (tmp_path / "b.txt").write_text(
        "x Rw2-Allow-Elsewhere # pragma: allowlist secret\ny Rw2-Allow-Elsewhere skylift:ignore\n"
    )
    assert _found(tmp_path) == [("a.env", 1, "SKY-SECRET-020")]


def test_an_allowlisted_first_value_is_not_hunted_elsewhere(tmp_path: Path) -> None:
    (tmp_path / "a.env").write_text("DB_PASSWORD=Pn6-Allowed-Value  # pragma: allowlist secret\n")
    (tmp_path / "b.txt").write_text("Pn6-Allowed-Value\n")
    assert _found(tmp_path) == []


COMPOSE = """services:
  db:
    image: mysql:8.4
    secrets: [db-password]
secrets:
  db-password:
    file: ./password.txt
  again:
    file: ./password.txt
"""


@pytest.mark.parametrize(
    ("content", "rule"),
    [
        ("Lx8-Real-File-Secret\n", "SKY-SECRET-006"),
        ("changeme\n", "SKY-SECRET-021"),
        ("<your password>\n", "SKY-SECRET-030"),
        ("", None),
        ("\n  \n", None),
        ("# set me before deploying\n", None),
        ("Lx8-Real-File-Secret  # pragma: allowlist secret\n", None),
        ("${DB_PASSWORD}\n", None),
        ("true\n", None),
    ],
)
def test_a_compose_secret_file_is_judged_like_a_value_once(
    tmp_path: Path, content: str, rule: str | None
) -> None:
    (tmp_path / "compose.yaml").write_text(COMPOSE)
    (tmp_path / "password.txt").write_text(content)
    findings = [f for f in scan([str(tmp_path)], ONLY_SECRETS).findings if "password.txt" in str(f)]
    if rule is None:
        assert findings == []
        return
    assert [(f.location.line, f.rule_id) for f in findings] == [(1, rule)]
    assert findings[0].message == (
        "the value of compose secret 'db-password', committed with the code"
    )


def test_a_big_compose_secret_file_is_something_else(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text(COMPOSE)
    (tmp_path / "password.txt").write_text("Lx8" * (64 * 1024 // 3 + 1))
    assert [f for f in scan([str(tmp_path)], ONLY_SECRETS).findings if "password" in str(f)] == []


def test_a_secret_file_copied_elsewhere_is_reported_there(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text(COMPOSE)
    (tmp_path / "password.txt").write_text("Lx8-Real-File-Secret\n")
    (tmp_path / "notes.md").write_text("the password\nis Lx8-Real-File-Secret\n")
    findings = scan([str(tmp_path)], ONLY_SECRETS).findings
    got = [(Path(f.location.path or "").name, f.location.line, f.rule_id) for f in findings]
    assert sorted(got) == [("notes.md", 2, "SKY-SECRET-006"), ("password.txt", 1, "SKY-SECRET-006")]


@pytest.mark.parametrize(
    ("kind", "rule_id", "severity"),
    [
        ("Secret Keyword", "DS-SECRET-KEYWORD", Severity.MEDIUM),
        ("Base64 High Entropy String", "DS-BASE64-HIGH-ENTROPY-STRING", Severity.LOW),
        ("Hex High Entropy String", "DS-HEX-HIGH-ENTROPY-STRING", Severity.LOW),
        ("Public IP (ipv4)", "DS-PUBLIC-IP-IPV4", Severity.INFO),
        ("Private Key", "DS-PRIVATE-KEY", Severity.CRITICAL),
        ("AWS Access Key", "DS-AWS-ACCESS-KEY", Severity.CRITICAL),
        (
            "Azure Storage Account access key",
            "DS-AZURE-STORAGE-ACCOUNT-ACCESS-KEY",
            Severity.CRITICAL,
        ),
        ("Slack Token", "DS-SLACK-TOKEN", Severity.HIGH),  # any other detector: high
    ],
)
def test_detect_secrets_rules_are_named_from_the_detector(
    kind: str, rule_id: str, severity: Severity
) -> None:
    rule = detect_secrets_rule(kind)
    assert (rule.id, rule.severity) == (rule_id, severity)
    assert rule.title == f"{kind} (detect-secrets)"
    assert rule.description == f"detect-secrets' '{kind}' detector."
    assert rule.remediation == "Remove the value, rotate it, and read it from a secret store."


class _Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[object, ...]] = []

    def begin(self, description: str, total: float | None = None, unit: str = "") -> None:
        self.calls.append(("begin", description, total, unit))

    def advance(self, amount: float = 1.0) -> None:
        self.calls.append(("advance", amount))

    def end(self) -> None:
        self.calls.append(("end",))


def test_progress_counts_the_files_scanned(tmp_path: Path) -> None:
    for i in range(3):
        (tmp_path / f"f{i}.env").write_text(f"DB_PASSWORD=Hp{i}-Progress-Count\n")
    roots = resolve_roots([tmp_path])
    files = list(walk(roots))
    progress = _Recorder()
    out = SecretScanner(ONLY_SECRETS, detect_secrets=False).run(roots, files, progress)
    assert out.files_scanned == 3 and len(out.findings) == 3
    assert progress.calls == [
        ("begin", "scanning for secrets", 3, "files"),
        ("advance", 1.0),
        ("advance", 1.0),
        ("advance", 1.0),
        ("end",),
    ]

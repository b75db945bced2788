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
from skylift.security.secrets import SecretScanner, detect_secrets_rule, iter_rules

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
        ("Pw9 with-space", False),  # a space: a phrase, not a credential
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
    # the longer value sorts first by length, the shorter first by text
    (tmp_path / "a.env").write_text("DB_PASSWORD=Zq4Short1x\nAPI_TOKEN=Aq4Short1xAndLonger\n")
    (tmp_path / "b.txt").write_text("x=Zq4Short1x y=Aq4Short1xAndLonger\n")
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


GITHUB_TOKEN = "ghp_1a2B3c4D5e6F7g8H9i0JkLmNoPqRsTuVwXyZ12"


def _scan(root: Path) -> list[tuple[str, int | None, str, str, str]]:
    findings = scan([str(root)], ONLY_SECRETS).findings
    rows = [
        (Path(f.location.path or "").relative_to(root).as_posix(), f.location.line, f.rule_id,
         f.message, f.fingerprint)
        for f in findings
    ]  # fmt: skip
    return sorted(rows, key=lambda r: (r[0], r[1] or 0))


def test_a_copy_is_found_below_a_line_that_has_its_own_finding(tmp_path: Path) -> None:
    (tmp_path / "a.env").write_text("DB_PASSWORD=Mv5-Copied-Value\n")
    (tmp_path / "b.env").write_text("API_TOKEN=Other-Tok3n-99\necho Mv5-Copied-Value\n")
    got = [(p, n, m) for p, n, _r, m, _f in _scan(tmp_path)]
    assert got == [
        ("a.env", 1, "literal value for 'DB_PASSWORD' in an env file"),
        ("b.env", 1, "literal value for 'API_TOKEN' in an env file"),
        (
            "b.env",
            2,
            f"the secret of {tmp_path / 'a.env'}:1 again "
            "(literal value for 'DB_PASSWORD' in an env file)",
        ),
    ]


def test_repeats_in_one_file_after_a_value_that_is_not_hunted(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        "ADMIN_PASSWORD=changeme\nDB_PASSWORD=Rk2-Hunted-Value\necho Rk2-Hunted-Value\n"
    )
    got = [(n, r, m) for _p, n, r, m, _f in _scan(tmp_path)]
    assert got == [
        (1, "SKY-SECRET-021", "'ADMIN_PASSWORD' is set to a well-known default value"),
        (2, "SKY-SECRET-020", "literal value for 'DB_PASSWORD' in an env file"),
        (
            3,
            "SKY-SECRET-020",
            "the secret of line 2 again (literal value for 'DB_PASSWORD' in an env file)",
        ),
    ]


def test_a_later_value_holding_an_earlier_one_keeps_its_message_and_takes_its_fingerprint(
    tmp_path: Path,
) -> None:
    (tmp_path / ".env").write_text(
        "API_SECRET=Vq3-First-Token extra\n"  # earlier and longer: keeps its own value
        "DB_PASSWORD=Vq3-First-Token\n"
        "X_PASSWORD=Vq3-Second-Token\n"
        "OTHER_SECRET=Vq3-Second-Token more\n"  # later and longer: the earlier value
    )
    rows = _scan(tmp_path)
    assert [m for _p, _n, _r, m, _f in rows] == [
        "literal value for 'API_SECRET' in an env file",
        "literal value for 'DB_PASSWORD' in an env file",
        "literal value for 'X_PASSWORD' in an env file",
        "literal value for 'OTHER_SECRET' in an env file",
    ]
    prints = [f for *_x, f in rows]
    assert prints[0] != prints[1] and prints[2] == prints[3]


def test_the_same_value_in_two_files_has_a_fingerprint_per_file(tmp_path: Path) -> None:
    (tmp_path / "a.env").write_text("DB_PASSWORD=Fp8-Per-File-Value\n")
    (tmp_path / "b.env").write_text("DB_PASSWORD=Fp8-Per-File-Value\n")
    findings = scan([str(tmp_path)], ONLY_SECRETS).findings
    assert len({f.fingerprint for f in findings}) == 2
    rule = next(r for r in iter_rules() if r.id == "SKY-SECRET-020")
    assert {f.remediation for f in findings} == {rule.remediation}


def test_a_reference_default_names_where_it_was_found(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text(
        "services:\n  db:\n    image: postgres:16\n    environment:\n"
        "      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:-Wq7-Default-Pass}\n"
    )
    assert [(n, m) for _p, n, _r, m, _f in _scan(tmp_path)] == [
        (5, "literal value for 'POSTGRES_PASSWORD' in YAML, as the default of a reference")
    ]


def test_a_placeholder_is_expected_only_in_a_file_named_as_a_template(tmp_path: Path) -> None:
    folder = tmp_path / "a" / "conf-example.d"  # a template folder, not a template file
    folder.mkdir(parents=True)
    (folder / "x.env").write_text("DB_PASSWORD=<your password>\n")
    (folder / "y.example.env").write_text("DB_PASSWORD=<your password>\n")
    assert [(p, r) for p, _n, r, _m, _f in _scan(tmp_path)] == [
        ("a/conf-example.d/x.env", "SKY-SECRET-030")
    ]


def test_detect_secrets_findings_name_their_detector_and_can_be_turned_off(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text(f"see {GITHUB_TOKEN} here\n")
    rows = _scan(tmp_path)
    assert [(n, r, m) for _p, n, r, m, _f in rows] == [(1, "DS-GITHUB-TOKEN", "github token")]
    roots = resolve_roots([tmp_path])
    files = list(walk(roots))
    off = SecretScanner(ONLY_SECRETS, detect_secrets=False).run(roots, files, _Recorder())
    assert off.findings == ()


def test_every_compose_secret_file_is_judged_after_one_that_is_not(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text(
        "services: {db: {image: 'mysql:8.4'}}\nsecrets:\n"
        "  gone: {file: ./missing.txt}\n  comment: {file: ./comment.txt}\n"
        "  ref: {file: ./ref.txt}\n  real: {file: ./real.txt}\n"
    )
    (tmp_path / "comment.txt").write_text("# filled in at deploy time\n")
    (tmp_path / "ref.txt").write_text("${DB_PASSWORD}\n")
    (tmp_path / "real.txt").write_text("Jt6-Last-Real-Secret\n")
    assert [(p, r) for p, _n, r, _m, _f in _scan(tmp_path)] == [("real.txt", "SKY-SECRET-006")]


def test_a_secret_file_of_exactly_the_limit_is_still_judged(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text(COMPOSE)
    body = "Lx8-" + "q" * (64 * 1024 - 4)
    (tmp_path / "password.txt").write_text(body)
    assert [(p, r) for p, _n, r, _m, _f in _scan(tmp_path)] == [("password.txt", "SKY-SECRET-006")]


def test_a_secret_file_with_findings_of_its_own_is_not_reported_again(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text(COMPOSE.replace("./password.txt", "./db.env"))
    (tmp_path / "db.env").write_text("DB_PASSWORD=Hs5-Own-Finding-1\n")
    assert [(p, r) for p, _n, r, _m, _f in _scan(tmp_path)] == [("db.env", "SKY-SECRET-020")]


def test_only_yaml_files_declare_compose_secret_files(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text('{"secrets": {"db": {"file": "./pw.txt"}}}\n')
    (tmp_path / "pw.txt").write_text("Nb4-Not-A-Compose-Secret\n")
    assert _scan(tmp_path) == []


@pytest.mark.parametrize("reported", range(1, 8))
def test_a_detect_secrets_line_off_by_up_to_three_is_moved_to_the_value(reported: int) -> None:
    from skylift.security.detect_secrets_adapter import DetectSecretsHit
    from skylift.security.secrets import _locate

    lines = ["a", "b", "c", "d: tok-123", "e", "f", "g"]
    hit = DetectSecretsHit(type="Secret Keyword", line=reported, value="tok-123")
    assert _locate(lines, hit) == 4
    far = DetectSecretsHit(type="Secret Keyword", line=1, value="g-only")
    assert _locate(["a", "b", "c", "d", "g-only"], far) == 1  # 4 lines off: left as reported
    last = DetectSecretsHit(type="Secret Keyword", line=1, value="z")
    assert _locate(["a", "b", "c", "z"], last) == 4  # never wraps to the last line via line 0
    beyond = DetectSecretsHit(type="Secret Keyword", line=9, value="q")
    assert _locate(["q"], beyond) == 9

"""Fingerprints survive lines moving (issue 13): rule + path + the matched content
(+ occurrence) for problems in the user's files, rule + path + value for secrets."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skylift.domain.findings import Severity
from skylift.domain.target import CheckResult
from skylift.generate.acceptance import Acceptance
from skylift.generate.check import UserHit, user_findings
from skylift.report.sarif import to_sarif
from skylift.security.fingerprint import legacy_line_fingerprint, line_fingerprints
from skylift.security.scan import ScanOptions, scan

ONLY_SECRETS = ScanOptions(misconfig=False, policies=False)
DOCKERFILE = [
    "FROM python:3.12-slim",
    "RUN apt-get update && apt-get install -y curl",
    "COPY . /app",
    "RUN apt-get update && apt-get install -y curl",
    "CMD python app.py",
]
HITS = [("DL3008", 2), ("DL3008", 4), ("DL3015", 2), ("CKV_DOCKER_2", None)]
#: lines that are not findings: comments, blank lines, other instructions
UNRELATED = st.lists(
    st.sampled_from(["", "# a comment", "ENV A=1", "  ", "LABEL x=y", "WORKDIR /app"]),
    max_size=4,
)


def _insert(lines: list[str], extra: list[list[str]]) -> tuple[list[str], dict[int, int]]:
    """``lines`` with ``extra[i]`` inserted before line i+1 (and after the last);
    the old → new line numbers."""
    out: list[str] = []
    moved: dict[int, int] = {}
    for i, line in enumerate(lines):
        out.extend(extra[i])
        out.append(line)
        moved[i + 1] = len(out)
    out.extend(extra[len(lines)])
    return out, moved


@settings(max_examples=150, deadline=None)
@given(st.lists(UNRELATED, min_size=len(DOCKERFILE) + 1, max_size=len(DOCKERFILE) + 1))
def test_inserting_or_removing_unrelated_lines_never_changes_a_fingerprint(
    extra: list[list[str]],
) -> None:
    before = line_fingerprints("app/Dockerfile", "\n".join(DOCKERFILE), HITS)
    lines, moved = _insert(DOCKERFILE, extra)
    hits = [(rule, moved[line] if line else None) for rule, line in HITS]
    assert line_fingerprints("app/Dockerfile", "\n".join(lines), hits) == before
    # ... and removing them again is the same as never adding them
    assert len(set(before)) == len(before)  # each finding its own fingerprint


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="abcdefgh-=. ", min_size=1, max_size=20), UNRELATED)
def test_changing_the_matched_line_changes_its_fingerprint(word: str, extra: list[str]) -> None:
    edited = list(DOCKERFILE)
    edited[3] = f"RUN apt-get install -y {word}x"  # line 4, the second copy of line 2
    before = line_fingerprints("app/Dockerfile", "\n".join(DOCKERFILE), HITS)
    after = line_fingerprints("app/Dockerfile", "\n".join(edited + extra), HITS)
    assert after[1] != before[1]  # line 4's finding
    assert after[0] == before[0] and after[2] == before[2]  # line 2's findings
    assert after[3] == before[3]  # the whole file's


def test_white_space_and_the_path_and_the_rule() -> None:
    text = "\n".join(DOCKERFILE)
    spaced = text.replace("apt-get update &&", "apt-get   update\t&&")
    assert line_fingerprints("a", spaced, HITS) == line_fingerprints("a", text, HITS)
    assert line_fingerprints("b", text, HITS)[0] != line_fingerprints("a", text, HITS)[0]


def test_user_findings_of_two_copies_of_one_dockerfile_are_one_set(tmp_path: Path) -> None:
    """Two services built from one Dockerfile: the same findings, once."""
    hits = []
    for service in ("api", "worker"):
        staged = tmp_path / service / "Dockerfile"
        staged.parent.mkdir()
        staged.write_text("\n".join(DOCKERFILE), encoding="utf-8")
        hits += [
            UserHit(rule, "t", staged, "app/Dockerfile", line, "hadolint", Severity.LOW)
            for rule, line in HITS
        ]
    found = user_findings(hits)
    assert len(found) == len(HITS)
    moved = tmp_path / "moved"
    moved.write_text("# note\n\n" + "\n".join(DOCKERFILE), encoding="utf-8")
    shifted = user_findings(
        [
            UserHit(
                r, "t", moved, "app/Dockerfile", (ln + 2) if ln else None, "hadolint", Severity.LOW
            )
            for r, ln in HITS
        ]
    )
    assert [f.fingerprint for f in shifted] == [f.fingerprint for f in found]
    assert [f.location.line for f in shifted] == [4, 6, 4, None]


def test_an_old_line_number_baseline_still_accepts_the_finding_on_its_line(tmp_path: Path) -> None:
    staged = tmp_path / "Dockerfile"
    staged.write_text("\n".join(DOCKERFILE), encoding="utf-8")
    hit = UserHit("DL3008", "t", staged, "app/Dockerfile", 2, "hadolint", Severity.LOW)
    (finding,) = user_findings([hit])
    old = legacy_line_fingerprint("DL3008", "app/Dockerfile", 2)
    assert finding.fingerprint != old
    assert Acceptance.parse([], {old}).accepts(finding)
    assert not Acceptance.parse(
        [], {legacy_line_fingerprint("DL3008", "app/Dockerfile", 3)}
    ).accepts(finding)
    assert Acceptance.parse([], {finding.fingerprint}).accepts(finding)
    # and says which fingerprint replaces the old entry
    legacy = Acceptance.parse([], {old})
    applied = legacy.apply(CheckResult(validator="hadolint", ok=True, findings=(finding,)))
    assert applied.accepted == (finding,) and applied.findings == ()
    (line,) = legacy.migrations([applied])
    assert old in line and finding.fingerprint in line and "app/Dockerfile:2" in line
    assert Acceptance.parse([], {finding.fingerprint}).migrations([applied]) == []


SECRET_ENV = [
    "APP_NAME=shop",
    "DB_PASSWORD=Xk9v2LmQp7Rt",
    "API_TOKEN=ghp_Q8m2Lk4Vb7Xz9Pt3Rw6Ny1Ja5Hc0Ds2Fe8Gu",
]
PLAIN = st.lists(
    st.sampled_from(["", "# comment", "LOG_LEVEL=info", "PORT=8000", "DEBUG=false"]), max_size=3
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(PLAIN, min_size=len(SECRET_ENV) + 1, max_size=len(SECRET_ENV) + 1))
def test_secret_fingerprints_ignore_unrelated_lines_and_follow_the_value(
    tmp_path: Path, extra: list[list[str]]
) -> None:
    path = tmp_path / "app.env"

    def prints(lines: list[str]) -> set[tuple[str, str]]:
        """Each result's rule and SARIF partialFingerprints (what code scanning keys on)."""
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        results = to_sarif(scan([str(path)], ONLY_SECRETS))["runs"][0]["results"]
        return {
            (r["ruleId"], json.dumps(r["partialFingerprints"], sort_keys=True)) for r in results
        }

    before = prints(SECRET_ENV)
    assert before
    assert prints(_insert(SECRET_ENV, extra)[0]) == before
    changed = [line.replace("Xk9v2LmQp7Rt", "Zq8w3NnRt5Yu") for line in SECRET_ENV]
    assert prints(changed) != before

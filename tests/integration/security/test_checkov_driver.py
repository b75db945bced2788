"""The checkov driver reports exactly what checkov's own CLI reports (real checkov, no mocks).

skylift runs checkov through ``security/data/checkov_driver.py`` (checkov's
argument parsing and checks, a compact report, no debug log, set-based result
filtering in two graph solvers). Each test runs checkov's CLI (``-o json``) and
the driver on the same fixtures and compares every failed check, the counts and
the exit code. Skipped only when checkov is not installed (``make validators``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from skylift.security.checkov import (
    DRIVER,
    FRAMEWORKS,
    OFFLINE_ENV,
    CheckovReport,
    CheckovScanner,
    command,
    find_checkov,
    parse_report,
    run_checkov,
)
from skylift.security.scan import scan

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "scan"
TOOL = find_checkov()

pytestmark = pytest.mark.skipif(
    TOOL is None, reason="checkov is not installed (run 'make validators')"
)

ARGS = ["--skip-download", "-o", "json", "--quiet", "--compact"]


def _run(cmd: list[str], *, solvers: str = "fast") -> tuple[int, CheckovReport]:
    env = {**os.environ, **OFFLINE_ENV, "SKYLIFT_CHECKOV_SOLVERS": solvers}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    return proc.returncode, parse_report(json.loads(proc.stdout))


def _key(report: CheckovReport) -> tuple[object, ...]:
    failed = sorted(
        (c.check_id, c.name, str(c.path), c.start_line, c.end_line, c.resource, c.guideline)
        for c in report.failed
    )
    return failed, report.passed, report.suppressed, report.resources


def _frameworks(*names: str) -> list[str]:
    return ["--framework", *names]


@pytest.fixture(scope="module")
def tool() -> str:
    assert TOOL is not None
    return TOOL


def test_the_driver_runs_with_checkovs_own_python(tool: str) -> None:
    assert command(tool) == [str(Path(tool).parent / "python"), str(DRIVER)]


def test_driver_reports_what_the_cli_reports(tool: str) -> None:
    args = ["-d", str(FIXTURES), *_frameworks(*FRAMEWORKS), *ARGS]
    cli_code, cli = _run([tool, *args])
    fast_code, fast = _run([*command(tool), *args])
    assert {c.framework for c in cli.failed} == set(FRAMEWORKS)
    assert cli.passed and cli.suppressed
    assert _key(fast) == _key(cli)
    assert fast_code == cli_code == 1


def test_connection_checks_pass_and_fail_alike_with_either_solver(tool: str) -> None:
    args = ["-d", str(FIXTURES / "connections"), *_frameworks("terraform"), *ARGS]
    _, fast = _run([*command(tool), *args])
    _, slow = _run([*command(tool), *args], solvers="checkov")
    assert _key(fast) == _key(slow)
    by_rule = {(c.check_id, c.resource) for c in fast.failed}
    # CKV2_AWS_6 (a public access block) is a connection check: it passes for
    # the complete and logs buckets and fails for the bare ones.
    assert ("CKV2_AWS_6", "aws_s3_bucket.bare_one") in by_rule
    assert ("CKV2_AWS_6", "aws_s3_bucket.complete") not in by_rule
    assert ("CKV_AWS_144", "aws_s3_bucket.bare_two") not in by_rule  # skipped inline
    assert fast.suppressed >= 1


def test_solver_fixes_apply_to_the_installed_checkov(tool: str) -> None:
    """They replace checkov's code only where it is the code they were written from;
    after a checkov upgrade this fails until the replacements are re-checked."""
    probe = (
        f"import sys; sys.path.insert(0, {str(DRIVER.parent)!r}); import checkov_driver; "
        "print(','.join(checkov_driver.install_solver_fixes()))"
    )
    python = command(tool)[0]
    out = subprocess.run(
        [python, "-c", probe], capture_output=True, text=True, check=True, env=os.environ
    ).stdout
    assert out.strip().splitlines()[-1] == "OrConnectionSolver,AndConnectionSolver"


def test_run_checkov_reads_the_drivers_report_and_parse_errors(tool: str, tmp_path: Path) -> None:
    (tmp_path / "bad.tf").write_text('resource "aws_s3_bucket" "x" {\n  bucket = \n')
    (tmp_path / "ok.tf").write_text('resource "aws_s3_bucket" "y" {\n  bucket = "y"\n}\n')
    report = run_checkov(tool, dirs=[tmp_path], frameworks=("terraform",))
    assert {c.resource for c in report.failed} == {"aws_s3_bucket.y"}
    assert report.parse_errors == (str(tmp_path / "bad.tf"),)


def test_every_folder_argument_is_checked_not_only_the_first() -> None:
    """checkov given several -d re-checks the first folder's Terraform in place of the
    others; the scanner runs one checkov per folder."""
    later = FIXTURES / "misconfig" / "terraform"
    result = scan([str(FIXTURES / "connections"), str(later)], scanners=[CheckovScanner()])
    paths = {f.location.path for f in result.findings}
    assert any(p.endswith("misconfig/terraform/aws/main.tf") for p in paths if p)
    assert any(p.endswith("connections/main.tf") for p in paths if p)
    assert not [f for f in result.findings if "/../" in (f.location.path or "")]


def test_a_checkov_the_driver_cannot_drive_runs_through_its_own_cli(
    tool: str, tmp_path: Path
) -> None:
    """Another checkov's layout (here: a Python beside it where checkov does not
    import) makes the driver exit with DRIVER_INCOMPATIBLE; checkov's CLI runs."""
    from skylift.security.checkov import DRIVER_INCOMPATIBLE

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "checkov").symlink_to(tool)  # the real CLI (its shebang names its Python)
    (bin_dir / "python").symlink_to(sys.executable)  # skylift's Python: no checkov in it
    shim = str(bin_dir / "checkov")
    driver = subprocess.run(
        [*command(shim), "--version"], capture_output=True, text=True, check=False
    )
    assert driver.returncode == DRIVER_INCOMPATIBLE
    assert "incompatible checkov" in driver.stderr
    (tmp_path / "ok.tf").write_text('resource "aws_s3_bucket" "y" {\n  bucket = "y"\n}\n')
    report = run_checkov(shim, dirs=[tmp_path], frameworks=("terraform",))
    assert {c.resource for c in report.failed} == {"aws_s3_bucket.y"}


def test_a_split_terraform_tree_gives_the_same_findings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two checkov runs each skipping the other's folders find what one run finds."""
    import shutil

    from skylift.security import checkov

    tree = tmp_path / "tree"
    shutil.copytree(FIXTURES / "misconfig" / "terraform", tree)  # aws, azure, gcp
    shutil.copytree(FIXTURES / "connections", tree / "connections")
    (tree / "caller").mkdir()
    (tree / "caller" / "main.tf").write_text('module "c" {\n  source = "../connections"\n}\n')

    class Runs:
        """Records how many checkov runs the scanner announces (its progress total)."""

        total = 0.0

        def begin(self, description: str, total: float | None = None, unit: str = "") -> None:
            if description == "checkov":
                self.total = total or 0

        def advance(self, amount: float = 1.0) -> None:
            pass

        def end(self) -> None:
            pass

    def findings(runs: Runs) -> set[tuple[str, str | None, int | None, str | None]]:
        result = scan([str(tree)], scanners=[CheckovScanner()], progress=runs)
        return {
            (f.rule_id, f.location.path, f.location.line, f.location.resource)
            for f in result.findings
        }

    one, two = Runs(), Runs()
    monkeypatch.setattr(checkov, "SPLIT_MIN_FILES", 10_000)
    whole = findings(one)
    monkeypatch.setattr(checkov, "SPLIT_MIN_FILES", 2)
    split = findings(two)
    assert two.total == one.total + 1  # the Terraform pass ran as two checkov runs
    assert split == whole
    folders = {Path(p).parent.name for _, p, _, _ in whole if p}
    assert {"aws", "azure", "gcp", "connections"} <= folders

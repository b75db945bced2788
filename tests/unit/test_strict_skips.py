"""The CI rule for skips (tests/conftest.py), run on a throw-away test file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CASES = """
import pytest

def test_missing_binary():
    pytest.skip("rclone is not installed (run `make test-servers`)")

@pytest.mark.skipif(True, reason="checkov is not installed (run 'make validators')")
def test_missing_checkov():
    pass

def test_capability_gap():
    pytest.skip("azure does not preserve mtime: ()")

@pytest.mark.xfail(strict=True, reason="known gap")
def test_known_gap():
    assert False

def test_passes():
    assert True
"""


def _run(tmp_path: Path, **env: str) -> str:
    (tmp_path / "conftest.py").write_text(
        "from tests.conftest import pytest_runtest_makereport  # noqa: F401\n", encoding="utf-8"
    )
    (tmp_path / "test_cases.py").write_text(CASES, encoding="utf-8")
    clean = {k: v for k, v in os.environ.items() if k not in {"CI", "SKYLIFT_STRICT_SKIPS"}}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rA", "-p", "no:cacheprovider", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**clean, "PYTHONPATH": str(ROOT), **env},
        timeout=120,
        check=False,
    )
    return done.stdout


def test_missing_components_fail_under_ci_and_capability_gaps_still_skip(
    tmp_path: Path,
) -> None:
    out = _run(tmp_path, CI="true")
    assert "FAILED" in out and "test_missing_binary" in out and "test_missing_checkov" in out
    assert "1 failed, 1 passed, 1 skipped, 1 xfailed, 1 error" in out, out
    assert "skipped under CI (rclone is not installed" in out.replace("Skipped: ", "")


def test_make_test_variable_is_as_strict_as_ci(tmp_path: Path) -> None:
    out = _run(tmp_path, SKYLIFT_STRICT_SKIPS="1")
    assert "1 failed, 1 passed, 1 skipped, 1 xfailed, 1 error" in out, out


def test_outside_ci_missing_components_skip(tmp_path: Path) -> None:
    out = _run(tmp_path)
    assert "1 passed, 3 skipped, 1 xfailed" in out, out

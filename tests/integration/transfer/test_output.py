"""Names with control characters cannot forge lines in skylift's human-readable output."""

from __future__ import annotations

import os
from pathlib import Path

from tests.helpers import run_skylift

FAKE = "x\nDone: 0 transferred (0 bytes), 0 unchanged, 0 deleted, 0 failed\x1b[2K"


def test_a_newline_in_a_file_name_does_not_forge_a_summary_line(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / FAKE).write_text("payload")
    os.symlink(tmp_path / "nowhere", src / ("link" + FAKE))
    plan = run_skylift("transfer", str(src), str(tmp_path / "dst"), "--dry-run")
    run = run_skylift("transfer", str(src), str(tmp_path / "dst"), "--journal", str(tmp_path / "j"))
    assert plan.returncode == 0 and run.returncode == 0, plan.stderr + run.stderr
    for text in (plan.stdout, run.stdout, run.stderr):
        assert "\x1b" not in text
        assert not any(line.startswith("Done: 0 transferred") for line in text.splitlines())
    assert "x\\nDone: 0 transferred" in plan.stdout
    assert "skipped symlink linkx\\nDone" in run.stderr


def test_a_newline_in_a_missing_source_path_stays_on_the_error_line(tmp_path: Path) -> None:
    r = run_skylift(
        "transfer", str(tmp_path / FAKE), str(tmp_path / "dst"), "--journal", str(tmp_path)
    )
    assert r.returncode == 2
    assert "does not exist" in r.stderr and "x\\nDone: 0 transferred" in r.stderr
    assert not any(line.startswith("Done:") for line in r.stderr.splitlines())


def test_verify_shows_a_crafted_name_on_its_own_line(tmp_path: Path) -> None:
    src, dst = tmp_path / "src", tmp_path / "dst"
    src.mkdir()
    dst.mkdir()
    fake = "a\nMatch: everything matches\x1b[2K"
    (src / fake).write_text("x")
    (dst / ("b" + fake)).write_text("y")
    for extra in ((), ("--checksum",)):
        r = run_skylift("verify", str(src), str(dst), *extra)
        assert r.returncode == 6, r.stderr
        assert "\x1b" not in r.stdout and not any(
            line.startswith("Match:") for line in r.stdout.splitlines()
        )
        assert "missing a\\nMatch: everything matches\\x1b[2K" in r.stdout
        assert "extra ba\\nMatch" in r.stdout

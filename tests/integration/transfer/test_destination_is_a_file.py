"""A local destination that is an existing file is bad input, said plainly (#12).

``skylift transfer report.pdf backup.pdf`` with ``backup.pdf`` already a file
ended with "failed report.pdf: …/backup.pdf: File exists on 'report.pdf'"
(exit 5) — and a folder source the same, once per object. DST is a folder:
the source is copied into it. Now: exit 2, one line, nothing written.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import run_skylift


@pytest.mark.parametrize("source", ["report.pdf", "folder"])
def test_an_existing_file_as_destination_is_refused(tmp_path: Path, source: str) -> None:
    (tmp_path / "report.pdf").write_bytes(b"%PDF new")
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "a.txt").write_text("a")
    (tmp_path / "backup.pdf").write_bytes(b"%PDF old")
    r = run_skylift(
        "transfer", str(tmp_path / source), str(tmp_path / "backup.pdf"),
        "--journal", str(tmp_path / "j"),
    )  # fmt: skip
    assert r.returncode == 2, r.stdout + r.stderr
    assert "is a file" in r.stderr and r.stderr.count("\n") <= 2, r.stderr
    assert (tmp_path / "backup.pdf").read_bytes() == b"%PDF old"

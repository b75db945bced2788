"""``--delete`` deletes exactly the destination objects missing at the source (#12).

Deletions are spooled to a local file until every copy is done. The spool
held one path per line, so a destination file named ``"old\\nkeep.txt"``
(missing at the source) was read back as two paths: the run deleted
``keep.txt`` — present and unchanged at the source, or excluded by a filter —
kept the crafted file, said "2 deleted" and published a manifest listing the
file it had just deleted. Names that are not UTF-8 ended the run with an
internal error (exit 70) before anything was deleted.
"""

from __future__ import annotations

import os
from pathlib import Path

from skylift.domain.transfer import TransferOptions
from skylift.transfer.engine import run_transfer


def _names(folder: Path) -> set[bytes]:
    return {os.fsencode(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


def test_sync_deletes_names_with_newlines_and_only_them(tmp_path: Path) -> None:
    src, dst = tmp_path / "src", tmp_path / "dst"
    for root in (src, dst):
        (root / "logs").mkdir(parents=True)
        (root / "keep.txt").write_text("keep")
        os.utime(root / "keep.txt", (1_700_000_000, 1_700_000_000))
    (dst / "logs" / "app.log").write_text("excluded: never deleted")
    crafted = ["old\nkeep.txt", "x\nlogs/app.log", "cr\rkeep.txt", "tab\tkeep.txt", "\nkeep.txt"]
    for name in crafted:
        (dst / name).parent.mkdir(exist_ok=True)
        (dst / name).write_text("stale")
    with open(os.path.join(os.fsencode(dst), b"latin\xe9\nkeep.txt"), "wb") as fh:
        fh.write(b"stale, and not UTF-8")
    opts = TransferOptions(delete=True, exclude=("logs/**",))
    result = run_transfer(str(src), str(dst), opts, tmp_path / "j")
    assert result.ok, result.failures
    assert result.deleted == len(crafted) + 1 and result.skipped == 1
    assert _names(dst) == {b"keep.txt", b"logs/app.log", b".skylift-manifest.jsonl"}
    assert (dst / "keep.txt").read_text() == "keep"

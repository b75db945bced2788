"""Symlinks inside a local destination are not listed through (#12).

The destination was walked like a source: a folder symlink ``alias -> real``
inside it made every file of ``real/`` appear a second time as ``alias/…``.
Missing at the source, those were deleted by ``--delete`` — through the link,
so ``real/x`` (present and unchanged at the source) was gone, while the new
manifest still listed it. A destination's links are now not followed when it
is listed (rclone does not follow links without ``-L`` either); the link is
left alone.
"""

from __future__ import annotations

import os
from pathlib import Path

from skylift.domain.transfer import TransferOptions
from skylift.transfer.engine import plan_transfer, run_transfer


def test_sync_does_not_delete_through_a_folder_link_in_the_destination(tmp_path: Path) -> None:
    src, dst = tmp_path / "src", tmp_path / "dst"
    (src / "real").mkdir(parents=True)
    (src / "real" / "x").write_text("data")
    (dst / "real").mkdir(parents=True)
    (dst / "real" / "x").write_text("data")
    os.utime(dst / "real" / "x", (os.stat(src / "real" / "x").st_mtime,) * 2)
    os.symlink("real", dst / "alias")
    (dst / "stale").write_text("absent at the source")
    opts = TransferOptions(delete=True)
    plan = plan_transfer(str(src), str(dst), opts)
    assert (plan.delete_count, plan.skip_count) == (1, 1)
    result = run_transfer(str(src), str(dst), opts, tmp_path / "j")
    assert result.ok and result.deleted == 1, result
    assert (dst / "real" / "x").read_text() == "data"
    assert os.readlink(dst / "alias") == "real"
    assert not (dst / "stale").exists()

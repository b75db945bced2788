"""``--delete`` keeps destination objects where the source has a skipped symlink (#12).

A link the ``--links`` policy skips (dangling — its NFS mount is gone for the
moment —, leading out of the source, or ``--links skip``) was left out of the
listing like a file that does not exist, so a sync deleted its copy at the
destination: ``data.csv`` made by an earlier run vanished because its target
was briefly unreachable. rclone, asked to follow links (``-L``), stops on such a
link instead. The source has something at that path: its copy (and, for a
link to a folder, everything below it) is kept, with a warning.
"""

from __future__ import annotations

import os
from pathlib import Path

from skylift.domain.transfer import TransferOptions
from skylift.transfer.engine import plan_transfer, run_transfer


def linked_source(tmp_path: Path) -> tuple[Path, Path]:
    """``nfs/``, and ``src/`` with links to ``nfs/data.csv`` and ``nfs/photos/``, a ``kept.txt``."""
    nfs = tmp_path / "nfs"
    (nfs / "photos").mkdir(parents=True)
    (nfs / "data.csv").write_text("1,2,3")
    (nfs / "photos" / "a.jpg").write_text("jpg")
    src = tmp_path / "src"
    src.mkdir()
    os.symlink(nfs / "data.csv", src / "data.csv")
    os.symlink(nfs / "photos", src / "photos")
    (src / "kept.txt").write_text("k")
    return nfs, src


def test_sync_keeps_copies_of_links_the_policy_skipped(tmp_path: Path) -> None:
    nfs, src = linked_source(tmp_path)
    dst = tmp_path / "dst"
    follow = TransferOptions(links="follow")
    assert run_transfer(str(src), str(dst), follow, tmp_path / "j").transferred == 3
    (dst / "gone.txt").write_text("deleted at the source")
    (nfs / "data.csv").rename(nfs / "data.csv.away")  # the mount is gone: a dangling link
    sync = TransferOptions(links="follow", delete=True)
    plan = plan_transfer(str(src), str(dst), sync)  # --dry-run says what the run does
    assert [(a.action.value, a.path) for a in plan.actions] == [("delete", "gone.txt")]
    result = run_transfer(str(src), str(dst), sync, tmp_path / "j")
    assert result.deleted == 1 and not (dst / "gone.txt").exists()
    assert (dst / "data.csv").read_text() == "1,2,3"
    assert any("data.csv" in w and "kept" in w for w in result.warnings), result.warnings
    # --links skip: links to files and folders are skipped; their copies stay
    skip = TransferOptions(links="skip", delete=True)
    again = run_transfer(str(src), str(dst), skip, tmp_path / "j")
    assert again.deleted == 0, again
    assert (dst / "photos" / "a.jpg").read_text() == "jpg"
    assert (dst / "data.csv").exists() and (dst / "kept.txt").exists()

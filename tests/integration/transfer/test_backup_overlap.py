"""``--backup-to`` must not overlap the destination or the source (#12).

A backup folder inside the destination (``--delete --backup-to dst/backup``)
was itself "missing at the source" on the next run: deleted and backed up
into ``dst/backup/backup/…``, one level deeper on every run. One inside the
source wrote the destination's old objects into the source tree, which the
next run copied to the destination. Both are refused (exit 2) before anything
is listed or written, unless the backup folder is excluded (as rclone does).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from skylift.domain.transfer import TransferOptions
from skylift.errors import InputError
from skylift.transfer.engine import run_transfer
from tests.helpers import run_skylift


def _tree(tmp_path: Path) -> tuple[Path, Path]:
    src, dst = tmp_path / "s", tmp_path / "d"
    src.mkdir()
    dst.mkdir()
    (src / "a").write_text("a")
    (dst / "old").write_text("old")
    return src, dst


@pytest.mark.parametrize("where", ["d/backup", "d", "s/backup", "s", "."])
def test_a_backup_folder_overlapping_either_side_is_refused(tmp_path: Path, where: str) -> None:
    src, dst = _tree(tmp_path)
    opts = TransferOptions(delete=True, backup_to=str(tmp_path / where))
    with pytest.raises(InputError, match="--backup-to"):
        run_transfer(str(src), str(dst), opts, tmp_path / "j")
    assert sorted(p.name for p in dst.iterdir()) == ["old"]
    assert sorted(p.name for p in src.iterdir()) == ["a"]


def test_a_backup_folder_inside_the_destination_but_excluded_is_kept(tmp_path: Path) -> None:
    src, dst = _tree(tmp_path)
    opts = TransferOptions(delete=True, backup_to=str(dst / "backup"), exclude=("backup/**",))
    for _ in range(2):
        assert run_transfer(str(src), str(dst), opts, tmp_path / "j").ok
    assert (dst / "backup" / "old").read_text() == "old"
    assert not (dst / "backup" / "backup").exists()


def test_the_cli_says_so_with_exit_2(tmp_path: Path) -> None:
    src, dst = _tree(tmp_path)
    r = run_skylift(
        "transfer", str(src), str(dst), "--delete", "--backup-to", str(dst / "bk"),
        "--journal", str(tmp_path / "j"),
    )  # fmt: skip
    assert r.returncode == 2 and "--backup-to" in r.stderr, r.stderr
    assert sorted(p.name for p in dst.iterdir()) == ["old"]

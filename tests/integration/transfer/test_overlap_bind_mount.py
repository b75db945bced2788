"""Overlap through a bind mount is refused like any other (#12).

The overlap check compared paths after resolving symlinks; a bind mount
(``mount --bind src/sub mnt``) names the same folder by another path, so
``transfer src mnt`` nested a new copy inside the source on every run
(``src/sub/sub/a``, then ``src/sub/sub/sub/a`` …). Folders are now also
compared by identity (device and inode) along both paths' parents.
Needs root (to bind-mount); skipped with a reason otherwise.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from skylift.domain.transfer import TransferOptions
from skylift.errors import InputError
from skylift.transfer.engine import run_transfer


@pytest.fixture
def bound(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """``src`` with ``src/sub`` bind-mounted at ``mnt``."""
    if os.geteuid() != 0:
        pytest.skip("mount --bind needs root")
    src, mnt = tmp_path / "src", tmp_path / "mnt"
    (src / "sub").mkdir(parents=True)
    (src / "a.txt").write_text("a")
    mnt.mkdir()
    done = subprocess.run(["mount", "--bind", str(src / "sub"), str(mnt)], check=False)
    if done.returncode != 0:
        pytest.skip("mount --bind needs root (refused here)")
    try:
        yield src, mnt
    finally:
        subprocess.run(["umount", str(mnt)], check=True)


def test_a_destination_bind_mounted_inside_the_source_is_refused(
    tmp_path: Path, bound: tuple[Path, Path]
) -> None:
    src, mnt = bound
    with pytest.raises(InputError, match="overlap"):
        run_transfer(str(src), str(mnt / "copy"), TransferOptions(), tmp_path / "j")
    with pytest.raises(InputError, match="overlap"):
        run_transfer(str(mnt), str(src), TransferOptions(delete=True), tmp_path / "j")
    with pytest.raises(InputError, match="same"):
        run_transfer(str(src / "sub"), str(mnt), TransferOptions(delete=True), tmp_path / "j")
    assert sorted(p.name for p in src.rglob("*")) == ["a.txt", "sub"]

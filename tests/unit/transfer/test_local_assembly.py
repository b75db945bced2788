"""Completing a multipart upload on a local folder needs the object's size plus one part
of space, not twice the object (#12): the bytes on disk under the destination are
measured (real files) after every part is appended, before it is deleted."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from skylift.domain.transfer import TransferOptions
from skylift.storage import local
from skylift.transfer.engine import run_transfer

MIB = 1 << 20
PARTS = 6


def _bytes_under(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


def test_assembly_holds_at_most_the_object_and_one_part(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src, dst = tmp_path / "src", tmp_path / "dst"
    src.mkdir()
    data = os.urandom(PARTS * MIB - 7)
    (src / "big.bin").write_bytes(data)
    peaks: list[int] = []
    copy = local._copy_all

    def measured(fd_in: int, fd_out: int, size: int) -> None:
        copy(fd_in, fd_out, size)
        peaks.append(_bytes_under(dst))  # the part just appended is not deleted yet

    monkeypatch.setattr(local, "_copy_all", measured)
    opts = TransferOptions(multipart_threshold=MIB, part_size=MIB, jobs=2, manifest=False)
    result = run_transfer(str(src), str(dst), opts, tmp_path / "j")
    assert result.ok and (dst / "big.bin").read_bytes() == data
    assert len(peaks) == PARTS - 1  # parts 2..n appended to part 1
    assert max(peaks) <= len(data) + MIB, [p / MIB for p in peaks]

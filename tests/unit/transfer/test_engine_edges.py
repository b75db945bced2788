"""Engine edges pinned against mutmut's survivors in transfer/engine.py (memory:// stores).

A no-op re-run republishes the manifest with each object's mtime and checksum;
an object exactly at the multipart threshold goes in parts, one byte less in
one write; a delete that fails names the object and the others still go.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from skylift.domain.transfer import TransferOptions
from skylift.errors import ProviderError
from skylift.storage.memory import MemoryStorage
from skylift.transfer.engine import run_transfer
from skylift.transfer.manifest import read_manifest
from tests.unit.transfer.conftest import Wrapped, new_url

MIB = 1 << 20


def _fill(url: str, objects: dict[str, bytes], mtime: float) -> MemoryStorage:
    store = MemoryStorage(url)
    for path, data in objects.items():
        store.write(path, data, mtime=mtime)
    return store


def test_a_noop_rerun_republishes_mtime_and_checksum(mem: list[str], journal_dir: Path) -> None:
    src, dst = new_url(mem), new_url(mem)
    _fill(src, {"a": b"one", "d/b": b"two" * 100}, mtime=1_650_000_000.5)
    first = run_transfer(src, dst, TransferOptions(), journal_dir)
    before = {e.path: e for e in read_manifest(MemoryStorage(dst))}
    again = run_transfer(src, dst, TransferOptions(), journal_dir)
    assert (first.transferred, again.skipped) == (2, 2)
    after = {e.path: e for e in read_manifest(MemoryStorage(dst))}
    assert after == before
    assert {e.mtime for e in after.values()} == {1_650_000_000.5}
    assert all(e.checksum for e in after.values())


def test_the_multipart_threshold_is_inclusive(mem: list[str], journal_dir: Path) -> None:
    src = new_url(mem)
    _fill(src, {"at": b"x" * MIB, "below": b"y" * (MIB - 1)}, mtime=1_650_000_000.0)
    opts = TransferOptions(multipart_threshold=MIB, part_size=MIB)
    at = run_transfer(src, new_url(mem), replace(opts, include=("at",)), journal_dir)
    below = run_transfer(src, new_url(mem), replace(opts, include=("below",)), journal_dir)
    assert (at.transferred, at.parts_sent) == (1, 1)
    assert (below.transferred, below.parts_sent) == (1, 0)


class RefusesDelete(Wrapped):
    """A destination where one object cannot be deleted."""

    def delete(self, path: str) -> None:
        if path == "keep-me":
            raise ProviderError("object is under legal hold", "lift the hold")
        super().delete(path)


def test_a_failed_delete_names_the_object_and_the_others_go(
    mem: list[str], journal_dir: Path
) -> None:
    src, dst = new_url(mem), new_url(mem)
    _fill(src, {"stay": b"1"}, mtime=1_650_000_000.0)
    _fill(dst, {"stay": b"1", "keep-me": b"2", "old1": b"3", "old2": b"4"}, mtime=1_650_000_000.0)
    result = run_transfer(
        src, dst, TransferOptions(delete=True), journal_dir, dst=RefusesDelete(MemoryStorage(dst))
    )
    assert [f.path for f in result.failures] == ["keep-me"]
    assert "legal hold" in result.failures[0].error
    assert result.deleted == 2
    assert sorted(o.path for o in MemoryStorage(dst).list()) == ["keep-me", "stay"]

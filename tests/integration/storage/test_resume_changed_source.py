"""Resuming a multipart transfer after the source changed, on every backend.

A run dies after two of three parts; the source file is then rewritten with
the same size and different content, its mtime either moved or put back.
The next run must not stitch the old parts to the new ones: the destination
ends with the new content (or the run says it failed) — never an "ok" run over
an object that never existed.

With a different mtime the journaled upload is stale and must be dropped
(dropping mtime from the resume check makes these fail). With the same size
and the same mtime nothing in the listing tells the versions apart: the
resume re-reads and re-hashes each journaled part before reusing it (plain
uploads; encrypted parts carry fresh nonces and are trusted by size+mtime).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from skylift.domain.transfer import TransferOptions
from skylift.storage.base import Storage
from skylift.transfer.engine import run_transfer
from skylift.verify import verify
from tests.integration.storage.conftest import BACKENDS, StoreCase
from tests.unit.transfer.conftest import DiesAfterParts

pytestmark = pytest.mark.servers
OLD_MTIME = 1_700_000_000.0


def _part_size(store: Storage) -> int:
    """The engine's part size: the store's minimum, in whole MiB frames."""
    mib = 1 << 20
    return -(-max(store.capabilities.min_part_size, mib) // mib) * mib


def _interrupted_then_changed(case: StoreCase, tmp_path: Path, same_mtime: bool) -> tuple:  # type: ignore[type-arg]
    """Run 1 dies after 2 of 3 parts; the source then changes (same size)."""
    store = case.open()
    part = _part_size(store)
    src = tmp_path / "src"
    src.mkdir()
    big = src / "big.bin"
    old = os.urandom(2 * part + 123)
    big.write_bytes(old)
    os.utime(big, (OLD_MTIME, OLD_MTIME))
    opts = TransferOptions(multipart_threshold=part, part_size=part, jobs=1)
    remotes = {case.url: case.options}
    journal = tmp_path / "journal"
    dying = DiesAfterParts(store, allowed=2)  # type: ignore[arg-type]
    first = run_transfer(str(src), case.url, opts, journal, dst=dying, remotes=remotes)
    assert first.failed == 1 and len(dying.sent) == 2
    assert not store.exists("big.bin")
    new = bytes(b ^ 0x5A for b in old)  # same size, every byte different
    big.write_bytes(new)
    mtime = OLD_MTIME if same_mtime else OLD_MTIME + 3600
    os.utime(big, (mtime, mtime))
    second = run_transfer(str(src), case.url, opts, journal, remotes=remotes)
    return store, src, second, new, remotes


@pytest.mark.parametrize("case", BACKENDS, indirect=True)
def test_resume_after_the_source_changed_with_a_new_mtime(case: StoreCase, tmp_path: Path) -> None:
    """Same size, new content, new mtime: the stale parts are not reused."""
    store, src, second, new, remotes = _interrupted_then_changed(case, tmp_path, False)
    assert second.ok, second.failures
    assert second.parts_resumed == 0
    assert store.read("big.bin") == new
    check = verify(str(src), case.url, TransferOptions(checksum=True), remotes=remotes)
    assert check.matches, check


@pytest.mark.parametrize("case", BACKENDS, indirect=True)
def test_resume_after_the_source_changed_with_the_same_mtime(
    case: StoreCase, tmp_path: Path
) -> None:
    """Same size, new content, mtime put back: the journaled parts are re-hashed against
    the source before reuse, so the stale ones are sent again and the object is the new one."""
    store, src, second, new, remotes = _interrupted_then_changed(case, tmp_path, True)
    assert second.ok, second.failures
    assert second.parts_resumed == 0  # every old part differs (every byte was flipped)
    assert store.read("big.bin") == new
    check = verify(str(src), case.url, TransferOptions(checksum=True), remotes=remotes)
    assert check.matches, check

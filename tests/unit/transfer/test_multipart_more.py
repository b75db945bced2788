"""Multipart uploads: backups, a store that lies about the size, an old upload that cannot be
aborted, and the manifest of plain objects (against mutmut's survivors in transfer/multipart.py)."""

from __future__ import annotations

import builtins
import os
import threading
import time
from pathlib import Path

import pytest

from skylift.domain.transfer import TransferOptions
from skylift.errors import ProviderError
from skylift.storage.base import MultipartUpload, ObjectInfo, PartInfo
from skylift.storage.memory import MemoryStorage
from skylift.transfer import context
from skylift.transfer.engine import run_transfer
from skylift.transfer.journal import Journal
from skylift.transfer.manifest import read_manifest
from tests.unit.transfer.conftest import DiesAfterParts, Wrapped, new_url

MIB = 1 << 20
MTIME = 1_700_000_000.0
OPTS = TransferOptions(multipart_threshold=MIB, part_size=MIB, jobs=1)


def test_an_object_replaced_in_parts_is_backed_up_first(mem: list[str], journal_dir: Path) -> None:
    src, dst, bak = new_url(mem), new_url(mem), new_url(mem)
    old, new = os.urandom(3 * MIB), os.urandom(3 * MIB + 5)
    MemoryStorage(src).write("big.bin", new, mtime=MTIME + 60)
    MemoryStorage(dst).write("big.bin", old, mtime=MTIME)
    options = TransferOptions(multipart_threshold=MIB, part_size=MIB, backup_to=bak)
    result = run_transfer(src, dst, options, journal_dir)
    assert result.ok and result.backed_up == 1
    assert MemoryStorage(bak).read("big.bin") == old
    assert MemoryStorage(dst).read("big.bin") == new


class ShortComplete(Wrapped):
    """Completes the upload but reports fewer bytes than the parts hold."""

    def complete_multipart(
        self, upload: MultipartUpload, parts: builtins.list[PartInfo], mtime: float | None = None
    ) -> ObjectInfo:
        info = super().complete_multipart(upload, parts, mtime)
        return ObjectInfo(info.path, info.size - 5, info.mtime, info.etag)


def test_a_completed_object_of_the_wrong_size_is_a_failure(
    mem: list[str], journal_dir: Path
) -> None:
    src, dst = new_url(mem), new_url(mem)
    MemoryStorage(src).write("big.bin", os.urandom(3 * MIB), mtime=MTIME)
    result = run_transfer(src, dst, OPTS, journal_dir, dst=ShortComplete(MemoryStorage(dst)))
    assert [(f.path, f.error) for f in result.failures] == [
        ("big.bin", f"big.bin: destination reports {3 * MIB - 5} bytes after completing {3 * MIB}")
    ]


class CannotAbort(Wrapped):
    """The old upload is long gone: aborting it fails."""

    def abort_multipart(self, upload: MultipartUpload) -> None:
        raise ProviderError("NoSuchUpload", "")


def test_an_old_upload_that_cannot_be_aborted_does_not_stop_the_new_one(
    mem: list[str], journal_dir: Path
) -> None:
    src, dst = new_url(mem), new_url(mem)
    store = MemoryStorage(src)
    store.write("big.bin", os.urandom(4 * MIB), mtime=MTIME)
    dying = DiesAfterParts(MemoryStorage(dst), 2)  # type: ignore[arg-type]
    assert run_transfer(src, dst, OPTS, journal_dir, dst=dying).failed == 1
    new = os.urandom(4 * MIB)
    store.write("big.bin", new, mtime=MTIME + 60)  # the journaled upload is stale now
    result = run_transfer(src, dst, OPTS, journal_dir, dst=CannotAbort(MemoryStorage(dst)))
    assert result.ok, result.failures
    assert MemoryStorage(dst).read("big.bin") == new


def test_a_plain_object_in_parts_has_no_plaintext_digest_in_the_manifest(
    mem: list[str], journal_dir: Path
) -> None:
    src, dst = new_url(mem), new_url(mem)
    MemoryStorage(src).write("big.bin", os.urandom(3 * MIB), mtime=MTIME)
    assert run_transfer(src, dst, OPTS, journal_dir).ok
    (entry,) = list(read_manifest(MemoryStorage(dst)))
    assert entry.plain is None and entry.checksum
    (path,) = journal_dir.glob("*.sqlite")
    with Journal(path) as journal:  # a finished upload leaves nothing in flight
        assert journal.all_in_flight() == [] and journal.in_flight("big.bin") is None


def test_encrypted_parts_journaled_without_a_plaintext_digest_are_sent_again(
    mem: list[str], journal_dir: Path
) -> None:
    """A journal from before plaintext digests cannot vouch for its encrypted parts: a
    source rewritten in place (same size, mtime put back) must not be stitched from them."""
    import sqlite3

    key = os.urandom(32)
    enc = TransferOptions(
        encrypt=True, compress=True, multipart_threshold=MIB, part_size=MIB, jobs=1
    )
    src, vault, back = new_url(mem), new_url(mem), new_url(mem)
    store = MemoryStorage(src)
    store.write("big", os.urandom(4 * MIB), mtime=MTIME)
    dying = DiesAfterParts(MemoryStorage(vault), allowed=2)  # type: ignore[arg-type]
    assert run_transfer(src, vault, enc, journal_dir, key=key, dst=dying).failed == 1
    (journal,) = journal_dir.glob("*.sqlite")
    with sqlite3.connect(journal) as db:  # as an older skylift wrote it
        db.execute("UPDATE parts SET plain = NULL")
    new = os.urandom(4 * MIB)
    store.write("big", new, mtime=MTIME)
    result = run_transfer(src, vault, enc, journal_dir, key=key)
    assert result.ok and result.parts_resumed == 0
    decoded = run_transfer(vault, back, TransferOptions(decode=True), journal_dir, key=key)
    assert decoded.ok and MemoryStorage(back).read("big") == new


def test_parts_go_through_the_bandwidth_limit(mem: list[str], journal_dir: Path) -> None:
    src, dst = new_url(mem), new_url(mem)
    data = os.urandom(3 * MIB)
    MemoryStorage(src).write("big.bin", data, mtime=MTIME)
    options = TransferOptions(multipart_threshold=MIB, part_size=MIB, bwlimit="1G")
    assert run_transfer(src, dst, options, journal_dir).ok
    assert MemoryStorage(dst).read("big.bin") == data


class CountsPartsInFlight(Wrapped):
    """Records how many parts are being uploaded at once (each takes a moment)."""

    def __init__(self, inner: MemoryStorage) -> None:
        super().__init__(inner)
        self.now = 0
        self.peak = 0
        self._count = threading.Lock()

    def upload_part(self, upload: MultipartUpload, number: int, data: bytes) -> PartInfo:
        with self._count:
            self.now += 1
            self.peak = max(self.peak, self.now)
        try:
            time.sleep(0.01)
            return super().upload_part(upload, number, data)
        finally:
            with self._count:
                self.now -= 1


def test_parts_in_flight_stay_within_the_memory_budget(
    mem: list[str], journal_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 256 workers on a distant store x 16 MiB parts would be 4 GiB: parts hold the budget
    monkeypatch.setattr(context, "MEMORY_LIMIT", 2 * MIB)
    src, dst = new_url(mem), new_url(mem)
    body = os.urandom(12 * MIB)
    MemoryStorage(src).write("big.bin", body, mtime=MTIME)
    counting = CountsPartsInFlight(MemoryStorage(dst))
    options = TransferOptions(multipart_threshold=MIB, part_size=MIB, jobs=8)
    result = run_transfer(src, dst, options, journal_dir, dst=counting)
    assert result.ok
    assert MemoryStorage(dst).read("big.bin") == body
    assert 1 <= counting.peak <= 2  # 8 workers, but only two 1 MiB parts fit in 2 MiB

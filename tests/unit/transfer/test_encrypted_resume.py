"""Resuming an encrypted multipart upload checks the source against each part's plaintext digest.

Encrypted parts carry fresh nonces, so they cannot be re-derived from the
source; the journal keeps the BLAKE3 of every finished part's plaintext. A
source rewritten in place between runs — same size, mtime put back — must
never be stitched together from old and new parts (issue 12).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from skylift.domain.transfer import TransferOptions
from skylift.storage.base import MultipartUpload, PartInfo
from skylift.storage.memory import MemoryStorage
from skylift.transfer.engine import run_transfer
from skylift.transfer.hashing import PlainDigest, digest
from skylift.transfer.journal import Journal
from tests.unit.transfer.conftest import CountingParts, DiesAfterParts, new_url

MIB = 1 << 20
KEY = os.urandom(32)
MTIME = 1_700_000_000.0
ENC = TransferOptions(encrypt=True, compress=True, multipart_threshold=MIB, part_size=MIB, jobs=1)


def _interrupted(mem: list[str], journal_dir: Path, data: bytes) -> tuple[str, str]:
    """Run 1 sends 2 of 4 encrypted parts of ``big`` and dies."""
    src, vault = new_url(mem), new_url(mem)
    MemoryStorage(src).write("big", data, mtime=MTIME)
    dying = DiesAfterParts(MemoryStorage(vault), allowed=2)
    first = run_transfer(src, vault, ENC, journal_dir, key=KEY, dst=dying)
    assert first.failed == 1 and len(dying.sent) == 2
    return src, vault


def _decoded(mem: list[str], vault: str, journal_dir: Path) -> bytes:
    back = new_url(mem)
    result = run_transfer(vault, back, TransferOptions(decode=True), journal_dir, key=KEY)
    assert result.ok, result.failures
    return MemoryStorage(back).read("big")


def test_a_source_rewritten_in_place_is_not_stitched_from_old_and_new_parts(
    mem: list[str], journal_dir: Path
) -> None:
    old = os.urandom(3 * MIB + 123)
    src, vault = _interrupted(mem, journal_dir, old)
    new = bytes(b ^ 0x5A for b in old)  # same size, every byte different, mtime put back
    MemoryStorage(src).write("big", new, mtime=MTIME)
    counting = CountingParts(MemoryStorage(vault))
    second = run_transfer(src, vault, ENC, journal_dir, key=KEY, dst=counting)
    assert second.ok, second.failures
    assert second.parts_resumed == 0 and sorted(counting.sent) == [1, 2, 3, 4]
    assert _decoded(mem, vault, journal_dir) == new


def test_one_rewritten_part_starts_the_upload_over(mem: list[str], journal_dir: Path) -> None:
    old = os.urandom(3 * MIB + 123)
    src, vault = _interrupted(mem, journal_dir, old)
    new = old[:MIB] + os.urandom(MIB) + old[2 * MIB :]  # part 2 rewritten, mtime put back
    MemoryStorage(src).write("big", new, mtime=MTIME)
    second = run_transfer(src, vault, ENC, journal_dir, key=KEY)
    assert second.ok, second.failures
    assert second.parts_resumed == 0  # one stale part: the upload starts over
    assert _decoded(mem, vault, journal_dir) == new


def test_an_unchanged_source_still_resumes_its_encrypted_parts(
    mem: list[str], journal_dir: Path
) -> None:
    data = os.urandom(3 * MIB + 123)
    src, vault = _interrupted(mem, journal_dir, data)
    counting = CountingParts(MemoryStorage(vault))
    second = run_transfer(src, vault, ENC, journal_dir, key=KEY, dst=counting)
    assert second.ok, second.failures
    assert second.parts_resumed == 2 and sorted(counting.sent) == [3, 4]
    assert _decoded(mem, vault, journal_dir) == data


def test_plain_digest_of_parts_equals_the_streamed_one() -> None:
    data = os.urandom(3 * MIB + 5)
    parts = [digest("blake3", data[i : i + MIB]) for i in range(0, len(data), MIB)]
    streamed = PlainDigest(MIB)
    for i in range(0, len(data), 65_537):  # chunks that straddle part boundaries
        streamed.update(data[i : i + 65_537])
    value = PlainDigest.of_parts(parts, MIB)
    assert streamed.value() == value and value.endswith(f"-4@{MIB}")
    again = PlainDigest.like(value)
    again.update(data)
    assert again.value() == value
    assert PlainDigest.like("blake3:00").part_size is None
    assert PlainDigest.like("blake3:00-1@0").part_size is None


def test_a_journal_from_before_plain_digests_opens_and_cannot_vouch_for_encrypted_parts(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path)
    db.executescript(
        """
        CREATE TABLE done (path TEXT PRIMARY KEY, shard TEXT NOT NULL, size INTEGER NOT NULL,
            mtime REAL, checksum TEXT NOT NULL, finished REAL NOT NULL) WITHOUT ROWID;
        CREATE TABLE parts (path TEXT NOT NULL, number INTEGER NOT NULL, size INTEGER NOT NULL,
            etag TEXT NOT NULL, checksum TEXT NOT NULL, PRIMARY KEY (path, number)) WITHOUT ROWID;
        INSERT INTO parts VALUES ('big', 1, 10, 'e1', 'crc32c:00');
        """
    )
    db.commit()
    db.close()
    with Journal(path) as journal:
        journal.start_upload(MultipartUpload("x", "u"), 20, 1.0, 10)
        journal.record_part("x", PartInfo(1, 10, "e"), "crc32c:01", "blake3:aa")
        journal.record_done("y", 1, 1.0, "crc32c:02", "blake3:bb")
        got = journal.in_flight("x")
        assert got is not None and got.plains == {1: "blake3:aa"}
        assert [(e.path, e.plain) for e in journal.done_entries()] == [("y", "blake3:bb")]

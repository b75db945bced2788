"""Multipart uploads on memory:// stores: what a user relies on, pinned against mutmut's survivors.

Single-part and many-part objects arrive intact with their mtime in the
manifest; a failed part names the object; a source that shrinks mid-run is a
named failure, not a short object; a stale upload is aborted when the source
changed; a destination that lost a journaled part gets it again.
"""

from __future__ import annotations

import builtins
import os
from pathlib import Path

import pytest

from skylift.domain.transfer import TransferOptions
from skylift.errors import ProviderError
from skylift.storage.base import MultipartUpload, ObjectInfo, PartInfo, TransientError
from skylift.storage.memory import MemoryStorage
from skylift.transfer.engine import run_transfer
from skylift.transfer.manifest import read_manifest
from tests.unit.transfer.conftest import DiesAfterParts, Wrapped, new_url

MIB = 1 << 20
MTIME = 1_700_000_000.0


def _fill(url: str, objects: dict[str, bytes], mtime: float = MTIME) -> MemoryStorage:
    store = MemoryStorage(url)
    for path, data in objects.items():
        store.write(path, data, mtime=mtime)
    return store


class Recording(Wrapped):
    """Records aborted uploads and every part sent."""

    def __init__(self, inner: MemoryStorage) -> None:
        super().__init__(inner)
        self.aborted: list[MultipartUpload] = []
        self.created: list[MultipartUpload] = []
        self.sent: list[int] = []

    def create_multipart(self, path: str, part_size: int | None = None) -> MultipartUpload:
        upload = super().create_multipart(path, part_size)
        self.created.append(upload)
        return upload

    def upload_part(self, upload: MultipartUpload, number: int, data: bytes) -> PartInfo:
        self.sent.append(number)
        return super().upload_part(upload, number, data)

    def abort_multipart(self, upload: MultipartUpload) -> None:
        self.aborted.append(upload)
        super().abort_multipart(upload)


class ShrinksAfter(Wrapped):
    """A source whose object is shorter than listed from the second range on."""

    def __init__(self, inner: MemoryStorage) -> None:
        super().__init__(inner)
        self.reads = 0

    def read(self, path: str, start: int = 0, end: int | None = None) -> bytes:
        self.reads += 1
        data = super().read(path, start, end)
        return data[: len(data) // 2] if start > 0 else data


class LosesParts(Wrapped):
    """A destination whose in-flight uploads forget part 2 (as after a server restart)."""

    def list_parts(self, upload: MultipartUpload) -> builtins.list[PartInfo]:
        return [p for p in super().list_parts(upload) if p.number != 2]


@pytest.mark.parametrize("size", [MIB + 1, 2 * MIB, 5 * MIB + 7])
def test_objects_of_one_or_many_parts_arrive_with_mtime_in_the_manifest(
    mem: list[str], journal_dir: Path, size: int
) -> None:
    src, dst = new_url(mem), new_url(mem)
    data = os.urandom(size)
    _fill(src, {"big.bin": data})
    opts = TransferOptions(multipart_threshold=MIB, part_size=2 * MIB, jobs=2)
    rec = Recording(MemoryStorage(dst))
    result = run_transfer(src, dst, opts, journal_dir, dst=rec)
    assert result.ok, result.failures
    assert MemoryStorage(dst).read("big.bin") == data
    assert sorted(rec.sent) == list(range(1, -(-size // (2 * MIB)) + 1))
    (entry,) = list(read_manifest(MemoryStorage(dst)))
    assert (entry.path, entry.size, entry.mtime) == ("big.bin", size, MTIME)
    assert entry.checksum is not None


def test_a_failed_part_is_a_failure_naming_the_object(mem: list[str], journal_dir: Path) -> None:
    src, dst = new_url(mem), new_url(mem)
    _fill(src, {"ok.txt": b"fine", "big.iso": os.urandom(4 * MIB)})
    opts = TransferOptions(multipart_threshold=MIB, part_size=MIB, jobs=1, retries=0)
    result = run_transfer(src, dst, opts, journal_dir, dst=DiesAfterParts(MemoryStorage(dst), 2))
    assert [f.path for f in result.failures] == ["big.iso"]
    assert "connection closed by peer" in result.failures[0].error
    assert result.transferred == 1 and not MemoryStorage(dst).exists("big.iso")


def test_a_source_that_shrinks_mid_run_is_a_named_failure(
    mem: list[str], journal_dir: Path
) -> None:
    src, dst = new_url(mem), new_url(mem)
    _fill(src, {"big.bin": os.urandom(3 * MIB)})
    opts = TransferOptions(multipart_threshold=MIB, part_size=MIB, jobs=1, retries=0)
    shrinking = ShrinksAfter(MemoryStorage(src))
    result = run_transfer(src, dst, opts, journal_dir, src=shrinking)
    assert [f.path for f in result.failures] == ["big.bin"]
    assert "may have changed during the run" in result.failures[0].error
    assert not MemoryStorage(dst).exists("big.bin")


def test_the_stale_upload_is_aborted_when_the_source_changed(
    mem: list[str], journal_dir: Path
) -> None:
    src, dst = new_url(mem), new_url(mem)
    store = _fill(src, {"big.bin": os.urandom(4 * MIB)})
    opts = TransferOptions(multipart_threshold=MIB, part_size=MIB, jobs=1)
    first = Recording(DiesAfterParts(MemoryStorage(dst), 2))  # type: ignore[arg-type]
    assert run_transfer(src, dst, opts, journal_dir, dst=first).failed == 1
    new = os.urandom(4 * MIB)
    store.write("big.bin", new, mtime=MTIME + 60)
    rec = Recording(MemoryStorage(dst))
    result = run_transfer(src, dst, opts, journal_dir, dst=rec)
    assert result.ok and result.parts_resumed == 0
    assert rec.aborted == first.created  # the old upload, and only it
    assert sorted(rec.sent) == [1, 2, 3, 4]
    assert MemoryStorage(dst).read("big.bin") == new


def test_a_part_the_destination_lost_is_sent_again(mem: list[str], journal_dir: Path) -> None:
    src, dst = new_url(mem), new_url(mem)
    data = os.urandom(4 * MIB)
    _fill(src, {"big.bin": data})
    opts = TransferOptions(multipart_threshold=MIB, part_size=MIB, jobs=1)
    assert (
        run_transfer(src, dst, opts, journal_dir, dst=DiesAfterParts(MemoryStorage(dst), 3)).failed
        == 1
    )
    rec = Recording(LosesParts(MemoryStorage(dst)))  # type: ignore[arg-type]
    result = run_transfer(src, dst, opts, journal_dir, dst=rec)
    assert result.ok, result.failures
    assert result.parts_resumed == 2 and sorted(rec.sent) == [2, 4]
    assert MemoryStorage(dst).read("big.bin") == data


class LostCompleteResponse(Wrapped):
    """Completes the upload, then the response is lost once (the client sees an error).

    With ``replace``, another writer overwrites the object (same size) before
    the client looks again.
    """

    def __init__(self, inner: MemoryStorage, replace: bytes | None = None) -> None:
        super().__init__(inner)
        self.replace = replace
        self.lost = 0

    def complete_multipart(
        self, upload: MultipartUpload, parts: builtins.list[PartInfo], mtime: float | None = None
    ) -> ObjectInfo:
        info = super().complete_multipart(upload, parts, mtime)
        if self.lost == 0:
            self.lost += 1
            if self.replace is not None:
                self.inner.write(upload.path, self.replace, mtime=MTIME + 999)
            raise TransientError("connection reset while completing")
        return info


def test_a_lost_complete_response_is_recognised_as_done(mem: list[str], journal_dir: Path) -> None:
    src, dst = new_url(mem), new_url(mem)
    data = os.urandom(3 * MIB)
    _fill(src, {"big.bin": data})
    opts = TransferOptions(multipart_threshold=MIB, part_size=MIB, jobs=1)
    lossy = LostCompleteResponse(MemoryStorage(dst))
    result = run_transfer(src, dst, opts, journal_dir, dst=lossy)
    assert result.ok, result.failures
    assert lossy.lost == 1 and result.transferred == 1
    assert MemoryStorage(dst).read("big.bin") == data


def test_an_object_replaced_meanwhile_is_not_taken_for_ours(
    mem: list[str], journal_dir: Path
) -> None:
    src, dst = new_url(mem), new_url(mem)
    data = os.urandom(3 * MIB)
    _fill(src, {"big.bin": data})
    opts = TransferOptions(multipart_threshold=MIB, part_size=MIB, jobs=1)
    lossy = LostCompleteResponse(MemoryStorage(dst), replace=os.urandom(3 * MIB))
    result = run_transfer(src, dst, opts, journal_dir, dst=lossy)
    assert [f.path for f in result.failures] == ["big.bin"]


class RefusesUploads(Wrapped):
    """A destination that cannot start a multipart upload."""

    def create_multipart(self, path: str, part_size: int | None = None) -> MultipartUpload:
        raise ProviderError("quota exceeded for multipart uploads", "ask for more quota")


def test_an_upload_that_cannot_start_is_a_failure_naming_the_object(
    mem: list[str], journal_dir: Path
) -> None:
    src, dst = new_url(mem), new_url(mem)
    _fill(src, {"big.bin": os.urandom(3 * MIB), "small": b"x"})
    opts = TransferOptions(multipart_threshold=MIB, part_size=MIB, retries=0)
    result = run_transfer(src, dst, opts, journal_dir, dst=RefusesUploads(MemoryStorage(dst)))
    assert [f.path for f in result.failures] == ["big.bin"]
    assert "quota exceeded for multipart uploads" in result.failures[0].error
    assert result.transferred == 1

"""A lost CompleteMultipartUpload response: the object is taken for ours only when the store
proves it (against mutmut's survivors in transfer/multipart.py).

The client completes the upload, the response is lost, the retry finds no upload. The
object at the destination then counts as the finished upload only if its size matches and
(1) its ETag is the one the store gives the completed parts, or else (2) its ETag is the
whole object's MD5 (rclone's S3 server) and that matches the source, or else (3) the store
keeps mtimes and the object's is within a second of the source's. Anything else is a
failure naming the object, never an ok run over someone else's bytes. Memory stores
stand in for the S3-like servers; the wrappers are real Storage implementations.
"""

from __future__ import annotations

import builtins
import dataclasses
import hashlib
import os
from pathlib import Path

import pytest

from skylift.domain.transfer import TransferOptions
from skylift.storage.base import MultipartUpload, ObjectInfo, PartInfo, TransientError
from skylift.storage.memory import MemoryStorage
from skylift.transfer.engine import run_transfer
from tests.unit.transfer.conftest import Wrapped, new_url

MIB = 1 << 20
MTIME = 1_700_000_000.0
OPTS = TransferOptions(multipart_threshold=MIB, part_size=MIB, jobs=1)


class LostResponse(Wrapped):
    """Completes the upload and loses the response once; ``stat`` then reports what the
    server under test would: an ETag of ``etag_of`` (the object's bytes → ETag), the
    object's mtime moved by ``mtime_shift``, and ``completed`` as the computable ETag."""

    def __init__(
        self,
        inner: MemoryStorage,
        *,
        etag_of: object = None,
        completed: str | None = None,
        mtime_shift: float = 0.0,
        keeps_mtime: bool = True,
        after: bytes | None = None,
    ) -> None:
        super().__init__(inner)
        self.etag_of = etag_of
        self.completed = completed
        self.mtime_shift = mtime_shift
        self.after = after
        self.capabilities = dataclasses.replace(inner.capabilities, preserves_mtime=keeps_mtime)  # type: ignore[misc]
        self.lost = 0

    def complete_multipart(
        self, upload: MultipartUpload, parts: builtins.list[PartInfo], mtime: float | None = None
    ) -> ObjectInfo:
        info = super().complete_multipart(upload, parts, mtime)
        if self.lost == 0:
            self.lost += 1
            if self.after is not None:  # another writer replaces the object meanwhile
                self.inner.write(upload.path, self.after, mtime=mtime)
            raise TransientError("connection reset while completing")
        return info

    def stat(self, path: str) -> ObjectInfo:
        info = self.inner.stat(path)
        etag = info.etag
        if callable(self.etag_of):
            etag = self.etag_of(self.inner.read(path))
        mtime = None if info.mtime is None else info.mtime + self.mtime_shift
        return dataclasses.replace(info, etag=etag, mtime=mtime)

    def completed_etag(self, parts: builtins.list[PartInfo]) -> str | None:
        return self.completed


def _md5(data: bytes) -> str:
    return f'"{hashlib.md5(data, usedforsecurity=False).hexdigest().upper()}"'


def _run(mem: list[str], journal_dir: Path, **lossy: object) -> tuple[bool, list[str], bytes]:
    src, dst = new_url(mem), new_url(mem)
    data = os.urandom(3 * MIB)
    MemoryStorage(src).write("big.bin", data, mtime=MTIME)
    store = LostResponse(MemoryStorage(dst), **lossy)  # type: ignore[arg-type]
    result = run_transfer(src, dst, OPTS, journal_dir, dst=store)
    assert store.lost == 1
    return result.ok, [f.path for f in result.failures], data


def test_the_whole_md5_etag_of_our_bytes_is_recognised(mem: list[str], journal_dir: Path) -> None:
    ok, failed, _ = _run(mem, journal_dir, etag_of=_md5, keeps_mtime=False)
    assert ok and failed == []


def test_the_whole_md5_etag_of_other_bytes_is_a_failure(mem: list[str], journal_dir: Path) -> None:
    other = os.urandom(3 * MIB)
    ok, failed, _ = _run(mem, journal_dir, etag_of=_md5, after=other)
    assert not ok and failed == ["big.bin"]  # same size, same mtime: the MD5 tells


def test_the_computable_etag_of_the_parts_is_recognised(mem: list[str], journal_dir: Path) -> None:
    ok, failed, _ = _run(
        mem, journal_dir, etag_of=lambda _b: '"ABC123-3"', completed="abc123-3", keeps_mtime=False
    )
    assert ok and failed == []


def test_a_computable_etag_that_differs_is_a_failure_whatever_the_mtime(
    mem: list[str], journal_dir: Path
) -> None:
    ok, failed, _ = _run(mem, journal_dir, etag_of=lambda _b: '"abc123-3"', completed="def456-3")
    assert not ok and failed == ["big.bin"]


@pytest.mark.parametrize(
    ("shift", "keeps", "recognised"),
    [(0.0, True, True), (1.0, True, True), (-0.9, True, True), (1.5, True, False),
     (-2.0, True, False), (0.0, False, False)],
)  # fmt: skip
def test_without_etags_the_mtime_decides_within_a_second(
    mem: list[str], journal_dir: Path, shift: float, keeps: bool, recognised: bool
) -> None:
    ok, failed, _ = _run(mem, journal_dir, mtime_shift=shift, keeps_mtime=keeps)
    assert ok is recognised
    assert failed == ([] if recognised else ["big.bin"])


def test_an_object_of_another_size_is_a_failure(mem: list[str], journal_dir: Path) -> None:
    ok, failed, _ = _run(mem, journal_dir, etag_of=_md5, after=os.urandom(3 * MIB - 1))
    assert not ok and failed == ["big.bin"]

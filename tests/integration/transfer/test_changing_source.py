"""A source file written to while the run reads it is never published as a mix (#12).

Under fault injection a big file rewritten between the reads of its parts was
published with exit 0: its first parts old, its last ones new, and a manifest
naming the old mtime. The run must notice that the source changed since it
was listed (size or mtime), fail that object and publish nothing for it; the
re-run copies the new version whole.

The concurrent writer is injected at an exact point (a real local folder
whose ``read`` first writes to the file, as another process would at that
moment), so the test does not depend on timing.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any

import pytest

from skylift.domain.transfer import TransferOptions
from skylift.storage.base import NotFoundError
from skylift.storage.local import LocalStorage
from skylift.storage.registry import open_storage
from skylift.transfer.engine import run_transfer
from skylift.transfer.objects import STREAM_CHUNK
from tests.integration.servers import ServerInfo

MIB = 1 << 20
PART = 5 * MIB


class WrittenWhileRead(LocalStorage):
    """A local folder whose file ``name`` another process rewrites (same size) right
    before the read of the byte range starting at ``at``."""

    def __init__(self, url: str, name: str, at: int) -> None:
        super().__init__(url)
        self.name, self.at, self.fired = name, at, False

    def read(self, path: str, start: int = 0, end: int | None = None) -> bytes:
        if path == self.name and start == self.at and not self.fired:
            self.fired = True
            with open(self.root / path, "r+b") as fh:  # every part's bytes change
                size = os.fstat(fh.fileno()).st_size
                for offset in range(0, size, PART):
                    fh.seek(offset)
                    fh.write(b"NEW!" * 1024)
            st = os.stat(self.root / path)  # and the mtime moves on, as any write does
            os.utime(self.root / path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
        return super().read(path, start, end)


def _source(tmp_path: Path) -> tuple[Path, bytes]:
    src = tmp_path / "src"
    src.mkdir()
    data = os.urandom(3 * PART)
    (src / "big.bin").write_bytes(data)
    (src / "small.txt").write_text("unchanged")
    return src, data


@pytest.mark.servers
def test_a_file_rewritten_between_its_parts_is_not_published(
    tmp_path: Path, s3_server: ServerInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    for k, v in s3_server.env.items():
        monkeypatch.setenv(k, v)
    src, _ = _source(tmp_path)
    dst_url = f"{s3_server.url}/{uuid.uuid4().hex[:8]}"
    opts = TransferOptions(multipart_threshold=PART, part_size=PART, jobs=1)
    remotes: Any = {s3_server.url: s3_server.options}
    store = WrittenWhileRead(str(src), "big.bin", at=PART)  # before part 2 is read
    result = run_transfer(str(src), dst_url, opts, tmp_path / "j", src=store, remotes=remotes)
    assert store.fired
    assert not result.ok and [f.path for f in result.failures] == ["big.bin"]
    assert "changed while" in result.failures[0].error
    assert result.manifest is None
    dst = open_storage(dst_url, **s3_server.options)
    with pytest.raises(NotFoundError):
        dst.stat("big.bin")  # no mix of old and new parts was published
    # the re-run copies the version that is there now, whole
    again = run_transfer(str(src), dst_url, opts, tmp_path / "j", remotes=remotes)
    assert again.ok, again.failures
    assert dst.read("big.bin") == (src / "big.bin").read_bytes()


def test_a_file_rewritten_while_streamed_is_not_published(tmp_path: Path) -> None:
    """The streamed path (split uploads on distant stores, --decode) checks it too."""
    src, _ = _source(tmp_path)
    dst = tmp_path / "dst"
    opts = TransferOptions(multipart_threshold=PART, part_size=PART, jobs=1)
    store = WrittenWhileRead(str(src), "big.bin", at=STREAM_CHUNK)  # its 2nd chunk
    out = LocalStorage(str(dst))
    out.capabilities = type(out.capabilities)()  # this destination has no multipart: streamed
    result = run_transfer(str(src), str(dst), opts, tmp_path / "j", src=store, dst=out)
    assert store.fired
    assert [f.path for f in result.failures] == ["big.bin"], result
    assert "changed while" in result.failures[0].error
    assert not (dst / "big.bin").exists() and (dst / "small.txt").exists()
    assert not [p for p in dst.iterdir() if p.name.startswith(".skylift-tmp")]


def test_a_small_file_written_during_its_read_is_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Objects read whole in one call: a write landing during that read is noticed
    (the file's size or mtime moved between the start and the end of the read)
    and the read is retried, so what is published is one version of the file."""
    from skylift.storage import local

    src = tmp_path / "src"
    src.mkdir()
    (src / "log.txt").write_bytes(b"old line\n")
    real_fstat = os.fstat
    writes = []

    def fstat_then_write(fd: int) -> os.stat_result:
        st = real_fstat(fd)
        if not writes and os.readlink(f"/proc/self/fd/{fd}").endswith("log.txt"):
            writes.append(1)  # another process appends once, just after the read began
            with open(src / "log.txt", "ab") as fh:
                fh.write(b"appended line\n")
        return st

    monkeypatch.setattr(local.os, "fstat", fstat_then_write)
    dst = tmp_path / "dst"
    result = run_transfer(str(src), str(dst), TransferOptions(), tmp_path / "j")
    monkeypatch.undo()
    assert writes == [1]
    assert result.ok and result.retries >= 1, result
    assert (dst / "log.txt").read_bytes() == b"old line\nappended line\n"


@pytest.mark.servers
def test_an_object_overwritten_between_its_parts_is_not_published(
    tmp_path: Path, moto_server: ServerInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An object store source: an object replaced (same size) while its ranges are read.
    Its listed ETag no longer matches: the object fails, nothing is published."""
    for k, v in moto_server.env.items():
        monkeypatch.setenv(k, v)
    src_url = f"{moto_server.url}/{uuid.uuid4().hex[:8]}"
    writer = open_storage(src_url, **moto_server.options)
    writer.write("big.bin", os.urandom(3 * PART))
    store = open_storage(src_url, **moto_server.options)
    read = store.read

    def overwritten_before_part_2(path: str, start: int = 0, end: int | None = None) -> bytes:
        if start == PART and not getattr(store, "fired", False):
            store.fired = True  # type: ignore[attr-defined]
            writer.write("big.bin", os.urandom(3 * PART))  # another client replaces it
        return read(path, start, end)

    store.read = overwritten_before_part_2  # type: ignore[method-assign]
    dst = tmp_path / "dst"
    opts = TransferOptions(multipart_threshold=PART, part_size=PART, jobs=1)
    result = run_transfer(src_url, str(dst), opts, tmp_path / "j", src=store)
    assert getattr(store, "fired", False)
    assert [f.path for f in result.failures] == ["big.bin"], result
    assert "changed while" in result.failures[0].error
    assert not (dst / "big.bin").exists()

"""The engine end to end on memory:// stores: copy, sync, resume, retries, failures."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from skylift.domain.transfer import MANIFEST_NAME, Action, TransferOptions
from skylift.errors import TransferError
from skylift.storage.base import ObjectInfo
from skylift.storage.memory import MemoryStorage
from skylift.transfer.engine import plan_transfer, run_transfer
from skylift.transfer.manifest import read_manifest
from tests.unit.transfer.conftest import (
    CountingParts,
    DeniesReads,
    DiesAfterParts,
    Flaky,
    Wrapped,
    new_url,
)

MIB = 1 << 20


def _fill(url: str, objects: dict[str, bytes], mtime: float = 1_700_000_000.0) -> MemoryStorage:
    store = MemoryStorage(url)
    for path, data in objects.items():
        store.write(path, data, mtime=mtime)
    return store


def _contents(url: str) -> dict[str, bytes]:
    store = MemoryStorage(url)
    return {i.path: store.read(i.path) for i in store.list()}


def test_copy_then_rerun_skips_everything(mem: list[str], journal_dir: Path) -> None:
    src, dst = new_url(mem), new_url(mem)
    objects = {f"dir{i % 3}/f{i}.bin": os.urandom(i * 37) for i in range(60)}
    _fill(src, objects)
    first = run_transfer(src, dst, TransferOptions(), journal_dir)
    assert first.ok
    assert (first.transferred, first.skipped) == (60, 0)
    assert first.bytes_transferred == sum(len(v) for v in objects.values())
    assert _contents(dst) == objects
    again = run_transfer(src, dst, TransferOptions(), journal_dir)
    assert (again.transferred, again.skipped, again.bytes_transferred) == (0, 60, 0)


def test_changed_source_is_sent_again_and_mtime_is_kept(mem: list[str], journal_dir: Path) -> None:
    src, dst = new_url(mem), new_url(mem)
    store = _fill(src, {"a": b"one", "b": b"two"})
    run_transfer(src, dst, TransferOptions(), journal_dir)
    store.write("a", b"ONE", mtime=1_800_000_000.0)  # same size, newer
    result = run_transfer(src, dst, TransferOptions(), journal_dir)
    assert (result.transferred, result.skipped) == (1, 1)
    assert MemoryStorage(dst).stat("a").mtime == 1_800_000_000.0
    assert _contents(dst)["a"] == b"ONE"


def test_checksum_mode_catches_same_size_same_mtime_change(
    mem: list[str], journal_dir: Path
) -> None:
    src, dst = new_url(mem), new_url(mem)
    _fill(src, {"a": b"hello"})
    _fill(dst, {"a": b"HELLO"})  # same size and mtime, different content
    assert run_transfer(src, dst, TransferOptions(), journal_dir).transferred == 0
    result = run_transfer(src, dst, TransferOptions(checksum=True), journal_dir)
    assert result.transferred == 1
    assert _contents(dst)["a"] == b"hello"


def test_sync_deletes_extras_but_copy_does_not(mem: list[str], journal_dir: Path) -> None:
    src, dst = new_url(mem), new_url(mem)
    _fill(src, {"keep": b"1"})
    _fill(dst, {"old": b"2", "logs/x.log": b"3"})
    assert run_transfer(src, dst, TransferOptions(), journal_dir).deleted == 0
    assert set(_contents(dst)) == {"keep", "old", "logs/x.log"}
    result = run_transfer(src, dst, TransferOptions(delete=True, exclude=("*.log",)), journal_dir)
    assert result.deleted == 1  # excluded paths are not deleted
    assert set(_contents(dst)) == {"keep", "logs/x.log"}


def test_sync_does_not_delete_when_a_copy_failed(mem: list[str], journal_dir: Path) -> None:
    src, dst = new_url(mem), new_url(mem)
    inner = _fill(src, {"good": b"1", "secret": b"2"})
    _fill(dst, {"extra": b"3"})
    result = run_transfer(
        src,
        dst,
        TransferOptions(delete=True),
        journal_dir,
        src=DeniesReads(inner, {"secret"}),
    )
    assert result.failed == 1
    assert result.deleted == 0
    assert "extra" in _contents(dst)


def test_filters_select_objects(mem: list[str], journal_dir: Path) -> None:
    src, dst = new_url(mem), new_url(mem)
    _fill(src, {"a.csv": b"x" * 10, "b.csv": b"x" * 1000, "c.txt": b"x" * 10})
    opts = TransferOptions(include=("*.csv",), max_size=100)
    assert run_transfer(src, dst, opts, journal_dir).transferred == 1
    assert set(_contents(dst)) == {"a.csv"}


def test_dry_run_plans_and_writes_nothing(mem: list[str], journal_dir: Path) -> None:
    src, dst = new_url(mem), new_url(mem)
    _fill(src, {"new": b"1", "same": b"22", "changed": b"333"})
    _fill(dst, {"same": b"22", "changed": b"3", "extra": b"4"})
    before = _contents(dst)
    plan = plan_transfer(src, dst, TransferOptions(delete=True, dry_run=True))
    assert (plan.copy_count, plan.update_count, plan.delete_count, plan.skip_count) == (1, 1, 1, 1)
    assert plan.bytes_to_send == 4
    assert {(a.action, a.path) for a in plan.actions} == {
        (Action.COPY, "new"),
        (Action.UPDATE, "changed"),
        (Action.DELETE, "extra"),
    }
    assert _contents(dst) == before
    assert not journal_dir.exists()


def test_permission_denied_source_is_reported_and_the_rest_copied(
    mem: list[str], journal_dir: Path
) -> None:
    src, dst = new_url(mem), new_url(mem)
    inner = _fill(src, {f"f{i}": b"data" for i in range(10)})
    result = run_transfer(
        src, dst, TransferOptions(), journal_dir, src=DeniesReads(inner, {"f3", "f7"})
    )
    assert not result.ok
    assert (result.transferred, result.failed) == (8, 2)
    assert [(f.path, f.kind) for f in result.failures] == [
        ("f3", "permission"),
        ("f7", "permission"),
    ]
    assert set(_contents(dst)) == {f"f{i}" for i in range(10)} - {"f3", "f7"}
    assert result.manifest is None  # not published: something failed
    assert not MemoryStorage(dst).exists(MANIFEST_NAME)


def test_transient_errors_are_retried(mem: list[str], journal_dir: Path) -> None:
    src, dst = new_url(mem), new_url(mem)
    _fill(src, {"small": b"abc", "big": os.urandom(3 * MIB)})
    flaky = Flaky(MemoryStorage(dst), fail_first=2)
    opts = TransferOptions(multipart_threshold=MIB, part_size=MIB)
    result = run_transfer(src, dst, opts, journal_dir, dst=flaky)
    assert result.ok
    assert result.retries == 2 * (1 + 3 + 1)  # small object, three parts, manifest: twice each
    assert _contents(dst) == _contents(src)


def test_multipart_resume_sends_only_missing_parts(mem: list[str], journal_dir: Path) -> None:
    src, dst = new_url(mem), new_url(mem)
    data = os.urandom(10 * MIB + 123)
    _fill(src, {"big.iso": data})
    opts = TransferOptions(multipart_threshold=MIB, part_size=MIB, jobs=2)
    dying = DiesAfterParts(MemoryStorage(dst), allowed=4)
    first = run_transfer(src, dst, opts, journal_dir, dst=dying)
    assert first.failed == 1
    assert not MemoryStorage(dst).exists("big.iso")  # never visible half-written
    counting = CountingParts(MemoryStorage(dst))
    second = run_transfer(src, dst, opts, journal_dir, dst=counting)
    assert second.ok
    assert second.parts_resumed == 4
    assert sorted(counting.sent) == sorted(set(range(1, 12)) - set(dying.sent))
    assert MemoryStorage(dst).read("big.iso") == data


def test_manifest_is_published_last_with_every_object(mem: list[str], journal_dir: Path) -> None:
    src, dst = new_url(mem), new_url(mem)
    objects = {"a": b"1", "b/c": os.urandom(3 * MIB)}
    _fill(src, objects)
    opts = TransferOptions(multipart_threshold=MIB, part_size=MIB)
    result = run_transfer(src, dst, opts, journal_dir)
    assert result.manifest == MANIFEST_NAME
    entries = {e.path: e for e in read_manifest(MemoryStorage(dst))}
    assert set(entries) == set(objects)
    assert entries["a"].checksum is not None and entries["a"].checksum.startswith("crc32c:")
    assert entries["b/c"].checksum is not None and entries["b/c"].checksum.endswith("-3")
    header = json.loads(MemoryStorage(dst).read(MANIFEST_NAME).splitlines()[0])
    assert header["objects"] == 2
    # the manifest is not itself an object of the tree
    assert MANIFEST_NAME not in _contents(dst)
    # a no-op re-run republishes it with the journaled checksums
    assert run_transfer(src, dst, opts, journal_dir).skipped == 2
    again = {e.path: e.checksum for e in read_manifest(MemoryStorage(dst))}
    assert again == {p: e.checksum for p, e in entries.items()}


def test_backup_keeps_overwritten_and_deleted_objects(mem: list[str], journal_dir: Path) -> None:
    src, dst, bak = new_url(mem), new_url(mem), new_url(mem)
    _fill(src, {"a": b"new"}, mtime=1_800_000_000.0)
    _fill(dst, {"a": b"old", "gone": b"bye"})
    opts = TransferOptions(delete=True, backup_to=bak)
    result = run_transfer(src, dst, opts, journal_dir)
    assert (result.transferred, result.deleted, result.backed_up) == (1, 1, 2)
    assert _contents(bak) == {"a": b"old", "gone": b"bye"}
    assert _contents(dst) == {"a": b"new"}


class _BrokenListing(Wrapped):
    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        yield from super().list(prefix)
        raise RuntimeError("socket closed\nlong backend dump")


def test_listing_failure_is_one_transfer_error_and_no_manifest(
    mem: list[str], journal_dir: Path
) -> None:
    src, dst = new_url(mem), new_url(mem)
    _fill(src, {"a": b"1"})
    broken = _BrokenListing(MemoryStorage("memory://user:secret@" + src.removeprefix("memory://")))
    with pytest.raises(TransferError, match="cannot list") as exc:
        run_transfer(src, dst, TransferOptions(), journal_dir, src=broken)
    assert "secret" not in exc.value.message and "\n" not in exc.value.message
    assert exc.value.hint
    assert not MemoryStorage(dst).exists(MANIFEST_NAME)


def test_encrypt_compress_then_decode_round_trip(mem: list[str], journal_dir: Path) -> None:
    src, vault, back = new_url(mem), new_url(mem), new_url(mem)
    key = os.urandom(32)
    objects = {"small.txt": b"hello " * 1000, "big.bin": os.urandom(3 * MIB) + b"z" * MIB}
    _fill(src, objects)
    enc = TransferOptions(encrypt=True, compress=True, multipart_threshold=MIB, part_size=MIB)
    assert run_transfer(src, vault, enc, journal_dir, key=key).ok
    stored = _contents(vault)
    assert stored.keys() == objects.keys()
    assert all(stored[k] != objects[k] for k in objects)
    assert b"hello hello" not in stored["small.txt"]
    again = run_transfer(src, vault, enc, journal_dir, key=key)
    assert again.transferred == 0  # incremental despite different sizes
    dec = TransferOptions(decode=True, multipart_threshold=MIB)
    assert run_transfer(vault, back, dec, journal_dir, key=key).ok
    assert _contents(back) == objects

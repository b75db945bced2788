"""Engine paths the oracle's memory stores do not reach (against mutmut's survivors in
transfer/engine.py): --checksum where the stores share no checksum (content is read and
compared), the plan's detail limit, deletions beyond one batch, the previous manifest
withdrawn before a run that then fails, and the warning of a decode without a sealed
manifest."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from skylift.domain.transfer import DETAIL_LIMIT, MANIFEST_NAME, TransferOptions
from skylift.storage.base import ObjectInfo, TransientError
from skylift.storage.memory import MemoryStorage
from skylift.transfer.engine import plan_transfer, run_transfer
from tests.unit.transfer.conftest import Wrapped, new_url

T = 1_700_000_000.0


class NoChecksums(Wrapped):
    """A store that lists no checksums (as SFTP or a plain folder)."""

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        for info in super().list(prefix):
            yield dataclasses.replace(info, checksums={})


def test_checksum_mode_reads_content_when_the_stores_share_no_checksum(
    mem: list[str], journal_dir: Path
) -> None:
    src, dst = new_url(mem), new_url(mem)
    for path, body in {"same": b"abc", "changed": b"xyz", "new": b"n"}.items():
        MemoryStorage(src).write(path, body, mtime=T)
    MemoryStorage(dst).write("same", b"abc", mtime=T + 50)
    MemoryStorage(dst).write("changed", b"xyQ", mtime=T)  # same size, same mtime
    options = TransferOptions(checksum=True)
    a, b = NoChecksums(MemoryStorage(src)), NoChecksums(MemoryStorage(dst))
    plan = plan_transfer(src, dst, options, src=a, dst=b)
    assert (plan.copy_count, plan.update_count, plan.skip_count) == (1, 1, 1)
    assert [(x.action.value, x.path) for x in plan.actions] == [
        ("update", "changed"),
        ("copy", "new"),
    ]
    result = run_transfer(src, dst, options, journal_dir, src=a, dst=b)
    assert (result.transferred, result.skipped) == (2, 1)
    assert MemoryStorage(dst).read("changed") == b"xyz"


@pytest.mark.parametrize(("n", "truncated"), [(DETAIL_LIMIT, False), (DETAIL_LIMIT + 1, True)])
def test_the_plan_lists_at_most_the_detail_limit(mem: list[str], n: int, truncated: bool) -> None:
    src, dst = new_url(mem), new_url(mem)
    store = MemoryStorage(src)
    for i in range(n):
        store.write(f"f{i:06d}", b"", mtime=T)
    plan = plan_transfer(src, dst, TransferOptions())
    assert plan.copy_count == n
    assert len(plan.actions) == DETAIL_LIMIT and plan.actions_truncated is truncated


def test_deletions_beyond_one_batch_all_happen(mem: list[str], journal_dir: Path) -> None:
    src, dst = new_url(mem), new_url(mem)
    MemoryStorage(src).write("keep", b"k", mtime=T)
    store = MemoryStorage(dst)
    for i in range(100):  # three batches of 32 and a rest
        store.write(f"old/{i:03d}", b"x", mtime=T)
    result = run_transfer(src, dst, TransferOptions(delete=True), journal_dir)
    assert result.ok and result.deleted == 100
    assert sorted(o.path for o in store.list() if o.path != MANIFEST_NAME) == ["keep"]


class FailsWrites(Wrapped):
    def write(self, path: str, data: object, mtime: float | None = None) -> ObjectInfo:
        if path != MANIFEST_NAME:
            raise PermissionError("read-only for this test")
        return super().write(path, data, mtime)  # type: ignore[arg-type]


@pytest.mark.parametrize("manifest", [True, False])
def test_the_previous_manifest_is_withdrawn_before_a_change_even_if_the_run_fails(
    mem: list[str], journal_dir: Path, manifest: bool
) -> None:
    src, dst = new_url(mem), new_url(mem)
    MemoryStorage(src).write("a", b"1", mtime=T)
    assert run_transfer(src, dst, TransferOptions(), journal_dir).ok
    assert MemoryStorage(dst).exists(MANIFEST_NAME)
    MemoryStorage(src).write("a", b"2", mtime=T + 60)
    options = TransferOptions(manifest=manifest, retries=0)
    result = run_transfer(src, dst, options, journal_dir, dst=FailsWrites(MemoryStorage(dst)))
    assert [f.path for f in result.failures] == ["a"]
    assert not MemoryStorage(dst).exists(MANIFEST_NAME)  # it would describe the old "a"


def test_a_decode_without_a_sealed_manifest_says_what_is_not_checked(
    mem: list[str], journal_dir: Path
) -> None:
    src, vault, back = new_url(mem), new_url(mem), new_url(mem)
    key = os.urandom(32)
    MemoryStorage(src).write("a", b"secret", mtime=T)
    enc = TransferOptions(encrypt=True, manifest=False)
    assert run_transfer(src, vault, enc, journal_dir, key=key).ok
    result = run_transfer(vault, back, TransferOptions(decode=True), journal_dir, key=key)
    assert result.ok
    assert result.warnings == (
        f"{vault} has no sealed manifest (its last encrypted run did not finish, or ran with "
        "--no-manifest): a rolled-back object is caught only where the store keeps mtimes",
    )


class FirstExistsFails(Wrapped):
    """The early look for the previous manifest fails once (then it is asked again)."""

    def __init__(self, inner: MemoryStorage) -> None:
        super().__init__(inner)
        self.asked = 0

    def exists(self, path: str) -> bool:
        self.asked += 1
        if self.asked == 1:
            raise TransientError("connection reset")
        return self.inner.exists(path)


def test_the_previous_manifest_is_withdrawn_when_the_first_look_failed(
    mem: list[str], journal_dir: Path
) -> None:
    src, dst = new_url(mem), new_url(mem)
    MemoryStorage(src).write("a", b"1", mtime=T)
    assert run_transfer(src, dst, TransferOptions(), journal_dir).ok
    MemoryStorage(src).write("a", b"2", mtime=T + 60)
    flaky = FirstExistsFails(MemoryStorage(dst))
    options = TransferOptions(manifest=False)
    assert run_transfer(src, dst, options, journal_dir, dst=flaky).ok
    assert flaky.asked >= 2 and not MemoryStorage(dst).exists(MANIFEST_NAME)


def test_a_run_that_changes_nothing_keeps_the_previous_manifest(
    mem: list[str], journal_dir: Path
) -> None:
    src, dst = new_url(mem), new_url(mem)
    MemoryStorage(src).write("a", b"1", mtime=T)
    assert run_transfer(src, dst, TransferOptions(), journal_dir).ok
    before = MemoryStorage(dst).read(MANIFEST_NAME)
    quiet = TransferOptions(manifest=False, delete=True)  # nothing to copy or delete
    result = run_transfer(src, dst, quiet, journal_dir)
    assert result.ok and (result.transferred, result.deleted, result.skipped) == (0, 0, 1)
    assert MemoryStorage(dst).read(MANIFEST_NAME) == before


class _Progress:
    def __init__(self) -> None:
        self.planned_objects = 0
        self.planned_bytes = 0
        self.finished_objects = 0

    def planned(self, objects: int, nbytes: int) -> None:
        self.planned_objects += objects
        self.planned_bytes += nbytes

    def sent(self, nbytes: int) -> None:
        pass

    def finished(self, objects: int = 1) -> None:
        self.finished_objects += objects


def test_progress_plans_each_object_to_send_once(mem: list[str], journal_dir: Path) -> None:
    src, dst = new_url(mem), new_url(mem)
    for path, body in {"a": b"1", "b": b"22", "c": b"333"}.items():
        MemoryStorage(src).write(path, body, mtime=T)
    MemoryStorage(dst).write("a", b"1", mtime=T)
    progress = _Progress()
    result = run_transfer(src, dst, TransferOptions(), journal_dir, progress=progress)  # type: ignore[arg-type]
    assert result.ok and result.transferred == 2
    assert (progress.planned_objects, progress.planned_bytes) == (2, 5)


def test_links_skip_is_applied_to_the_plan_and_the_run_with_a_warning(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "a").write_text("hi")
    (src / "b").symlink_to("a")
    options = TransferOptions(links="skip")
    assert plan_transfer(str(src), str(tmp_path / "plan"), options).copy_count == 1
    result = run_transfer(str(src), str(tmp_path / "dst"), options, tmp_path / "j")
    assert result.ok and result.transferred == 1
    assert result.warnings == ("skipped symlink b (--links skip)",)
    assert sorted(p.name for p in (tmp_path / "dst").iterdir() if not p.name.startswith(".")) == [
        "a"
    ]


def test_age_filters_choose_objects_by_mtime(mem: list[str], journal_dir: Path) -> None:
    import time

    src = new_url(mem)
    now = time.time()
    MemoryStorage(src).write("old", b"o", mtime=now - 10 * 86400)
    MemoryStorage(src).write("new", b"n", mtime=now - 60)
    for options, want in (
        (TransferOptions(max_age=86400.0), ["new"]),
        (TransferOptions(min_age=86400.0), ["old"]),
    ):
        dst = new_url(mem)
        assert run_transfer(src, dst, options, journal_dir).ok
        got = sorted(o.path for o in MemoryStorage(dst).list() if o.path != MANIFEST_NAME)
        assert got == want, options


def test_delete_with_a_single_file_source_is_refused_with_a_hint(tmp_path: Path) -> None:
    from skylift.errors import InputError

    (tmp_path / "report.pdf").write_bytes(b"%PDF")
    source = str(tmp_path / "report.pdf")
    with pytest.raises(InputError) as err:
        run_transfer(source, str(tmp_path / "out"), TransferOptions(delete=True), tmp_path / "j")
    assert str(err.value) == (
        f"--delete with a single-file source {source} would delete every other object at "
        "the destination"
    )
    assert err.value.hint == "drop --delete to copy the file into the destination folder"


def test_an_overlap_is_allowed_when_the_inner_folder_is_excluded(tmp_path: Path) -> None:
    src = tmp_path / "data"
    (src / "sub").mkdir(parents=True)
    (src / "a").write_text("a")
    options = TransferOptions(exclude=("sub/**",))
    result = run_transfer(str(src), str(src / "sub"), options, tmp_path / "j")
    assert result.ok and (src / "sub" / "a").read_text() == "a"


class FailsOnce(Wrapped):
    def __init__(self, inner: MemoryStorage) -> None:
        super().__init__(inner)
        self.failed = False

    def write(self, path: str, data: object, mtime: float | None = None) -> ObjectInfo:
        if path != MANIFEST_NAME and not self.failed:
            self.failed = True
            raise TransientError("connection reset")
        return super().write(path, data, mtime)  # type: ignore[arg-type]


@pytest.mark.parametrize(("retries", "ok"), [(0, False), (1, True)])
def test_retries_are_the_option_and_the_run_time_is_measured(
    mem: list[str], journal_dir: Path, retries: int, ok: bool
) -> None:
    src, dst = new_url(mem), new_url(mem)
    MemoryStorage(src).write("a", b"1", mtime=T)
    options = TransferOptions(retries=retries)
    result = run_transfer(src, dst, options, journal_dir, dst=FailsOnce(MemoryStorage(dst)))
    assert result.ok is ok and result.retries == retries
    assert 0 <= result.elapsed_s < 60

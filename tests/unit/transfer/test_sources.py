"""Source rules on memory:// stores: existence, single objects, prefix nesting."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

from skylift.domain.transfer import TransferOptions
from skylift.errors import InputError
from skylift.storage.base import ObjectInfo
from skylift.storage.memory import MemoryStorage
from skylift.transfer.engine import build_filter, plan_transfer, run_transfer
from skylift.transfer.sources import check_overlap, split_parent
from skylift.verify import verify
from tests.unit.transfer.conftest import Wrapped, new_url


def test_an_empty_prefix_is_a_missing_source_and_delete_never_runs(
    mem: list[str], journal_dir: Path
) -> None:
    src, dst = new_url(mem), new_url(mem)
    MemoryStorage(dst).write("keep", b"1")
    with pytest.raises(InputError, match="does not exist"):
        run_transfer(f"{src}/nothing", dst, TransferOptions(delete=True), journal_dir)
    with pytest.raises(InputError, match="does not exist"):
        verify(f"{src}/nothing", dst)
    assert MemoryStorage(dst).exists("keep")


def test_an_object_url_is_a_single_file_source(mem: list[str], journal_dir: Path) -> None:
    src, dst = new_url(mem), new_url(mem)
    store = MemoryStorage(src)
    store.write("docs/a.pdf", b"pdf")
    store.write("docs/b.pdf", b"other")
    result = run_transfer(f"{src}/docs/a.pdf", f"{dst}/out", TransferOptions(), journal_dir)
    assert result.transferred == 1
    assert [i.path for i in MemoryStorage(f"{dst}/out").list()] == ["a.pdf"]
    assert verify(f"{src}/docs/a.pdf", f"{dst}/out").matches


@pytest.mark.parametrize(
    ("source", "destination"),
    [
        ("s3://bucket/a", "s3://bucket/a/b"),
        ("s3://bucket/a/b/", "s3://bucket/a"),
        ("s3://bucket", "s3://bucket/x"),
        ("sftp://u:pw@host/srv", "sftp://u@host/srv/x"),
        ("memory://m/data", "memory://m/data/copy"),
    ],
)
def test_nested_prefixes_of_one_store_are_refused(source: str, destination: str) -> None:
    with pytest.raises(InputError, match="overlap") as exc:
        check_overlap(source, destination, build_filter(TransferOptions()))
    assert "pw" not in exc.value.message


@pytest.mark.parametrize(
    ("source", "destination"),
    [
        ("s3://bucket/a", "s3://bucket/ab"),
        ("s3://bucket/a", "s3://other/a/b"),
        ("s3://bucket/a", "gs://bucket/a/b"),
    ],
)
def test_siblings_and_other_stores_do_not_overlap(source: str, destination: str) -> None:
    check_overlap(source, destination, build_filter(TransferOptions()))


def test_different_endpoints_with_the_same_bucket_name_do_not_overlap() -> None:
    remotes = {"s3://bucket/a/b": {"endpoint": "http://127.0.0.1:9"}}
    check_overlap("s3://bucket/a", "s3://bucket/a/b", build_filter(TransferOptions()), remotes)


def test_split_parent() -> None:
    assert split_parent("s3://b/docs/a.pdf") == ("s3://b/docs", "a.pdf")
    assert split_parent("s3://b/a.pdf/") == ("s3://b", "a.pdf")
    assert split_parent("s3://b") is None
    assert split_parent("/x/y.txt") == ("/x", "y.txt")
    assert split_parent("y.txt") == (".", "y.txt")


def test_a_stale_manifest_is_withdrawn_before_the_first_overwrite(
    mem: list[str], journal_dir: Path
) -> None:
    from skylift.domain.transfer import MANIFEST_NAME
    from tests.unit.transfer.conftest import DeniesReads

    src, dst = new_url(mem), new_url(mem)
    store = MemoryStorage(src)
    for name in ("a", "b", "c"):
        store.write(name, b"v1", mtime=1_700_000_000.0)
    assert run_transfer(src, dst, TransferOptions(), journal_dir).manifest == MANIFEST_NAME
    for name in ("a", "b"):
        store.write(name, b"version 2", mtime=1_800_000_000.0)
    broken = DeniesReads(MemoryStorage(src), {"b"})
    result = run_transfer(src, dst, TransferOptions(), journal_dir, src=broken)
    assert result.failed == 1 and result.manifest is None
    assert not MemoryStorage(dst).exists(MANIFEST_NAME)  # no manifest with v1 sizes left


def test_a_second_transfer_to_the_same_destination_is_refused_naming_the_first(
    mem: list[str], journal_dir: Path
) -> None:
    import os

    from skylift.transfer.lock import DestinationBusyError, DestinationLock

    src, dst = new_url(mem), new_url(mem)
    MemoryStorage(src).write("a", b"1")
    with DestinationLock(journal_dir, dst, "elsewhere"):
        with pytest.raises(DestinationBusyError) as exc:
            run_transfer(src, dst, TransferOptions(), journal_dir)
        assert f"pid {os.getpid()}" in exc.value.message and exc.value.hint
        assert not MemoryStorage(dst).exists("a")
    assert run_transfer(src, dst, TransferOptions(), journal_dir).transferred == 1


class Untouchable(Wrapped):
    """A destination that records (and refuses) every read or write."""

    def __init__(self, inner: MemoryStorage) -> None:
        super().__init__(inner)
        self.calls: list[str] = []

    def _refuse(self, what: str) -> None:
        self.calls.append(what)
        raise AssertionError(f"the destination was touched: {what}")

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        self._refuse("list")
        return iter(())

    def stat(self, path: str) -> ObjectInfo:
        self._refuse(f"stat {path}")
        raise AssertionError

    def write(
        self, path: str, data: bytes | Iterable[bytes], mtime: float | None = None
    ) -> ObjectInfo:
        self._refuse(f"write {path}")
        raise AssertionError

    def delete(self, path: str) -> None:
        self._refuse(f"delete {path}")


@pytest.mark.parametrize("delete", [False, True])
def test_a_missing_source_is_refused_before_the_destination_is_listed(
    mem: list[str], journal_dir: Path, delete: bool
) -> None:
    src, dst = new_url(mem), new_url(mem)
    MemoryStorage(src).write("other/x", b"1")
    MemoryStorage(dst).write("keep", b"1")
    untouchable = Untouchable(MemoryStorage(dst))
    opts = TransferOptions(delete=delete)
    for call in (
        lambda: run_transfer(f"{src}/nothing", dst, opts, journal_dir, dst=untouchable),
        lambda: plan_transfer(f"{src}/nothing", dst, opts, dst=untouchable),
        lambda: verify(f"{src}/nothing", dst, opts, dst=untouchable),
    ):
        with pytest.raises(InputError, match="does not exist"):
            call()
    assert untouchable.calls == []


def test_a_busy_destination_names_neither_password(journal_dir: Path) -> None:
    from skylift.transfer.lock import DestinationBusyError, DestinationLock

    dst, src = "sftp://u:Dst-Secret@host/x", "sftp://u:Src-Secret@other/y"
    with DestinationLock(journal_dir, dst, src) as held:
        assert b"Secret" not in held.path.read_bytes()  # what the holder wrote
        with pytest.raises(DestinationBusyError) as exc:
            DestinationLock(journal_dir, dst, src).__enter__()
    text = exc.value.message + exc.value.hint
    assert "Secret" not in text and "sftp://host/x" in text and "sftp://other/y" in text


def test_an_overlap_through_a_symlink_is_refused(tmp_path: Path) -> None:
    real = tmp_path / "bad"
    (real / "sub").mkdir(parents=True)
    alias = tmp_path / "alias"
    alias.symlink_to(real, target_is_directory=True)
    flt = build_filter(TransferOptions())
    for source, destination in (
        (str(real), str(alias / "sub")),  # DST inside SRC, spelled through the link
        (str(alias), str(real / "sub")),
        (str(alias / "sub"), str(real)),  # SRC inside DST (a sync would delete SRC)
        (str(alias), str(real)),  # the same folder
    ):
        with pytest.raises(InputError, match=r"overlap|the same"):
            check_overlap(source, destination, flt)

"""The streamed diff and the external sort behind it."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from skylift.errors import TransferError
from skylift.storage.base import ObjectInfo
from skylift.transfer.diffing.diff import Comparison, Verdict, diff
from skylift.transfer.diffing.listing import checked_order, external_sort


def _o(path: str, size: int = 1, mtime: float | None = 100.0, **sums: str) -> ObjectInfo:
    return ObjectInfo(path, size, mtime, checksums=dict(sums))


def test_merge_join_classifies_every_path() -> None:
    src = [_o("a"), _o("b", 2), _o("c"), _o("e", mtime=200.0)]
    dst = [_o("a"), _o("b", 3), _o("d"), _o("e")]
    got = [(v, (s or d).path) for v, s, d in diff(src, dst, Comparison())]  # type: ignore[union-attr]
    assert got == [
        (Verdict.SKIP, "a"),
        (Verdict.UPDATE, "b"),
        (Verdict.COPY, "c"),
        (Verdict.DELETE, "d"),
        (Verdict.UPDATE, "e"),
    ]


def test_store_without_mtime_is_same_when_destination_is_newer() -> None:
    cmp = Comparison(dst_keeps_mtime=False, window=1.0)
    assert cmp.same(_o("a", mtime=100.0), _o("a", mtime=150.0)) is Verdict.SKIP
    assert cmp.same(_o("a", mtime=100.0), _o("a", mtime=99.5)) is Verdict.SKIP  # within window
    assert cmp.same(_o("a", mtime=100.0), _o("a", mtime=50.0)) is Verdict.UPDATE


def test_checksum_mode_uses_store_checksums_else_asks_for_content_check() -> None:
    cmp = Comparison(checksum=True)
    assert cmp.same(_o("a", crc32c="1"), _o("a", crc32c="1")) is Verdict.SKIP
    assert cmp.same(_o("a", crc32c="1"), _o("a", crc32c="2")) is Verdict.UPDATE
    assert cmp.same(_o("a", md5="1"), _o("a", crc32c="2")) is Verdict.CHECK
    assert cmp.same(_o("a", 1), _o("a", 2)) is Verdict.UPDATE


def test_external_sort_spills_runs_and_merges(tmp_path: Path) -> None:
    paths = [f"d{i % 7}/f{i:05d}" for i in range(5000)] + ["a-b", "a/b", "a.b"]
    random.Random(4).shuffle(paths)
    out = [i.path for i in external_sort((_o(p) for p in paths), run_size=300, tmpdir=tmp_path)]
    assert out == sorted(paths)
    assert list(tmp_path.iterdir()) == []  # spill files are gone


def test_order_check_refuses_unsorted_listing() -> None:
    with pytest.raises(TransferError, match="not in path order"):
        list(checked_order([_o("b"), _o("a")], "s3://x"))

"""Shard journals merged into the main journal while the run goes (#22): every row of every
added shard reaches the main journal by finish(), in any order and any number of shards, and
a failed merge is raised on the caller's thread. Oracle: the shard journals' own rows."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skylift.domain.transfer import TransferOptions
from skylift.transfer.journal import Journal
from skylift.transfer.scaleout.early_merge import EarlyMerge

OPTS = TransferOptions()


def _shard(folder: Path, paths: list[str]) -> None:
    with Journal.open(folder, "s3://a", "s3://b", OPTS) as j:
        for i, path in enumerate(paths):
            j.record_done(path, i, 1.7e9, f"{i:032x}")


def _rows(path: Path) -> set[tuple[str, int]]:
    db = sqlite3.connect(path)
    try:
        return set(db.execute("SELECT path, size FROM done"))
    finally:
        db.close()


@given(st.lists(st.lists(st.text("ab/é", min_size=1, max_size=5), max_size=30), max_size=6))
@settings(max_examples=40, deadline=None)
def test_every_added_shard_is_in_the_main_journal_after_finish(
    tmp_path_factory: pytest.TempPathFactory, shards: list[list[str]]
) -> None:
    root = tmp_path_factory.mktemp("merge")
    folders = []
    for n, paths in enumerate(shards):
        folders.append(root / f"shard-{n}")
        _shard(folders[-1], sorted(set(paths)))
    expected: set[tuple[str, int]] = set()
    for folder in folders:
        for part in folder.glob("*.sqlite"):
            expected |= _rows(part)
    with Journal.open(root / "main", "s3://a", "s3://b", OPTS) as main, EarlyMerge(main) as m:
        for folder in reversed(folders):  # shards end in any order
            m.add(folder)
        copied = m.finish()
        path = main.path
    got = _rows(path)
    assert {p for p, _ in got} == {p for p, _ in expected}  # the same paths, each once
    assert copied == sum(len(_rows(p)) for f in folders for p in f.glob("*.sqlite"))


def test_a_failed_merge_is_raised_by_finish(tmp_path: Path) -> None:
    _shard(tmp_path / "ok", ["a"])
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "x.sqlite").write_bytes(b"not a database" * 100)
    with Journal.open(tmp_path / "main", "s3://a", "s3://b", OPTS) as main, EarlyMerge(main) as m:
        m.add(broken)
        m.add(tmp_path / "ok")
        with pytest.raises(sqlite3.DatabaseError):
            m.finish()

"""How much a crash can lose: finished objects are committed in batches of 512 rows or
every second, parts as each lands (against mutmut's survivors in transfer/journal.py).

A second connection stands in for the next run after a SIGKILL: what it sees is what
was committed.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from skylift.storage.base import MultipartUpload, PartInfo
from skylift.transfer.journal import Journal


def _committed(path: Path) -> list[tuple[str, str, int]]:
    with sqlite3.connect(path) as db:
        return db.execute("SELECT path, shard, size FROM done ORDER BY path").fetchall()


def test_a_full_batch_of_finished_objects_is_committed_at_once(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    journal = Journal(path)
    names = [f"d{i // 100}/f{i:04d}" for i in range(512)]
    for name in names:
        journal.record_done(name, 1, 2.0, "c")
    committed = _committed(path)  # the journal is still open: nothing flushed it by hand
    assert [row[0] for row in committed] == sorted(names)
    assert {row[1] for row in committed} == {f"d{i}" for i in range(6)}  # shard: first segment
    journal.close()


def test_finished_objects_are_committed_within_a_second(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    journal = Journal(path)
    journal.record_done("top.bin", 7, None, "c")
    time.sleep(1.05)
    journal.record_done("later.bin", 8, None, "c")
    assert _committed(path) == [("later.bin", "", 8), ("top.bin", "", 7)]
    journal.close()


def test_a_part_is_committed_as_it_lands(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    journal = Journal(path)
    upload = MultipartUpload("big.bin", "u-1")
    journal.start_upload(upload, 10, 3.0, 5)
    journal.record_part("big.bin", PartInfo(1, 5, "e1"), "c1", "p1")
    other = Journal(path)  # the next run, while this one is still going
    found = other.in_flight("big.bin")
    assert found is not None
    assert (found.upload, found.size, found.mtime, found.part_size) == (upload, 10, 3.0, 5)
    assert found.parts == {1: (PartInfo(1, 5, "e1"), "c1")} and found.plains == {1: "p1"}
    assert other.parts_count("big.bin") == 1 and other.all_in_flight() == ["big.bin"]
    other.close()
    journal.close()


def test_the_done_cursor_gives_an_entry_only_for_the_same_path_size_and_mtime() -> None:
    from skylift.transfer.journal import DoneCursor, DoneEntry

    entries = [DoneEntry("b", 3, 1.0, "cb", "pb"), DoneEntry("d", 4, None, "cd")]
    cursor = DoneCursor(iter(entries))
    assert cursor.entry("a", 3, 1.0) is None  # not journaled: not the next path's entry
    assert cursor.entry("b", 3, 2.0) is None  # another version of b
    assert cursor.entry("c", 3, 1.0) is None
    assert cursor.entry("d", 4, None) == entries[1]
    assert cursor.entry("e", 1, None) is None  # past the end

"""The journal's failure handling, narrowed (#12).

* Only SQLite's answers that the file cannot be written any more (full, I/O error,
  read-only, corrupt, not a database, cannot open) stop the journal recording; any
  other error ("no such table": a bug) is raised, as an internal error, instead of
  being taken for a full disk.
* Two damaged journals set aside in the same second keep both files (they shared the
  name ``NAME.damaged-SECONDS`` and the second overwrote the first).

Faults are SQLite's own (``query_only``, ``max_page_count``, a missing table); the
clock is fixed so that "the same second" is certain.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from skylift.transfer import journal as journal_module
from skylift.transfer.journal import Journal


def test_an_error_that_is_a_bug_is_raised_not_taken_for_a_full_disk(tmp_path: Path) -> None:
    with Journal(tmp_path / "j.sqlite") as journal:
        with pytest.raises(sqlite3.OperationalError, match="no such table"), journal._lock:
            journal._write_locked(
                lambda: journal._db.execute("INSERT INTO no_such_table VALUES (1)")
            )
        assert journal.unwritable is None
        journal.record_done("a", 1, 1.0, "c")  # it still records
        journal.flush()
        assert [e.path for e in journal.done_entries()] == ["a"]


def test_a_read_only_journal_stops_recording(tmp_path: Path) -> None:
    with Journal(tmp_path / "j.sqlite") as journal:
        journal._db.execute("PRAGMA query_only = ON")  # SQLite: SQLITE_READONLY
        journal.record_done("a", 1, 1.0, "c")
        journal.flush()
        assert journal.unwritable is not None and "readonly" in journal.unwritable


@pytest.mark.parametrize(
    ("code", "unwritable"),
    [
        (sqlite3.SQLITE_FULL, True),
        (sqlite3.SQLITE_IOERR, True),
        (sqlite3.SQLITE_IOERR | (4 << 8), True),  # SQLITE_IOERR_WRITE, an extended code
        (sqlite3.SQLITE_READONLY, True),
        (sqlite3.SQLITE_CORRUPT, True),
        (sqlite3.SQLITE_NOTADB, True),
        (sqlite3.SQLITE_CANTOPEN, True),
        (sqlite3.SQLITE_ERROR, False),  # "no such table", a syntax error: a bug
        (sqlite3.SQLITE_MISUSE, False),
        (None, False),
    ],
)
def test_which_sqlite_codes_mean_unwritable(code: int | None, unwritable: bool) -> None:
    exc = sqlite3.OperationalError("what SQLite said")
    exc.sqlite_errorcode = code  # type: ignore[misc]
    assert journal_module._cannot_write(exc) is unwritable


def test_two_journals_set_aside_in_the_same_second_are_both_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(time, "time", lambda: 1_700_000_000.5)
    path = tmp_path / "j.sqlite"
    asides = []
    for n in range(3):
        path.write_bytes(f"damaged file {n}\n".encode() * 64)
        with Journal(path) as journal:
            assert journal.set_aside is not None
            asides.append(journal.set_aside[0])
    assert len(set(asides)) == 3
    for n, aside in enumerate(asides):
        assert aside.read_bytes().startswith(f"damaged file {n}".encode())
    assert [a.name for a in asides] == [
        "j.sqlite.damaged-1700000000",
        "j.sqlite.damaged-1700000000-2",
        "j.sqlite.damaged-1700000000-3",
    ]

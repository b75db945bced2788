"""A journal file SQLite cannot read (not a database, or corrupt) is moved aside with its
``-wal``/``-shm`` and a new one started (#12: every later run ended with exit 70,
"internal error: DatabaseError: file is not a database"); a journal that cannot be
opened for another reason stays a configuration error."""

from __future__ import annotations

from pathlib import Path

import pytest

from skylift.errors import ConfigError
from skylift.transfer.journal import Journal


def _used(path: Path) -> None:
    with Journal(path) as journal:
        journal.record_done("a", 1, 1.0, "c1")


def test_a_file_that_is_not_a_database_is_moved_aside(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    path.write_bytes(b"not a database at all\n" * 64)
    (tmp_path / "j.sqlite-wal").write_bytes(b"an old log")  # must not be replayed
    journal = Journal(path)
    try:
        assert journal.set_aside is not None
        aside, why = journal.set_aside
        assert "not a database" in why
        assert aside.read_bytes().startswith(b"not a database at all")
        wal = Path(f"{path}-wal")  # the new journal's log is not the old one
        assert not wal.exists() or not wal.read_bytes().startswith(b"an old log")
        journal.record_done("x", 2, 2.0, "c2")
        journal.flush()
        assert [e.path for e in journal.done_entries()] == ["x"]
    finally:
        journal.close()


def test_a_corrupt_database_is_moved_aside(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    _used(path)
    data = bytearray(path.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)  # the first page after the header: the schema
    path.write_bytes(bytes(data))
    with Journal(path) as journal:
        assert journal.set_aside is not None
        assert list(journal.done_entries()) == []


def test_a_whole_journal_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    _used(path)
    with Journal(path) as journal:
        assert journal.set_aside is None
        assert [e.path for e in journal.done_entries()] == ["a"]


def test_a_journal_that_cannot_be_opened_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "j.sqlite").mkdir()  # a folder where the file should be
    with pytest.raises(ConfigError, match="cannot open the transfer journal"):
        Journal(tmp_path / "j.sqlite")

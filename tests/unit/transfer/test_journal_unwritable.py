"""A journal that cannot be written any more (SQLite's "database or disk is full") stops
recording instead of failing the run (#12: a full disk under the journal ended a
complete run with exit 70, "cannot rollback - no transaction is active", or failed the
objects whose rows it could not write). The fault is SQLite's own: ``max_page_count``
caps the file, as a full file system would."""

from __future__ import annotations

from pathlib import Path

from skylift.storage.base import MultipartUpload, PartInfo
from skylift.transfer.journal import Journal


def _capped(path: Path) -> Journal:
    journal = Journal(path)
    journal.record_done("kept", 1, 1.0, "c")
    journal.flush()
    pages = journal._db.execute("PRAGMA page_count").fetchone()[0]
    journal._db.execute(f"PRAGMA max_page_count = {pages}")  # no room to grow
    return journal


def test_a_full_journal_stops_recording_and_raises_nothing(tmp_path: Path) -> None:
    journal = _capped(tmp_path / "j.sqlite")
    for i in range(3000):  # several batches: every flush after the first failure is skipped
        journal.record_done(f"obj{i:05d}", 100, 1.0, "x" * 64)
    journal.flush()
    assert journal.unwritable is not None and "full" in journal.unwritable
    upload = MultipartUpload("big", "upload-1")
    journal.start_upload(upload, 10, 1.0, 5)
    journal.record_part("big", PartInfo(1, 5, "etag"), "c1")
    journal.end_upload("big")
    journal.forget("kept")
    journal.close()
    with Journal(tmp_path / "j.sqlite") as again:  # what was committed before stands
        assert [e.path for e in again.done_entries()] == ["kept"]
        assert again.unwritable is None


def test_a_journal_with_room_records_everything(tmp_path: Path) -> None:
    with Journal(tmp_path / "j.sqlite") as journal:
        for i in range(600):
            journal.record_done(f"obj{i:05d}", 100, 1.0, "x" * 64)
        journal.flush()
        assert journal.unwritable is None
        assert len(list(journal.done_entries())) == 600

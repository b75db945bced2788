"""A journal whose close fails after the manifest went up (#12, review of close_soon):
the data is complete, so the run succeeds with a warning naming the journal (it raised,
and the CLI exited 70); the destination's lock and the manifest spool are still
released, so the next run (in the same process: tests, ``skylift serve``) is not
refused as "being written by another skylift transfer"."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from skylift.domain.transfer import TransferOptions
from skylift.storage.memory import MemoryStorage
from skylift.transfer.engine import run_transfer
from skylift.transfer.journal import Journal
from skylift.transfer.manifest import MANIFEST_NAME
from tests.unit.transfer.conftest import new_url


def test_a_failed_journal_close_still_releases_the_lock(
    mem: list[str], journal_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src, dst = new_url(mem), new_url(mem)
    MemoryStorage(src).write("a", b"1")
    close = Journal.close

    def failing_in_its_thread(self: Journal) -> None:
        if threading.current_thread().name == "skylift-journal-close":
            raise sqlite3.OperationalError("disk I/O error")  # e.g. the checkpoint's sync
        close(self)

    monkeypatch.setattr(Journal, "close", failing_in_its_thread)
    done = run_transfer(src, dst, TransferOptions(), journal_dir)
    assert (done.ok, done.transferred, done.manifest) == (True, 1, MANIFEST_NAME)
    (warning,) = done.warnings
    assert "could not close the transfer journal" in warning and "disk I/O error" in warning
    assert str(next(journal_dir.glob("*.sqlite"))) in warning
    assert MemoryStorage(dst).exists(MANIFEST_NAME)  # published before the close failed
    monkeypatch.setattr(Journal, "close", close)
    result = run_transfer(src, dst, TransferOptions(), journal_dir)  # was: destination busy
    assert result.failed == 0

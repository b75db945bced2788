"""A run that fails between taking the destination lock and its first copy (sweeping a
crashed run's temp files, here) still releases the lock and closes its journal (#12):
the next run in the same process (tests, a long-lived caller) was refused as "being
written by another skylift transfer". The failing store is a real memory store whose
sweep raises, as an SFTP store's listing can; nothing is monkeypatched."""

from __future__ import annotations

from pathlib import Path

import pytest

from skylift.domain.transfer_options import TransferOptions
from skylift.errors import ProviderError
from skylift.storage.memory import MemoryStorage
from skylift.transfer.engine import run_transfer
from tests.unit.transfer.conftest import new_url


class SweepFails(MemoryStorage):
    """A memory store whose sweep of leftover temp files fails (the server went away)."""

    def sweep_leftovers(self, older_than: float) -> None:
        raise ProviderError("connection lost while sweeping leftovers", "retry")


def test_a_failed_setup_releases_the_lock(mem: list[str], journal_dir: Path) -> None:
    src, dst = new_url(mem), new_url(mem)
    MemoryStorage(src).write("a", b"1")
    with pytest.raises(ProviderError, match="sweeping"):
        run_transfer(src, dst, TransferOptions(), journal_dir, dst=SweepFails(dst))
    result = run_transfer(src, dst, TransferOptions(), journal_dir)  # was: destination busy
    assert (result.ok, result.transferred) == (True, 1)

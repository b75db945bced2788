"""Multipart uploads a scaled-out run leaves journaled in shard folders it does not plan
again (#22): a driver killed after a straggler split, re-run with other ranges, starts the
object's upload afresh in another shard; the first upload's id is only in the old shard
journal, which the successful run deletes with its run folder. Without an abort the
upload stays on the destination (S3 keeps and bills its parts until a lifecycle rule)."""

from __future__ import annotations

from pathlib import Path

import pytest

from skylift.domain.transfer import TransferOptions
from skylift.storage.base import NotFoundError
from skylift.storage.memory import drop_memory_store
from skylift.storage.registry import open_storage
from skylift.transfer.journal import Journal
from skylift.transfer.scaleout.merge import abort_leftover_uploads


def test_uploads_left_in_shard_journals_are_aborted(tmp_path: Path) -> None:
    dst = open_storage("memory://leftover-dst")
    try:
        run_dir = tmp_path / "scaleout" / "run"
        live = []
        for n, key in enumerate(["big/a.bin", "big/b.bin"]):
            upload = dst.create_multipart(key)
            dst.upload_part(upload, 1, b"x" * 10)
            # one journal closed cleanly, one left open as by a killed worker (WAL kept)
            journal = Journal.open(
                run_dir / f"shard-{n:016x}",
                "memory://s",
                "memory://leftover-dst",
                TransferOptions(),
            )
            journal.start_upload(upload, 20, 1.0, 10)
            if n == 0:
                journal.close()
            live.append((upload, journal))
        assert abort_leftover_uploads(run_dir, dst) == 2
        for upload, _journal in live:
            with pytest.raises(NotFoundError):
                dst.list_parts(upload)
        assert abort_leftover_uploads(tmp_path / "nothing", dst) == 0
        live[1][1].close()
    finally:
        drop_memory_store("leftover-dst")

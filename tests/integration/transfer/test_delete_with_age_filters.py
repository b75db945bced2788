"""``--delete`` with ``--max-age``/``--min-size`` never deletes what the source still has (#12).

The age and size filters were applied to each side on its own. An object
store keeps no source mtime: its objects are as old as their upload. So
``transfer SRC s3://b/x --max-age 1d --delete`` listed ``old.txt`` (modified
in 2020) at the source as too old, but its copy at S3 (uploaded today) as
new enough — missing at the source, it was deleted, although the source still
has it. rclone does not delete it (it keeps the source mtime in metadata).
A destination object is now deleted only if the source has no object at
that path at all; what the age/size filters leave out is neither copied nor
deleted.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any

import pytest

from skylift.domain.transfer import TransferOptions
from skylift.storage.registry import open_storage
from skylift.transfer.engine import run_transfer
from tests.integration.servers import ServerInfo

OLD = 1_577_836_800  # 2020-01-01


@pytest.mark.servers
def test_max_age_with_delete_keeps_old_source_files_on_an_object_store(
    tmp_path: Path, s3_server: ServerInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    for k, v in s3_server.env.items():
        monkeypatch.setenv(k, v)
    src = tmp_path / "src"
    src.mkdir()
    (src / "old.txt").write_text("old but still here")
    os.utime(src / "old.txt", (OLD, OLD))
    (src / "new.txt").write_text("new")
    dst_url = f"{s3_server.url}/{uuid.uuid4().hex[:8]}"
    remotes: Any = {s3_server.url: s3_server.options}
    first = run_transfer(str(src), dst_url, TransferOptions(), tmp_path / "j", remotes=remotes)
    assert first.ok and first.transferred == 2
    dst = open_storage(dst_url, **s3_server.options)
    dst.write("gone.txt", b"deleted at the source")  # recent at DST, absent at SRC
    sync = TransferOptions(delete=True, max_age=86400.0)
    result = run_transfer(str(src), dst_url, sync, tmp_path / "j", remotes=remotes)
    assert result.ok, result.failures
    assert result.deleted == 1 and result.transferred == 0
    assert sorted(i.path for i in dst.list() if i.path[0] != ".") == ["new.txt", "old.txt"]


def test_size_filters_with_delete_keep_what_the_source_has(tmp_path: Path) -> None:
    src, dst = tmp_path / "src", tmp_path / "dst"
    src.mkdir()
    dst.mkdir()
    (src / "big.bin").write_bytes(b"x" * 4096)  # too big for --max-size 1K: not copied
    (dst / "big.bin").write_bytes(b"older, smaller copy")  # ... and not deleted either
    (src / "a.txt").write_text("a")
    (dst / "stale.txt").write_text("absent at the source: deleted")
    sync = TransferOptions(delete=True, max_size=1024)
    result = run_transfer(str(src), str(dst), sync, tmp_path / "j")
    assert result.ok, result.failures
    assert (result.transferred, result.deleted) == (1, 1)
    assert sorted(p.name for p in dst.iterdir()) == [".skylift-manifest.jsonl", "a.txt", "big.bin"]
    assert (dst / "big.bin").read_bytes() == b"older, smaller copy"

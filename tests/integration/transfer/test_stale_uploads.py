"""Multipart uploads left for objects a later run does not send are aborted (#12).

A run killed (or failed) mid-upload leaves its upload in the journal and its
parts at the destination, for the next run to resume. When that object is
gone from the source (or excluded, or found identical), the next run never
touches the upload again: 89 MB of ``.skylift-parts`` stayed in a local
destination after a successful re-run (on S3: an incomplete upload, billed
for good). A run in which every object succeeded now aborts the uploads its
journal still lists.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any

import pytest

from skylift.domain.transfer import TransferOptions
from skylift.storage.base import PermissionDeniedError
from skylift.storage.local import LocalStorage
from skylift.storage.registry import open_storage
from skylift.transfer.engine import run_transfer
from skylift.transfer.journal import Journal
from tests.integration.servers import ServerInfo

MIB = 1 << 20
PART = 5 * MIB
OPTS = TransferOptions(multipart_threshold=PART, part_size=PART, jobs=1)


class FailsAtPart3(LocalStorage):
    """A source whose read of part 3 of ``big.bin`` fails (the run stops there)."""

    def read(self, path: str, start: int = 0, end: int | None = None) -> bytes:
        if path == "big.bin" and start == 2 * PART:
            raise PermissionDeniedError("injected: the disk went away")
        return super().read(path, start, end)


def _half_done(tmp_path: Path, dst: str, remotes: Any = None) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    (src / "big.bin").write_bytes(os.urandom(4 * PART))
    (src / "a.txt").write_text("a")
    first = run_transfer(
        str(src), dst, OPTS, tmp_path / "j", src=FailsAtPart3(str(src)), remotes=remotes
    )
    assert [f.path for f in first.failures] == ["big.bin"]
    (src / "big.bin").unlink()  # gone before the re-run
    return src


def _in_flight(journal_dir: Path) -> list[str]:
    (path,) = journal_dir.glob("*.sqlite")
    with Journal(path) as journal:
        return journal.all_in_flight()


def test_a_local_destination_keeps_no_parts_of_an_object_the_rerun_does_not_send(
    tmp_path: Path,
) -> None:
    dst = tmp_path / "dst"
    src = _half_done(tmp_path, str(dst))
    assert (dst / ".skylift-parts").exists() and _in_flight(tmp_path / "j") == ["big.bin"]
    again = run_transfer(str(src), str(dst), OPTS, tmp_path / "j")
    assert again.ok, again.failures
    assert not (dst / ".skylift-parts").exists()
    assert _in_flight(tmp_path / "j") == []


@pytest.mark.servers
def test_an_s3_destination_keeps_no_incomplete_upload(
    tmp_path: Path, moto_server: ServerInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    import botocore.session

    for k, v in moto_server.env.items():
        monkeypatch.setenv(k, v)
    prefix = uuid.uuid4().hex[:8]
    dst = f"{moto_server.url}/{prefix}"
    remotes = {moto_server.url: moto_server.options}
    src = _half_done(tmp_path, dst, remotes)
    client = botocore.session.get_session().create_client(
        "s3", endpoint_url=moto_server.endpoint, region_name="us-east-1"
    )

    def uploads() -> list[str]:
        found = client.list_multipart_uploads(Bucket="bucket", Prefix=f"{prefix}/")
        return [u["Key"] for u in found.get("Uploads", [])]

    assert uploads() == [f"{prefix}/big.bin"]
    assert run_transfer(str(src), dst, OPTS, tmp_path / "j", remotes=remotes).ok
    assert uploads() == []
    listed = {i.path for i in open_storage(dst, **moto_server.options).list()}
    assert listed - {".skylift-manifest.jsonl"} == {"a.txt"}
    client.close()

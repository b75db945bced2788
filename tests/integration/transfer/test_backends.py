"""Round trip through every real backend: local → store → verify --checksum → local.

Each server is started on 127.0.0.1 by the storage fixtures; the object set
mixes small files, an empty file, nested keys and one file large enough to
go through the multipart path.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from skylift.domain.transfer import TransferOptions
from skylift.transfer.engine import run_transfer
from skylift.verify import verify
from tests.integration.servers import ServerInfo

MIB = 1 << 20
pytestmark = pytest.mark.servers


@pytest.mark.parametrize(
    "fixture", ["moto_server", "azurite_server", "gcs_server", "sftp_server", "sftp_vfs_server"]
)
def test_round_trip_and_sync(
    fixture: str,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server: ServerInfo = request.getfixturevalue(fixture)
    for key, value in server.env.items():
        monkeypatch.setenv(key, value)
    src = tmp_path / "src"
    (src / "a" / "b").mkdir(parents=True)
    objects = {
        "a/b/deep.txt": b"deep",
        "a-b.txt": b"sorts before a/ in key order",
        "empty": b"",
        "big.bin": os.urandom(12 * MIB + 3),
    }
    for path, data in objects.items():
        (src / path).write_bytes(data)
    remote = f"{server.url}/{uuid.uuid4().hex[:10]}"
    remotes = {server.url: server.options}
    opts = TransferOptions(multipart_threshold=6 * MIB, part_size=5 * MIB, jobs=4)
    up = run_transfer(str(src), remote, opts, tmp_path / "j", remotes=remotes)
    assert up.ok, up.failures
    assert up.transferred == len(objects)
    check = verify(str(src), remote, TransferOptions(checksum=True), remotes=remotes)
    assert check.matches and check.ok == len(objects), check
    again = run_transfer(str(src), remote, opts, tmp_path / "j", remotes=remotes)
    assert (again.transferred, again.skipped) == (0, len(objects))
    (src / "empty").unlink()
    synced = run_transfer(
        str(src), remote, TransferOptions(delete=True), tmp_path / "j", remotes=remotes
    )
    assert synced.deleted == 1
    back = tmp_path / "back"
    down = run_transfer(remote, str(back), opts, tmp_path / "j", remotes=remotes)
    assert down.ok, down.failures
    for path, data in objects.items():
        if path != "empty":
            assert (back / path).read_bytes() == data
    assert not (back / "empty").exists()

"""Two real SFTP servers, one folder name with an '@' after the port (#12, review): the
runs used to share one lock and one resume journal (both keyed 'sftp://…@example.com/f'),
so the second server was refused as busy while the first ran, and once the first had
finished, the second run resumed from its journal."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from skylift.domain.transfer import TransferOptions
from skylift.storage.registry import open_storage
from skylift.transfer.engine import run_transfer
from skylift.transfer.lock import DestinationLock
from tests.integration.servers import SFTP_PASSWORD, ServerInfo

pytestmark = pytest.mark.servers


def test_two_servers_with_an_at_in_the_path_get_their_own_lock_and_journal(
    tmp_path: Path,
    sftp_server: ServerInfo,
    sftp_vfs_server: ServerInfo,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for k, v in sftp_server.env.items():
        monkeypatch.setenv(k, v)
    name = f"{uuid.uuid4().hex[:8]}/me@example.com/f"
    first, second = (f"{s.url}/{name}" for s in (sftp_server, sftp_vfs_server))
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text("a")
    remotes = {"sftp": dict(sftp_server.options)}
    journals = tmp_path / "j"
    with DestinationLock(journals, first):  # a run to the first server is going on
        result = run_transfer(str(src), second, TransferOptions(), journals, remotes=remotes)
    assert result.ok, result.failures  # not "being written by another skylift transfer"
    result = run_transfer(str(src), first, TransferOptions(), journals, remotes=remotes)
    assert result.ok, result.failures
    for url in (first, second):  # each server got the file (read through it: a VFS cache)
        store = open_storage(url, **sftp_server.options)
        assert store.read("a.txt") == b"a"
        store.close()
    assert len(list(journals.glob("*.sqlite"))) == 2  # one resume journal per server
    for file in journals.rglob("*"):  # no password in any journal or lock file
        if file.is_file():
            assert SFTP_PASSWORD.encode() not in file.read_bytes()

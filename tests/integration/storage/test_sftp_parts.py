"""SFTP multipart layouts: parts written in place where the server allows offset writes."""

from __future__ import annotations

import pytest

from skylift.storage.registry import open_storage
from skylift.storage.sftp.backend import SftpStorage
from tests.integration.servers import ServerInfo

pytestmark = pytest.mark.servers

SIZE = 256 << 10


def _open(server: ServerInfo, monkeypatch: pytest.MonkeyPatch, root: str) -> SftpStorage:
    for key, value in server.env.items():
        monkeypatch.setenv(key, value)
    store = open_storage(f"{server.url}/{root}", **server.options)
    assert isinstance(store, SftpStorage)
    return store


def _names(store: SftpStorage, folder: str) -> list[str]:
    """What the server shows in a folder (its VFS cache may not be on disk yet)."""
    return sorted(store.conn.sftp().listdir(store.remote(folder)))


def test_in_place_upload_resumes_and_publishes_without_part_files(
    sftp_vfs_server: ServerInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    parts = [b"a" * SIZE, b"b" * SIZE, b"c" * 100]
    first = _open(sftp_vfs_server, monkeypatch, "inplace")
    upload = first.create_multipart("dir/big.bin", part_size=SIZE)
    first.upload_part(upload, 2, parts[1])
    names = _names(first, f"dir/.skylift-parts/{upload.upload_id}")
    assert names[0] == "00002." + first.list_parts(upload)[0].etag + f".{SIZE}"
    assert "data" in names and f"inplace-{SIZE}" in names
    first.close()

    second = _open(sftp_vfs_server, monkeypatch, "inplace")
    done = {p.number: p for p in second.list_parts(upload)}
    assert set(done) == {2}
    for number in (3, 1):
        done[number] = second.upload_part(upload, number, parts[number - 1])
    info = second.complete_multipart(upload, [done[n] for n in (1, 2, 3)], mtime=1_500_000_000)
    assert info.size == 2 * SIZE + 100
    assert second.read("dir/big.bin") == b"".join(parts)
    assert second.stat("dir/big.bin").mtime == pytest.approx(1_500_000_000, abs=1)
    assert [o.path for o in second.list()] == ["dir/big.bin"]
    with pytest.raises(FileNotFoundError):
        _names(second, f"dir/.skylift-parts/{upload.upload_id}")
    second.close()


def test_in_place_refuses_oversized_or_gapped_parts(
    sftp_vfs_server: ServerInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    from skylift.errors import InputError, ProviderError

    store = _open(sftp_vfs_server, monkeypatch, "inplace-bad")
    upload = store.create_multipart("x.bin", part_size=SIZE)
    with pytest.raises(InputError):
        store.upload_part(upload, 1, b"x" * (SIZE + 1))
    one = store.upload_part(upload, 1, b"x" * 10)  # a short part that is not the last
    two = store.upload_part(upload, 2, b"y" * 10)
    with pytest.raises(ProviderError):
        store.complete_multipart(upload, [one, two])
    store.abort_multipart(upload)
    assert not store.exists("x.bin")
    store.close()


def test_servers_without_offset_writes_fall_back_to_part_files(
    sftp_server: ServerInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = _open(sftp_server, monkeypatch, "fallback")
    upload = store.create_multipart("f.bin", part_size=SIZE)
    part = store.upload_part(upload, 1, b"z" * 10)
    assert sftp_server.data_dir is not None
    folder = sftp_server.data_dir / "fallback" / ".skylift-parts" / upload.upload_id
    assert sorted(p.name for p in folder.iterdir()) == [f"00001.{part.etag}"]
    store.complete_multipart(upload, [part])
    assert store.read("f.bin") == b"z" * 10
    store.close()


def test_part_files_of_several_mib_concatenate(
    sftp_server: ServerInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression: pipelined writes sharing a channel with part reads lost acks (hung)."""
    store = _open(sftp_server, monkeypatch, "big-parts")
    data = [bytes([n]) * (4 << 20) for n in (1, 2, 3)]
    upload = store.create_multipart("big.bin")
    parts = [store.upload_part(upload, n, data[n - 1]) for n in (1, 2, 3)]
    assert store.complete_multipart(upload, parts).size == 12 << 20
    assert store.read("big.bin", (4 << 20) - 1, (4 << 20) + 1) == b"\x01\x02"
    store.close()

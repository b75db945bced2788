"""Rollback of encrypted objects caught on stores that keep no mtimes (issue 12).

On S3 (``rclone serve s3``, moto) the listed mtime is the upload time, so the
authenticated version stamp of an encrypted object cannot be checked against
the listing. An older version put back — a small object and a multipart one,
with their old mtime where the store keeps it (local) — must still fail to
decode: the sealed manifest the last encrypted run published names every
object's version and plaintext digest.
"""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

import pytest

from skylift.domain.transfer import TransferOptions
from skylift.storage.registry import open_storage
from skylift.transfer.engine import run_transfer
from tests.integration.servers import ServerInfo

MIB = 1 << 20
KEY = os.urandom(32)
pytestmark = pytest.mark.servers


def _target(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path, mp: pytest.MonkeyPatch
) -> tuple[str, dict[str, dict[str, str]]]:
    if backend == "local":
        return str(tmp_path / "vault"), {}
    server: ServerInfo = request.getfixturevalue(backend)
    for key, value in server.env.items():
        mp.setenv(key, value)
    return f"{server.url}/{uuid.uuid4().hex[:10]}", {server.url: server.options}


@pytest.mark.parametrize("backend", ["s3_server", "moto_server", "local"])
def test_an_older_encrypted_version_put_back_fails_to_decode(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    vault, remotes = _target(backend, request, tmp_path, monkeypatch)
    # object stores compare by "DST not older than SRC": version 2 must look newer than
    # the upload of version 1 (taken now, not at collection: the suite may run for minutes)
    v1, v2 = time.time() - 3600, time.time() + 120
    src = tmp_path / "src"
    src.mkdir()
    opts = TransferOptions(encrypt=True, multipart_threshold=6 * MIB, part_size=5 * MIB)
    versions = {
        name: [os.urandom(size), os.urandom(size)]
        for name, size in (("small.txt", 1000), ("big.bin", 6 * MIB + 5))
    }
    journal = tmp_path / "journal"
    store = open_storage(vault, **remotes.get(vault.rsplit("/", 1)[0], {}))
    old: dict[str, bytes] = {}
    for generation, mtime in enumerate((v1, v2)):
        for name, data in versions.items():
            (src / name).write_bytes(data[generation])
            os.utime(src / name, (mtime, mtime))
        run = run_transfer(str(src), vault, opts, journal, key=KEY, remotes=remotes)
        assert run.ok and run.transferred == 2, run.failures
        if generation == 0:
            old = {name: store.read(name) for name in versions}
    back = tmp_path / "back"
    dec = TransferOptions(decode=True, multipart_threshold=6 * MIB)
    fine = run_transfer(vault, str(back), dec, journal, key=KEY, remotes=remotes)
    assert fine.ok and fine.warnings_count == 0, fine
    assert {n: (back / n).read_bytes() for n in versions} == {n: v[1] for n, v in versions.items()}
    for name, data in old.items():
        store.write(name, data, mtime=v1)  # put back, with its old mtime where kept
    again = tmp_path / "again"
    result = run_transfer(vault, str(again), dec, journal, key=KEY, remotes=remotes)
    assert result.failed == 2, result
    assert all("rolled back" in f.error for f in result.failures)
    assert not again.exists() or not any(again.iterdir())  # nothing half-written
    store.close()

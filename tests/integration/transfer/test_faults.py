"""Faults against a real S3 server (``rclone serve s3``) without false failures."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from skylift.domain.transfer import TransferOptions
from skylift.storage.registry import open_storage
from skylift.transfer.engine import run_transfer
from tests.integration.servers import FaultProxy, ServerInfo

MIB = 1 << 20
pytestmark = pytest.mark.servers


def _is_complete_multipart(chunk: bytes) -> bool:
    line = chunk.split(b"\r\n", 1)[0]
    return line.startswith(b"POST ") and b"uploadId=" in line and b"partNumber" not in line


@pytest.fixture
def lossy(s3_server: ServerInfo) -> Iterator[FaultProxy]:
    port = int(s3_server.endpoint.rsplit(":", 1)[1])
    proxy = FaultProxy(port, _is_complete_multipart)
    yield proxy
    proxy.close()


def test_lost_complete_multipart_response_is_not_a_failure(
    tmp_path: Path, s3_server: ServerInfo, lossy: FaultProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    for k, v in s3_server.env.items():
        monkeypatch.setenv(k, v)
    src = tmp_path / "src"
    src.mkdir()
    data = os.urandom(12 * MIB + 3)
    (src / "big.bin").write_bytes(data)
    dst = f"{s3_server.url}/{uuid.uuid4().hex[:8]}"
    remotes = {s3_server.url: {**s3_server.options, "endpoint": lossy.endpoint}}
    opts = TransferOptions(multipart_threshold=5 * MIB, part_size=5 * MIB)
    result = run_transfer(str(src), dst, opts, tmp_path / "j", remotes=remotes)
    assert lossy.dropped == 1  # the fault happened
    assert result.ok, result.failures
    assert result.transferred == 1 and result.manifest is not None
    assert open_storage(dst, **s3_server.options).read("big.bin") == data


def test_sftp_temp_files_a_killed_run_left_are_removed_by_the_next_run(
    tmp_path: Path, sftp_server: ServerInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    for k, v in sftp_server.env.items():
        monkeypatch.setenv(k, v)
    assert sftp_server.data_dir is not None
    name = uuid.uuid4().hex[:8]
    dst = f"{sftp_server.url}/{name}"
    # made through the server (rclone caches listings: files made behind its back may not show)
    store = open_storage(dst, **sftp_server.options)
    store.write("sub/b.txt", b"b")
    stale_remote = store.remote("sub/.skylift-tmp-0123456789abcdef")  # type: ignore[attr-defined]
    old = time.time() - 3600

    def plant(sftp: Any) -> None:
        with sftp.open(stale_remote, "wb") as fh:
            fh.write(b"half a file")
        sftp.utime(stale_remote, (old, old))

    store.call("sub", plant)  # type: ignore[attr-defined]
    store.close()
    stale = sftp_server.data_dir / name / "sub" / ".skylift-tmp-0123456789abcdef"
    assert stale.exists()
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    (src / "sub" / "a.txt").write_text("a")
    remotes = {"sftp": dict(sftp_server.options)}
    result = run_transfer(str(src), dst, TransferOptions(), tmp_path / "j", remotes=remotes)
    assert result.ok, result.failures
    assert not stale.exists()
    assert (sftp_server.data_dir / name / "sub" / "a.txt").read_text() == "a"


def test_objects_below_the_threshold_go_in_one_put_not_a_hidden_multipart(
    tmp_path: Path, s3_server: ServerInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    for k, v in s3_server.env.items():
        monkeypatch.setenv(k, v)
    lines: list[bytes] = []

    def record(chunk: bytes) -> bool:
        if chunk[:4] in (b"PUT ", b"POST"):
            lines.append(chunk.split(b"\r\n", 1)[0])
        return False

    proxy = FaultProxy(int(s3_server.endpoint.rsplit(":", 1)[1]), record)
    try:
        src = tmp_path / "src"
        src.mkdir()
        data = os.urandom(12 * MIB)
        (src / "mid.bin").write_bytes(data)
        dst = f"{s3_server.url}/{uuid.uuid4().hex[:8]}"
        remotes = {s3_server.url: {**s3_server.options, "endpoint": proxy.endpoint}}
        result = run_transfer(str(src), dst, TransferOptions(), tmp_path / "j", remotes=remotes)
    finally:
        proxy.close()
    assert result.ok, result.failures
    uploads = [line for line in lines if b"mid.bin" in line]
    assert len(uploads) == 1 and b"uploadId" not in uploads[0], uploads
    assert open_storage(dst, **s3_server.options).read("mid.bin") == data


def test_the_threshold_is_measured_for_an_object_store(
    s3_server: ServerInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    from skylift.transfer.threshold import HIGH, choose_threshold, measure_rtt

    for k, v in s3_server.env.items():
        monkeypatch.setenv(k, v)
    store = open_storage(f"{s3_server.url}/{uuid.uuid4().hex[:8]}", **s3_server.options)
    rtt = measure_rtt(store)
    assert rtt is not None
    assert choose_threshold(store, None, rtt) == HIGH  # loopback: one PUT up to 256 MiB

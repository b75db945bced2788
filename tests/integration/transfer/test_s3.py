"""The engine against a real S3 server (``rclone serve s3`` on 127.0.0.1).

Kill-and-resume of a subprocess mid multipart upload, the server restarted
mid-run, and a corrupted object caught by ``verify --checksum``.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from skylift.domain.transfer import TransferOptions
from skylift.storage.base import NotFoundError
from skylift.storage.registry import open_storage
from skylift.transfer.engine import run_transfer
from skylift.verify import verify
from tests.integration.servers import ServerInfo

MIB = 1 << 20
pytestmark = pytest.mark.servers


def _workspace(tmp_path: Path, server: ServerInfo) -> Path:
    """A workspace whose skylift.yaml carries the server's endpoint (not its credentials)."""
    ws = tmp_path / "ws"
    subprocess.run(
        [sys.executable, "-m", "skylift", "init", str(ws)], check=True, capture_output=True
    )
    opts = "".join(f"    {k}: '{v}'\n" for k, v in server.options.items())
    cfg = ws / "skylift.yaml"
    cfg.write_text(cfg.read_text() + f"\nremotes:\n  {server.url}:\n{opts}")
    return ws


def _parts(ws: Path) -> int:
    total = 0
    for db in (ws / ".skylift" / "transfers").glob("*.sqlite"):
        try:
            with sqlite3.connect(db, timeout=1) as con:
                total += con.execute("SELECT count(*) FROM parts").fetchone()[0]
        except sqlite3.Error:
            pass
    return total


def test_sigkill_then_rerun_resumes_upload_without_resending_parts(
    tmp_path: Path, s3_server: ServerInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    for k, v in s3_server.env.items():
        monkeypatch.setenv(k, v)
    ws = _workspace(tmp_path, s3_server)
    src = tmp_path / "src"
    src.mkdir()
    data = os.urandom(30 * MIB + 77)
    (src / "disk.img").write_bytes(data)
    dst = f"{s3_server.url}/{uuid.uuid4().hex[:8]}"
    env = {**os.environ, **s3_server.env}
    cmd = [sys.executable, "-m", "skylift", "--workspace", str(ws), "transfer", str(src), dst]
    cmd += ["--part-size", "5M", "--multipart-threshold", "5M", "-j", "2"]
    # 4 MiB/s: ~5 s between the 2nd part and the 7th, for a poll slowed by a loaded machine
    # (and a journal lock: connect waits up to 1 s); at 8 MiB/s it was ~2.5 s
    proc = subprocess.Popen([*cmd, "--bwlimit", "4M"], env=env, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 90
        while _parts(ws) < 2 and time.monotonic() < deadline:
            assert proc.poll() is None, "finished before it could be killed"
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    journaled = _parts(ws)
    assert 2 <= journaled < 7
    store = open_storage(dst, **s3_server.options)
    with pytest.raises(NotFoundError):
        store.stat("disk.img")  # the object is not visible until the upload completes
    again = subprocess.run([*cmd, "--json"], env=env, capture_output=True, text=True, check=False)
    assert again.returncode == 0, again.stderr
    result = json.loads(again.stdout)
    assert result["parts_resumed"] >= journaled
    assert result["parts_resumed"] + result["parts_sent"] == 7
    assert store.read_chunks("disk.img", 16 * MIB).__next__() == data[: 16 * MIB]
    assert store.stat("disk.img").size == len(data)


def test_server_restarted_mid_run_is_retried(
    tmp_path: Path, s3_server: ServerInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    for k, v in s3_server.env.items():
        monkeypatch.setenv(k, v)
    src = tmp_path / "src"
    src.mkdir()
    for i in range(40):
        (src / f"f{i:02d}.bin").write_bytes(os.urandom(64 * 1024))
    dst = f"{s3_server.url}/{uuid.uuid4().hex[:8]}"
    opts = TransferOptions(bwlimit="512K", jobs=2, retries=8)
    remotes = {s3_server.url: s3_server.options}
    out: list[object] = []
    runner = threading.Thread(
        target=lambda: out.append(
            run_transfer(str(src), dst, opts, tmp_path / "j", remotes=remotes)
        )
    )
    runner.start()
    time.sleep(1.5)
    s3_server.restart(pause=1.0)
    runner.join(timeout=120)
    result = out[0]
    assert getattr(result, "failed", None) == 0, getattr(result, "failures", result)
    cmp = verify(str(src), dst, TransferOptions(checksum=True), remotes=remotes)
    assert cmp.matches and cmp.ok == 40


def test_verify_checksum_detects_a_corrupted_object(
    tmp_path: Path, s3_server: ServerInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    for k, v in s3_server.env.items():
        monkeypatch.setenv(k, v)
    assert s3_server.data_dir is not None
    src = tmp_path / "src"
    src.mkdir()
    for i in range(6):
        (src / f"f{i}.dat").write_bytes(os.urandom(20_000))
    prefix = uuid.uuid4().hex[:8]
    dst = f"{s3_server.url}/{prefix}"
    remotes = {s3_server.url: s3_server.options}
    assert run_transfer(str(src), dst, TransferOptions(), tmp_path / "j", remotes=remotes).ok
    victim = s3_server.data_dir / prefix / "f4.dat"  # rclone serves files from this folder
    st = victim.stat()
    raw = bytearray(victim.read_bytes())
    raw[123] ^= 0x55
    victim.write_bytes(bytes(raw))
    os.utime(victim, ns=(st.st_atime_ns, st.st_mtime_ns))
    shallow = verify(str(src), dst, TransferOptions(), remotes=remotes)
    assert shallow.matches  # same size, newer destination: size+mtime cannot see it
    deep = verify(str(src), dst, TransferOptions(checksum=True), remotes=remotes)
    assert deep.changed == ("f4.dat",)
    assert deep.ok == 5

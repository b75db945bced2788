"""``python -m skylift transfer`` as a real process on local folders.

Kill-and-resume (SIGKILL mid-upload, then the same command again),
permission-denied source files (the run as an unprivileged user), dry-run,
and a corrupted destination caught by ``verify --checksum``.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

MIB = 1 << 20


def _skylift(*args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "skylift", *args],
        capture_output=True,
        text=True,
        check=check,
        timeout=120,
    )


def _journaled_parts(journal: Path) -> int:
    total = 0
    for db in journal.glob("*.sqlite"):
        try:
            with sqlite3.connect(db, timeout=1) as con:
                total += con.execute("SELECT count(*) FROM parts").fetchone()[0]
        except sqlite3.Error:
            pass
    return total


def test_sigkill_mid_upload_then_rerun_resumes_without_resending(tmp_path: Path) -> None:
    src, dst, journal = tmp_path / "src", tmp_path / "dst", tmp_path / "journal"
    (src / "vm").mkdir(parents=True)
    data = os.urandom(24 * MIB + 5)
    (src / "vm" / "disk.img").write_bytes(data)
    (src / "small.txt").write_text("hello")
    common = ["--journal", str(journal), "--part-size", "1M", "--multipart-threshold", "1M"]
    cmd = [sys.executable, "-m", "skylift", "transfer", str(src), str(dst), *common, "-j", "2"]
    proc = subprocess.Popen([*cmd, "--bwlimit", "4M"], stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while _journaled_parts(journal) < 4 and time.monotonic() < deadline:
            assert proc.poll() is None, "the transfer finished before it could be killed"
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    journaled = _journaled_parts(journal)
    assert 4 <= journaled < 25
    assert not (dst / "vm" / "disk.img").exists()  # nothing half-written is visible
    second = _skylift("transfer", str(src), str(dst), *common, "--json")
    assert second.returncode == 0, second.stderr
    result = json.loads(second.stdout)
    assert result["parts_resumed"] >= journaled
    assert result["parts_resumed"] + result["parts_sent"] == 25  # no finished part re-sent
    assert (dst / "vm" / "disk.img").read_bytes() == data
    assert _skylift("verify", str(src), str(dst), "--checksum").returncode == 0
    assert not list(dst.rglob(".skylift-parts*"))


@pytest.fixture
def shared_tmp() -> Iterator[Path]:
    """A temporary folder an unprivileged user can enter (pytest's tmp_path is 0700)."""
    folder = Path(tempfile.mkdtemp(prefix="skylift-perm-"))
    folder.chmod(0o777)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"), reason="needs root")
def test_permission_denied_source_reported_rest_transferred(shared_tmp: Path) -> None:
    src, dst = shared_tmp / "src", shared_tmp / "dst"
    src.mkdir()
    for i in range(6):
        (src / f"f{i}.txt").write_text(f"file {i}")
    (src / "f2.txt").chmod(0o000)
    (src / "f4.txt").chmod(0o000)
    for p in (shared_tmp, src):
        p.chmod(0o777)
    as_nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    probe = subprocess.run(
        [*as_nobody, sys.executable, "-c", "import skylift"],
        capture_output=True,
        check=False,
        timeout=60,
    )
    if probe.returncode != 0:
        # e.g. a checkout under a 0700 folder (mktemp -d): the unprivileged user
        # cannot even import skylift, which is not what this test is about.
        pytest.skip("the checkout is not readable by an unprivileged user")
    proc = subprocess.run(
        [
            *as_nobody,
            sys.executable, "-m", "skylift", "transfer", str(src), str(dst),
            "--journal", str(shared_tmp / "j"),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env={**os.environ, "HOME": str(shared_tmp)},
    )  # fmt: skip
    assert proc.returncode == 5, proc.stderr
    assert "failed f2.txt" in proc.stdout and "failed f4.txt" in proc.stdout
    assert "[permission]" in proc.stdout
    assert sorted(p.name for p in dst.iterdir()) == ["f0.txt", "f1.txt", "f3.txt", "f5.txt"]


def test_dry_run_writes_nothing(tmp_path: Path) -> None:
    src, dst = tmp_path / "src", tmp_path / "dst"
    src.mkdir()
    (src / "a").write_text("a")
    dst.mkdir()
    (dst / "old").write_text("old")
    r = _skylift(
        "transfer", str(src), str(dst), "--delete", "--dry-run", "--json",
        "--journal", str(tmp_path / "j"),
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    plan = json.loads(r.stdout)
    assert (plan["copy_count"], plan["delete_count"]) == (1, 1)
    assert sorted(p.name for p in dst.iterdir()) == ["old"]
    assert not (tmp_path / "j").exists()


def test_verify_checksum_catches_corruption_that_size_and_mtime_miss(tmp_path: Path) -> None:
    src, dst = tmp_path / "src", tmp_path / "dst"
    src.mkdir()
    for i in range(5):
        (src / f"f{i}.bin").write_bytes(os.urandom(100_000))
    _skylift("transfer", str(src), str(dst), "--journal", str(tmp_path / "j"), check=True)
    victim = dst / "f3.bin"
    st = victim.stat()
    raw = bytearray(victim.read_bytes())
    raw[5000] ^= 0xFF
    victim.write_bytes(bytes(raw))
    os.utime(victim, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert _skylift("verify", str(src), str(dst)).returncode == 0
    deep = _skylift("verify", str(src), str(dst), "--checksum", "--json")
    assert deep.returncode == 6
    assert json.loads(deep.stdout)["changed"] == ["f3.bin"]


def test_ctrl_c_exits_130_and_the_rerun_resumes(tmp_path: Path) -> None:
    src, dst, journal = tmp_path / "src", tmp_path / "dst", tmp_path / "journal"
    src.mkdir()
    data = os.urandom(16 * MIB)
    (src / "big.bin").write_bytes(data)
    common = ["--journal", str(journal), "--part-size", "1M", "--multipart-threshold", "1M"]
    cmd = [sys.executable, "-m", "skylift", "transfer", str(src), str(dst), *common, "-j", "2"]
    proc = subprocess.Popen(
        [*cmd, "--bwlimit", "2M"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 60
        while _journaled_parts(journal) < 3 and time.monotonic() < deadline:
            assert proc.poll() is None, "the transfer finished before it could be interrupted"
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130
    assert "re-run the same command to resume" in err
    assert not (dst / "big.bin").exists()
    again = _skylift("transfer", str(src), str(dst), *common, "--json")
    assert again.returncode == 0, again.stderr
    result = json.loads(again.stdout)
    assert result["parts_resumed"] >= 3
    assert result["parts_resumed"] + result["parts_sent"] == 16
    assert (dst / "big.bin").read_bytes() == data

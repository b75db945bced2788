"""Run samples/shop_service.py as a real process on 127.0.0.1 (source or target)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from skylift.verify.service.testpki import Pki

ROOT = Path(__file__).resolve().parents[3]
SHOP = ROOT / "samples" / "shop_service.py"
TOKEN = "test-admin-token"


def free_port() -> int:
    """An unused loopback port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(port: int, proc: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"shop_service exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"shop_service did not listen on {port}")


@contextmanager
def shop(pki: Pki | None = None, variant: str = "", extra_port: int = 0) -> Iterator[str]:
    """Start a shop (HTTPS when ``pki`` is given); yield its base URL."""
    port = free_port()
    cmd = [sys.executable, str(SHOP), "--port", str(port), "--variant", variant]
    if pki is not None:
        cmd += ["--cert", str(pki.cert), "--key", str(pki.key)]
    if extra_port:
        cmd += ["--extra-port", str(extra_port)]
    env = {**os.environ, "SHOP_ADMIN_TOKEN": TOKEN}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait(port, proc)
        yield f"{'https' if pki else 'http'}://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

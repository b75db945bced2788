"""The service part of `make demo`: the shop before and after migration, verified.

Starts samples/shop_service.py twice on 127.0.0.1 — the "source" on plain
HTTP as it runs today, the "migrated copy" on HTTPS with a certificate from a
throw-away demo CA (made with cryptography) — and yields the real command a
user would type: ``verify service`` with the checks file, the compose file and
the generated target folder (its NetworkPolicies/security groups say which
ports may answer), marking prd-web01 verified in migration tracking. Both
services stop at the end, whatever happens.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from skylift.verify.service.testpki import make_pki

ROOT = Path(__file__).resolve().parent.parent
SHOP = ROOT / "samples" / "shop_service.py"
CHECKS = ROOT / "samples" / "verify" / "checks.yaml"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(port: int) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"the demo shop did not start on port {port}")


@contextlib.contextmanager
def service_steps(
    workspace: Path,
) -> Iterator[tuple[list[tuple[str, list[str]]], dict[str, str]]]:
    """Start source and migrated shop; yield the demo step and its environment."""
    env = {**os.environ, "SHOP_ADMIN_TOKEN": secrets.token_hex(16)}
    with tempfile.TemporaryDirectory(prefix="skylift-demo-tls-") as tmp:
        pki = make_pki(Path(tmp), days=90)
        ca, cert, key = pki.ca, pki.cert, pki.key
        src_port, dst_port, closed = _port(), _port(), _port()
        procs = [
            subprocess.Popen([sys.executable, str(SHOP), "--port", str(src_port)], env=env),
            subprocess.Popen(
                [
                    sys.executable,
                    str(SHOP),
                    "--port",
                    str(dst_port),
                    "--cert",
                    str(cert),
                    "--key",
                    str(key),
                ],
                env=env,
            ),
        ]
        try:
            _wait(src_port)
            _wait(dst_port)
            steps = [
                (
                    "verify service: the shop (HTTP, as today) vs its migrated copy (HTTPS) — "
                    "functional, load, security; prd-web01 tracked",
                    [
                        "verify", "service",
                        "--source", f"http://127.0.0.1:{src_port}",
                        "--target", f"https://127.0.0.1:{dst_port}",
                        "--checks", str(CHECKS),
                        "--compose", str(ROOT / "samples" / "app" / "docker-compose.yml"),
                        "--generated", str(workspace / "target"),
                        "--ca-file", str(ca),
                        # loopback is shared with everything else on this machine:
                        # probe one port known closed instead of the common list
                        "--probe-ports", str(closed),
                        "--sarif", str(workspace / "verify-service.sarif"),
                        "--server", "prd-web01",
                    ],
                ),
            ]  # fmt: skip
            yield steps, {"SHOP_ADMIN_TOKEN": env["SHOP_ADMIN_TOKEN"]}
        finally:
            for proc in procs:
                proc.terminate()
                proc.wait(10)

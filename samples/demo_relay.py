"""The relay part of `make demo`: the sample data over two local network paths at once.

Starts one receiver (``skylift relay serve``) listening on two loopback ports —
two "paths" to a "cloud" folder in the workspace — with a throw-away bearer
token, and TLS from a throw-away CA (``skylift.relay.tls.make_certs``), then
yields the commands a user would type: the ``--plan-only`` prediction, the
transfer over both paths (``relays://A,B/estate``), a re-run that finds
everything in place, and ``verify --checksum``. The receiver stops at the end,
whatever happens. No traffic shaping here: both paths are plain loopback.
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

from skylift.relay.tls import make_certs

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "samples" / "estate"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(port: int) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"the demo relay receiver did not start on port {port}")


@contextlib.contextmanager
def relay_steps(
    workspace: Path,
) -> Iterator[tuple[list[tuple[str, list[str]]], dict[str, str]]]:
    """(steps, environment) for the relay demo; the receiver runs while the steps do."""
    with tempfile.TemporaryDirectory(prefix="skylift-relay-demo-") as tmp:
        token = Path(tmp) / "token"
        token.write_text(secrets.token_urlsafe(32))
        token.chmod(0o600)
        certs = make_certs(Path(tmp) / "certs")
        cloud = workspace / "cloud-relay"
        ports = [_port(), _port()]
        listen = [a for p in ports for a in ("--listen", f"127.0.0.1:{p}")]
        tls = ["--tls-cert", str(certs.server_cert), "--tls-key", str(certs.server_key)]
        serve = ["relay", "serve", "--dest", str(cloud), "--token-file", str(token), *tls]
        receiver = subprocess.Popen([sys.executable, "-m", "skylift", *serve, *listen])
        try:
            for port in ports:
                _wait(port)
            url = f"relays://127.0.0.1:{ports[0]},127.0.0.1:{ports[1]}/estate"
            env = {
                "SKYLIFT_RELAY_TOKEN_FILE": str(token),
                "SKYLIFT_RELAY_CA": str(certs.ca),
                "PATH": os.environ.get("PATH", ""),
            }
            steps = [
                (
                    "relay: predict the time over both paths (--plan-only measures them)",
                    ["relay", "send", str(DATA), url, "--plan-only"],
                ),
                (
                    "relay: move the sample data over two paths at once (chunked, deduplicated, "
                    "compressed, TLS)",
                    ["relay", "send", str(DATA), url],
                ),
                (
                    "relay: skylift transfer to a relays:// URL is the same sender; a re-run "
                    "finds everything in place",
                    ["transfer", str(DATA), url],
                ),
                (
                    "relay: verify what the receiver published (content checksums)",
                    ["verify", str(DATA), str(cloud / "estate"), "--checksum"],
                ),
            ]
            yield steps, env
        finally:
            receiver.terminate()
            try:
                receiver.wait(10)
            except subprocess.TimeoutExpired:
                receiver.kill()

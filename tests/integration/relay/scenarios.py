"""Relay scenarios over shaped loopback paths; run INSIDE a private network namespace.

    unshare -n sh -c 'ip link set lo up && exec python -m tests.integration.relay.scenarios DIR OUT'

(``test_paths.py`` does that.) Each scenario starts real receivers and senders
(the ``skylift`` CLI in subprocesses), shapes its ports with ``tc`` HTB
(200 and 50 Mbit/s, as the issue asks), and records what happened in OUT
(JSON), which the tests then check. Rates are real; the data is small (12-16
MiB) so the whole file runs in ~20 s.
"""

from __future__ import annotations

import filecmp
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from skylift.relay.testing.paths import (
    Proxy,
    free_port,
    in_private_netns,
    shape,
    stored_chunks,
    wait_chunks,
    wait_port,
)

PY = sys.executable
CLI = [PY, "-c", "from skylift.cli.app import main; main()"]


def make_data(folder: Path, files: int, size: int, seed: int = 0) -> Path:
    """``files`` incompressible files of ``size`` bytes."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = __import__("random").Random(seed)
    for i in range(files):
        (folder / f"f{i:02d}.bin").write_bytes(rng.randbytes(size))
    return folder


def same_tree(a: Path, b: Path) -> bool:
    """Every file of ``a`` exists in ``b`` with the same bytes (b may hold the manifest)."""
    for path in a.rglob("*"):
        if path.is_file() and not filecmp.cmp(path, b / path.relative_to(a), shallow=False):
            return False
    return all((b / p.relative_to(a)).exists() for p in a.rglob("*"))


class Lab:
    """Receivers and senders of one scenario folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.token = root / "token"
        self.token.write_text(secrets.token_urlsafe(32))
        self.env = {**os.environ, "SKYLIFT_RELAY_TOKEN_FILE": str(self.token)}
        self.procs: list[subprocess.Popen[bytes]] = []
        self.proxies: list[Proxy] = []

    def receiver(self, dest: Path, ports: list[int]) -> subprocess.Popen[bytes]:
        """``skylift relay serve`` on ``ports`` writing to ``dest``; returns once it listens."""
        listen = [a for port in ports for a in ("--listen", f"127.0.0.1:{port}")]
        proc = subprocess.Popen(
            [*CLI, "relay", "serve", "--dest", str(dest), "--token-file", str(self.token), *listen],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.procs.append(proc)
        for port in ports:
            wait_port(port)
        return proc

    def sender(self, src: Path, url: str, journal: Path) -> subprocess.Popen[bytes]:
        """``skylift transfer SRC URL --json`` in the background."""
        proc = subprocess.Popen(
            [*CLI, "transfer", str(src), url, "--journal", str(journal), "--json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=self.env,
        )
        self.procs.append(proc)
        return proc

    def finish(self, proc: subprocess.Popen[bytes], timeout: float = 60) -> dict[str, Any]:
        """The sender's --json result (with its exit code)."""
        out, err = proc.communicate(timeout=timeout)
        result: dict[str, Any] = json.loads(out) if out.strip() else {}
        result["exit_code"] = proc.returncode
        result["stderr"] = err.decode()[-2000:]
        return result

    def close(self) -> None:
        """Stop everything this scenario started."""
        for proxy in self.proxies:
            proxy.close()
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(5)
                except subprocess.TimeoutExpired:
                    proc.kill()


def multipath(root: Path) -> dict[str, Any]:
    """Two shaped paths (200 and 50 Mbit/s), 16 MiB incompressible: both carry data."""
    lab = Lab(root)
    fast, slow = free_port(), free_port()
    shape({fast: 200, slow: 50})
    src = make_data(root / "src", 4, 4 << 20)
    try:
        lab.receiver(root / "dst", [fast, slow])
        started = time.monotonic()
        url = f"relay://127.0.0.1:{fast},127.0.0.1:{slow}/data"
        result = lab.finish(lab.sender(src, url, root / "journal"))
        result["wall_s"] = time.monotonic() - started
        result["same"] = same_tree(src, root / "dst" / "data")
        result["manifest"] = (root / "dst" / "data" / ".skylift-manifest.jsonl").exists()
        result["ports"] = [fast, slow]
    finally:
        lab.close()
    return result


def _behind_proxies(root: Path, rates: list[float]) -> tuple[Lab, list[Proxy], str, Path]:
    lab = Lab(root)
    inner = [free_port() for _ in rates]
    outer = [free_port() for _ in rates]
    shape(dict(zip(outer, rates, strict=True)))
    dest = root / "dst"
    lab.receiver(dest, inner)
    proxies = [Proxy(o, i) for o, i in zip(outer, inner, strict=True)]
    lab.proxies = proxies
    url = "relay://" + ",".join(f"127.0.0.1:{o}" for o in outer) + "/data"
    return lab, proxies, url, dest


def path_killed(root: Path) -> dict[str, Any]:
    """The fast path is reset mid-transfer: the slow one finishes the job."""
    src = make_data(root / "src", 3, 4 << 20, seed=1)
    lab, proxies, url, dest = _behind_proxies(root, [200, 50])
    try:
        sender = lab.sender(src, url, root / "journal")
        result_before = wait_chunks(dest / ".skylift-relay-chunks", 100)  # ~3 of 12 MiB
        proxies[0].kill()
        result = lab.finish(sender)
        result["same"] = same_tree(src, dest / "data")
        result["chunks_when_killed"] = result_before
    finally:
        lab.close()
    return result


def sender_killed(root: Path) -> dict[str, Any]:
    """SIGKILL the sender mid-transfer; the re-run sends only what the receiver lacks."""
    src = make_data(root / "src", 2, 6 << 20, seed=2)
    lab, _proxies, url, dest = _behind_proxies(root, [50])
    try:
        first = lab.sender(src, url, root / "journal")
        wait_chunks(dest / ".skylift-relay-chunks", 150)  # ~4.5 of 12 MiB
        first.kill()
        first.wait()
        stored = stored_chunks(dest / ".skylift-relay-chunks")
        result = lab.finish(lab.sender(src, url, root / "journal"))
        result["chunks_stored_before_rerun"] = stored
        result["same"] = same_tree(src, dest / "data")
    finally:
        lab.close()
    return result


def receiver_restarted(root: Path) -> dict[str, Any]:
    """SIGKILL the receiver mid-transfer and start it again: the sender waits and finishes."""
    lab = Lab(root)
    port = free_port()
    shape({port: 50})
    src = make_data(root / "src", 2, 6 << 20, seed=3)
    dest = root / "dst"
    try:
        receiver = lab.receiver(dest, [port])
        sender = lab.sender(src, f"relay://127.0.0.1:{port}/data", root / "journal")
        result_before = wait_chunks(dest / ".skylift-relay-chunks", 100)
        receiver.kill()
        receiver.wait()
        time.sleep(1.0)
        lab.receiver(dest, [port])
        result = lab.finish(sender)
        result["chunks_when_killed"] = result_before
        result["same"] = same_tree(src, dest / "data")
    finally:
        lab.close()
    return result


SCENARIOS: dict[str, Callable[[Path], dict[str, Any]]] = {
    "multipath": multipath,
    "path_killed": path_killed,
    "sender_killed": sender_killed,
    "receiver_restarted": receiver_restarted,
}


def main(folder: Path, out: Path, names: list[str]) -> None:
    """Run the scenarios (all by default); each one's record goes to ``out``."""
    if not in_private_netns():
        raise SystemExit("run me inside unshare -n: I shape lo with tc")
    results: dict[str, Any] = {}
    for name in names or list(SCENARIOS):
        started = time.monotonic()
        try:
            results[name] = SCENARIOS[name](folder / name)
        except Exception as exc:  # recorded: the test names the scenario that broke
            results[name] = {"error": f"{type(exc).__name__}: {exc}"}
        unshape = ["tc", "qdisc", "del", "dev", "lo", "root"]
        subprocess.run(unshape, check=False, capture_output=True)
        results[name]["scenario_s"] = round(time.monotonic() - started, 2)
    out.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3:])

"""Start a local Prometheus on 127.0.0.1 over backfilled history (tests, demo, benchmarks).

History is written as OpenMetrics text (ascending timestamps per series, one
family after another, ``# EOF``) and turned into TSDB blocks with ``promtool
tsdb create-blocks-from openmetrics`` before Prometheus starts on them.
A live target (node_exporter) can be scraped too.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from skylift.errors import ProviderError


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PrometheusServer:
    """One Prometheus process on 127.0.0.1 over a private data folder."""

    def __init__(self, root: Path | None = None, scrape: tuple[str, ...] = ()) -> None:
        self.root = root or Path(tempfile.mkdtemp(prefix="skylift-prom-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.scrape = scrape
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Where it listens."""
        return f"http://127.0.0.1:{self.port}"

    def backfill(self, openmetrics: Path) -> None:
        """Turn an OpenMetrics file into blocks in the data folder (before :meth:`start`).

        One block per 90 days (the default 2-hour blocks take a minute for two weeks).
        """
        self.data.mkdir(parents=True, exist_ok=True)
        run = subprocess.run(
            [
                "promtool",
                "tsdb",
                "create-blocks-from",
                "openmetrics",
                "--quiet",
                "--max-block-duration=2160h",
                str(openmetrics),
                str(self.data),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if run.returncode != 0:
            raise ProviderError(f"promtool backfill failed: {run.stderr.strip()[:500]}", "")

    def start(self, timeout_s: float = 30.0) -> None:
        """Start and wait until ready."""
        self.data.mkdir(parents=True, exist_ok=True)
        config = self.root / "prometheus.yml"
        jobs = ""
        if self.scrape:
            targets = ", ".join(f'"{t}"' for t in self.scrape)
            jobs = (
                "scrape_configs:\n  - job_name: node\n    scrape_interval: 1s\n"
                f"    static_configs:\n      - targets: [{targets}]\n"
            )
        config.write_text(f"global:\n  scrape_interval: 15s\n{jobs}", encoding="utf-8")
        self._log = (self.root / "prometheus.log").open("wb")
        self._proc = subprocess.Popen(
            [
                "prometheus",
                f"--config.file={config}",
                f"--storage.tsdb.path={self.data}",
                f"--web.listen-address=127.0.0.1:{self.port}",
                "--storage.tsdb.retention.time=3650d",
                "--query.max-samples=200000000",
            ],
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/-/ready", timeout=1) as r:  # noqa: S310 - loopback
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise ProviderError("Prometheus did not become ready", f"see {self.root}/prometheus.log")

    def wait_for_scrape(self, timeout_s: float = 20.0) -> None:
        """Wait until every live target has been scraped once."""
        import json

        deadline = time.monotonic() + timeout_s
        while self.scrape and time.monotonic() < deadline:
            q = f"{self.url}/api/v1/query?query=count(up%3D%3D1)"
            with urllib.request.urlopen(q, timeout=2) as r:  # noqa: S310 - loopback
                got = json.loads(r.read())["data"]["result"]
            if got and float(got[0]["value"][1]) >= len(self.scrape):
                return
            time.sleep(0.3)

    def stop(self) -> None:
        """Stop the process (the data stays until :meth:`remove`)."""
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
            self._proc = None
            self._log.close()

    def remove(self) -> None:
        """Stop and delete the data folder."""
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


class NodeExporter:
    """prometheus-node-exporter on 127.0.0.1 (a live VM target)."""

    def __init__(self) -> None:
        self.port = free_port()
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def target(self) -> str:
        """``host:port`` to scrape."""
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start and wait until /metrics answers."""
        exe = shutil.which("prometheus-node-exporter") or shutil.which("node_exporter")
        if exe is None:
            raise ProviderError("prometheus-node-exporter is not installed", "make system")
        self._proc = subprocess.Popen(
            [exe, f"--web.listen-address={self.target}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://{self.target}/metrics", timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise ProviderError("node_exporter did not start", "")

    def stop(self) -> None:
        """Stop the process."""
        if self._proc is not None:
            self._proc.terminate()
            self._proc.wait(timeout=10)
            self._proc = None

"""The Prometheus exporter serves run counters on 127.0.0.1 only."""

from __future__ import annotations

import socket
import urllib.request
from pathlib import Path

from skylift.domain.transfer import TransferOptions
from skylift.storage.memory import MemoryStorage
from skylift.transfer.engine import run_transfer
from skylift.transfer.metrics import TransferMetrics
from tests.unit.transfer.conftest import new_url


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_metrics_count_bytes_and_objects(mem: list[str], journal_dir: Path) -> None:
    src, dst = new_url(mem), new_url(mem)
    store = MemoryStorage(src)
    for i in range(3):
        store.write(f"f{i}", b"12345")
    metrics = TransferMetrics()
    port = _free_port()
    metrics.serve(port)
    try:
        run_transfer(src, dst, TransferOptions(), journal_dir, metrics=metrics)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as resp:
            text = resp.read().decode()
    finally:
        metrics.stop()
    assert "skylift_transfer_bytes_total 15.0" in text
    assert 'skylift_transfer_objects_total{result="transferred"} 3.0' in text
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0  # stopped

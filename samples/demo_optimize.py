"""The operate part of `make demo`: a local Prometheus with the sample estate's utilisation.

The estate's 30 days of utilisation (samples/estate/perf.parquet, hourly) are
written as node_exporter series (each hourly value held for its hour at a
5-minute step, ending now) for every server, and three of the shop's servers
also as containers of namespace ``shop`` with the requests a lift-and-shift
would give them (their full cores and memory). Prometheus is backfilled with
``promtool`` and started on 127.0.0.1; the demo runs ``skylift optimize``
against it. Prometheus stops and its data is removed at the end.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import polars as pl

from skylift.optimize.testing.openmetrics import Container, Trace, end, write_containers, write_vms
from skylift.optimize.testing.server import PrometheusServer
from skylift.workspace.core import Workspace

ROOT = Path(__file__).resolve().parent.parent
PERF = ROOT / "samples" / "estate" / "perf.parquet"
GIB = 1024.0**3
SHOP = {"web": "prd-web01", "app": "prd-app01", "worker": "prd-worker01"}


def _traces(workspace: Path, now: float) -> list[Trace]:
    with Workspace.open(workspace) as ws:
        servers = {s.name: s for s in ws.servers()}
    perf = pl.read_parquet(PERF).pivot("metric", index=["server", "timestamp"], values="value")
    last = perf["timestamp"].max().timestamp()  # type: ignore[union-attr]
    out = []
    for (name,), rows in perf.sort("timestamp").group_by(["server"], maintain_order=True):
        s = servers.get(str(name))
        if s is None or not s.cores or not s.memory_mib:
            continue
        t0 = np.array([x.timestamp() for x in rows["timestamp"]]) + (now - 3600 - last)
        t = (t0[:, None] + 300.0 * np.arange(12)[None, :]).ravel()  # each hour held at 5 minutes

        def col(metric: str, rows: pl.DataFrame = rows) -> np.ndarray:
            v = (
                rows[metric].fill_null(0).to_numpy()
                if metric in rows.columns
                else np.zeros(rows.height)
            )
            return np.repeat(v, 12)

        total = s.memory_mib * 1024.0 * 1024.0
        out.append(Trace(
            s.name, t, s.cores, col("cpu_pct"), col("mem_pct") / 100 * total, total,
            (col("disk_read_mbps") + col("disk_write_mbps")) * 1e6,
            (col("net_in_mbps") + col("net_out_mbps")) * 1e6 / 8,
        ))  # fmt: skip
    return out


@contextlib.contextmanager
def optimize_steps(workspace: Path) -> Iterator[list[tuple[str, list[str]]]]:
    """Start Prometheus loaded with the estate's utilisation; yield the demo's optimize step."""
    now = float(int(time.time()) // 300 * 300)
    traces = _traces(workspace, now)
    by_name = {t.name: t for t in traces}
    containers = [
        Container("shop", c, by_name[s], by_name[s].cores, by_name[s].mem_total,
                  by_name[s].cores, by_name[s].mem_total)
        for c, s in SHOP.items() if s in by_name
    ]  # fmt: skip
    prom = PrometheusServer()
    try:
        om = prom.root / "estate.om"
        with om.open("w") as fh:
            write_vms(fh, traces)
            write_containers(fh, containers)
            end(fh)
        prom.backfill(om)
        om.unlink()
        prom.start()
        yield [
            (
                "optimize: re-right-size from 14 days of monitoring (VMs per cloud, containers)",
                ["optimize", "--prometheus", prom.url, "--generated", str(workspace / "target")],
            )
        ]
    finally:
        prom.remove()

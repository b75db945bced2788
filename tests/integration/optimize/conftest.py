"""One real Prometheus per module, loaded with Bitbrains traces as node_exporter and
cAdvisor series (tests/fixtures/optimize/bitbrains), scraping a live node_exporter."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from skylift.optimize.testing.bitbrains import read_trace
from skylift.optimize.testing.openmetrics import Container, end, write_containers, write_vms
from skylift.optimize.testing.server import NodeExporter, PrometheusServer
from tests.helpers import run_cli

TRACES = Path(__file__).resolve().parents[2] / "fixtures" / "optimize" / "bitbrains"
GIB = 1024.0**3


@dataclass(frozen=True)
class Estate:
    """The workspace, the Prometheus URL, the window end, and the live node's target."""

    workspace: Path
    url: str
    at: float
    live: str
    traces: dict[str, object]


@pytest.fixture(scope="module")
def estate(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Estate]:
    root = tmp_path_factory.mktemp("optimize")
    at = float(int(time.time()) // 300 * 300)
    vms = [read_trace(TRACES / f"{i}.csv.gz", f"vm{i}", shift_to=at - 60) for i in range(1, 6)]
    short = read_trace(TRACES / "6.csv.gz", "vm6", shift_to=at - 60, days=3)
    reset = vms[0].__class__(**{**vms[0].__dict__, "reset_at": len(vms[0].t) // 2})
    vms[0] = reset
    containers = [
        Container("shop", "web", vms[1], 2.0, 4 * GIB, 4.0, 4 * GIB),
        Container("shop", "api", vms[2], 1.0, 2 * GIB, 1.0, 2 * GIB, throttled_share=0.2),
        Container("shop", "cache", vms[3], 1.0, 1 * GIB, 2.0, 1 * GIB, oom=True),
        Container("shop", "fresh", short, 1.0, 1 * GIB, 2.0, 1 * GIB),
    ]
    om = root / "history.om"
    with om.open("w") as fh:
        write_vms(fh, [*vms, short])
        write_containers(fh, containers)
        end(fh)
    node = NodeExporter()
    node.start()
    prom = PrometheusServer(root / "prom", scrape=(node.target,))
    prom.backfill(om)
    prom.start()
    prom.wait_for_scrape()
    ws = root / "ws"
    assert run_cli("init", str(ws)).code == 0
    servers = root / "servers.csv"
    lines = ["name,cores,memory_mib,os_name,ip_addresses"]
    lines += [f"vm{i},8,32768,Ubuntu 22.04," for i in range(1, 7)]
    lines += ["live01,2,4096,Debian 12,127.0.0.1"]
    servers.write_text("\n".join(lines) + "\n")
    assert run_cli("-w", str(ws), "discover", "servers", str(servers)).code == 0
    try:
        yield Estate(ws, prom.url, at, node.target, {t.name: t for t in [*vms, short]})
    finally:
        prom.remove()
        node.stop()

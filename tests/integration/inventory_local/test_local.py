"""``discover local`` for real on this machine: inventory, a listening socket, sampled series."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import polars as pl
import psutil
import pytest

from skylift.domain.inventory import MetricName, PowerState
from skylift.inventory.local.network import read_sockets
from skylift.workspace import Workspace
from tests.helpers import run_cli


@pytest.fixture
def udp_server() -> Iterator[int]:
    """A UDP socket bound to 127.0.0.1 on a free port below the ephemeral range."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for port in range(21000, 21100):
        try:
            sock.bind(("127.0.0.1", port))
            break
        except OSError:
            continue
    else:
        sock.close()
        pytest.skip("no free UDP port in 21000-21099")
    try:
        yield port
    finally:
        sock.close()


@pytest.fixture
def listener() -> Iterator[tuple[int, socket.socket]]:
    """A TCP server socket on 127.0.0.1 with one accepted loopback connection."""
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    port = srv.getsockname()[1]
    client = socket.create_connection(("127.0.0.1", port))
    conn, _ = srv.accept()
    try:
        yield port, srv
    finally:
        for s in (conn, client, srv):
            s.close()


def test_scan_and_sample_this_machine(
    workspace: Workspace, listener: tuple[int, socket.socket], udp_server: int
) -> None:
    port, _ = listener
    summary = workspace.discover("local", [], {"interval": 0.5, "duration": 2.0})
    assert (summary.servers_created, summary.rows_read) == (1, 1)
    (server,) = workspace.servers()
    assert server.key == socket.gethostname()
    assert server.source == "local" and server.power_state is PowerState.ON
    assert server.cores == psutil.cpu_count(logical=True)
    assert server.memory_mib == pytest.approx(psutil.virtual_memory().total / 2**20)
    assert server.os_family.value == "linux"
    assert server.disks and all(d.size_gib > 0 for d in server.disks)
    assert all(d.used_gib is not None and d.used_gib <= d.size_gib for d in server.disks)
    assert all(n.name != "lo" for n in server.nics)
    assert not any(ip.startswith("127.") for ip in server.ip_addresses)

    if read_sockets().denied:
        pytest.skip("net_connections needs privileges here; services not checked")
    services = {(s.port, s.protocol): s for s in server.services}
    assert (port, "tcp") in services, services
    assert services[port, "tcp"].address == "127.0.0.1"
    assert services[port, "tcp"].process == psutil.Process().name()
    assert services[udp_server, "udp"].process == psutil.Process().name()
    # the loopback connection to our own listener is not a dependency
    assert all(
        d.target_ip is None or not d.target_ip.startswith("127.") for d in workspace.dependencies()
    )

    series = workspace.series().collect()
    assert series.schema == {
        "server_key": pl.String(),
        "ts": pl.Datetime("us", "UTC"),
        "metric": pl.String(),
        "value": pl.Float64(),
    }
    per_metric = dict(series.group_by("metric").len().iter_rows())
    expected = {
        MetricName.CPU_PCT, MetricName.MEM_PCT, MetricName.NET_IN_MBPS, MetricName.NET_OUT_MBPS,
        MetricName.DISK_READ_MBPS, MetricName.DISK_WRITE_MBPS, MetricName.DISK_READ_IOPS,
        MetricName.DISK_WRITE_IOPS,
    }  # fmt: skip
    assert set(per_metric) == {m.value for m in expected}
    assert set(per_metric.values()) == {4}  # 2 s / 0.5 s
    assert series["server_key"].unique().to_list() == [server.key]
    assert series["value"].min() >= 0  # type: ignore[operator]
    cpu = series.filter(pl.col("metric") == "cpu_pct")["value"]
    assert cpu.max() <= 100  # type: ignore[operator]
    assert summary.series_rows == series.height == 32


def test_rescan_updates_the_same_server_and_keeps_earlier_samples(workspace: Workspace) -> None:
    first = workspace.discover("local", [], {"interval": 0.2, "duration": 0.2})
    second = workspace.discover("local", [], {"interval": 0.2, "duration": 0.2})
    assert (first.servers_created, second.servers_updated) == (1, 1)
    assert workspace.store.count("servers") == 1
    assert workspace.series().collect().height == first.series_rows + second.series_rows


def test_cli_inventory_only_and_bad_interval(workspace: Workspace) -> None:
    ok = run_cli("--workspace", str(workspace.root), "discover", "local", "--json")
    assert ok.code == 0, ok.stderr
    data = json.loads(ok.stdout)
    assert (data["servers_created"], data["series_rows"]) == (1, 0)
    bad = run_cli("--workspace", str(workspace.root), "discover", "local", "--interval", "0")
    assert bad.code == 2
    assert "--interval must be a positive number" in bad.stderr
    assert workspace.store.count("servers") == 1  # the failed run changed nothing

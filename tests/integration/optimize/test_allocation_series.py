"""The current allocation over time (#21) on a real Prometheus: a VM resized and a
container's requests lowered halfway through the window show up as a step in the
stored series and in the report's charts; without it over time the line is flat.

Its own small Prometheus (one VM, one container, 14 days at 5 minutes), so the
shared fixture's figures stay as they are.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import numpy as np
import numpy.typing as npt
import pytest

from skylift.optimize.testing.server import PrometheusServer
from skylift.optimize.window import Window
from tests.helpers import run_cli

GIB = 1024.0**3
STEPS = 14 * 288


@dataclass(frozen=True)
class Resized:
    workspace: Path
    url: str
    at: float
    change: float  # the first sample with the new allocation (Unix seconds)


def _series(out: TextIO, name: str, labels: str, t: npt.NDArray[np.float64], v: object) -> None:
    values = np.broadcast_to(np.asarray(v, dtype=np.float64), t.shape)
    out.write(
        "".join(f"{name}{{{labels}}} {x:.12g} {s:.0f}\n" for s, x in zip(t, values, strict=True))
    )


def _history(out: TextIO, t: npt.NDArray[np.float64], half: int) -> None:
    """vmr: 2 CPUs and 4 GiB, then 4 CPUs and 8 GiB; shop/resized: requests 1 core and
    2 GiB, then 0.5 core and 1 GiB (kube-state-metrics); usage steady throughout."""
    rng = np.random.default_rng(21)
    busy = rng.uniform(0.2, 0.6, t.size)
    new = np.arange(t.size) >= half
    out.write("# TYPE node_cpu_seconds counter\n")
    vm = 'instance="vmr:9100",job="node"'
    for cpu in range(4):
        keep = slice(None) if cpu < 2 else slice(half, None)
        idle = np.cumsum((1 - busy[keep]) * 300.0)
        _series(out, "node_cpu_seconds_total", f'{vm},cpu="{cpu}",mode="idle"', t[keep], idle)
    down = 'instance="vmd:9100",job="node"'  # 4 CPUs, then 2 (not in the workspace)
    for cpu in range(4):
        keep = slice(None) if cpu < 2 else slice(None, half)
        idle = np.cumsum((1 - busy[keep]) * 300.0)
        _series(out, "node_cpu_seconds_total", f'{down},cpu="{cpu}",mode="idle"', t[keep], idle)
    out.write("# TYPE node_memory_MemTotal_bytes gauge\n")
    total = np.where(new, 8 * GIB, 4 * GIB)
    _series(out, "node_memory_MemTotal_bytes", vm, t, total)
    _series(out, "node_memory_MemTotal_bytes", down, t, 4 * GIB)
    out.write("# TYPE node_memory_MemAvailable_bytes gauge\n")
    _series(out, "node_memory_MemAvailable_bytes", vm, t, total - 2 * GIB)
    _series(out, "node_memory_MemAvailable_bytes", down, t, 2 * GIB)
    pod = 'namespace="shop",pod="resized-0",container="resized"'
    out.write("# TYPE container_cpu_usage_seconds counter\n")
    _series(out, "container_cpu_usage_seconds_total", pod, t, np.cumsum(busy * 300.0))
    out.write("# TYPE container_memory_working_set_bytes gauge\n")
    _series(out, "container_memory_working_set_bytes", pod, t, 0.6 * GIB)
    for fam, cpu, mem in (
        ("kube_pod_container_resource_requests", np.where(new, 0.5, 1.0), np.where(new, 1, 2)),
        ("kube_pod_container_resource_limits", 2.0, 2.0),
    ):
        out.write(f"# TYPE {fam} gauge\n")
        _series(out, fam, f'{pod},resource="cpu",unit="core"', t, cpu)
        _series(out, fam, f'{pod},resource="memory",unit="byte"', t, np.asarray(mem) * GIB)
    # shop/rolled: a rollout halfway replaced pod rolled-a (requests 1 core, 2 GiB) by
    # rolled-b (0.5 core, 1 GiB)
    for pod_name, keep, cpu, mem in (("a", ~new, 1.0, 2), ("b", new, 0.5, 1)):
        rolled = f'namespace="shop",pod="rolled-{pod_name}",container="rolled"'
        fam = "kube_pod_container_resource_requests"
        _series(out, fam, f'{rolled},resource="cpu",unit="core"', t[keep], cpu)
        _series(out, fam, f'{rolled},resource="memory",unit="byte"', t[keep], mem * GIB)
        _series(out, "container_memory_working_set_bytes", rolled, t[keep], 0.6 * GIB)
    # shop/unbounded: no memory limit, an OOM kill (the node's OOM killer) in the window
    free = 'namespace="shop",pod="unbounded-0",container="unbounded"'
    _series(out, "container_memory_working_set_bytes", free, t, 0.6 * GIB)
    out.write("# TYPE kube_pod_container_status_last_terminated_reason gauge\n")
    _series(out, "kube_pod_container_status_last_terminated_reason",
            f'{free},reason="OOMKilled"', t[half:], 1.0)  # fmt: skip
    out.write("# EOF\n")


@pytest.fixture(scope="module")
def resized(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Resized]:
    root = tmp_path_factory.mktemp("resized")
    at = float(int(time.time()) // 300 * 300)
    t = at - 60 - 300.0 * np.arange(STEPS - 1, -1, -1)
    half = STEPS // 2 + 7  # inside a bucket: its last value is the new allocation
    om = root / "history.om"
    with om.open("w") as fh:
        _history(fh, t, half)
    prom = PrometheusServer(root / "prom")
    prom.backfill(om)
    prom.start()
    ws = root / "ws"
    assert run_cli("init", str(ws)).code == 0
    servers = root / "servers.csv"
    servers.write_text("name,cores,memory_mib,os_name,ip_addresses\nvmr,2,4096,Ubuntu 22.04,\n")
    assert run_cli("-w", str(ws), "discover", "servers", str(servers)).code == 0
    try:
        yield Resized(ws, prom.url, at, float(t[half]))
    finally:
        prom.remove()


def _check_step(ends: npt.NDArray[np.float64], got: list[float | None], change: float,
                before: float, after: float, what: str) -> None:  # fmt: skip
    """Buckets ending before the change hold the old allocation, from it the new one."""
    v = np.array([np.nan if x is None else x for x in got], dtype=np.float64)
    old, new = ends < change, ends >= change
    assert old.sum() > 50 and new.sum() > 50, what
    np.testing.assert_allclose(v[old], before, rtol=1e-3, err_msg=what)
    np.testing.assert_allclose(v[new], after, rtol=1e-3, err_msg=what)


def test_a_resize_mid_window_is_drawn_as_a_step(resized: Resized) -> None:
    from skylift.report.html.render import build_sections
    from skylift.workspace import Workspace
    from skylift.workspace.optimizing import OptimizeRequest, optimize_workspace
    from skylift.workspace.reporting import gather
    from skylift.workspace.usage_series import one_usage

    result = optimize_workspace(
        OptimizeRequest(prometheus=resized.url, at=resized.at, workspace=resized.workspace)
    )
    vm = result.vms[0]
    container = next(c for c in result.containers if c["container"] == "resized")
    assert (vm["cores"], vm["memory_gib"]) == (4, 8.0)  # the run's figures: as now
    assert container["current"]["cpu_request"] == 0.5
    with Workspace.open(resized.workspace) as ws:
        stored_vm = one_usage(ws, result.run_id, "vm", vm["server_key"])
        stored_ct = one_usage(ws, result.run_id, "container", "shop/resized")
        usage = build_sections(gather(ws, {"optimize"}), ["optimize"])[0].usage
    assert stored_vm is not None and stored_ct is not None and usage is not None
    n = len(stored_vm["values"]["cpu"]["current"])
    ends = stored_vm["start"] + stored_vm["bucket_s"] * np.arange(1, n + 1)
    change = resized.change
    _check_step(ends, stored_vm["values"]["cpu"]["current"], change, 2, 4, "VM CPUs")
    _check_step(ends, stored_vm["values"]["memory"]["current"], change, 4, 8, "VM GiB")
    _check_step(ends, stored_ct["values"]["cpu"]["current"], change, 1.0, 0.5, "request CPU")
    _check_step(ends, stored_ct["values"]["memory"]["current"], change, 2, 1, "request GiB")
    # the report draws them as step lines (not the run's flat value)
    panels = {p.id: p for p in (*usage.shown, *usage.embedded)}
    for pid, before, after in (
        (f"vm:{vm['server_key']}", 2, 4),
        ("container:shop/resized", 1, 0.5),
    ):
        cpu = panels[pid].charts[0].option
        (line,) = [s for s in cpu["series"] if s["name"] == "current"]
        assert line["step"] == "start" and "markLine" not in line
        _check_step(ends, line["data"], change, before, after, f"{pid} drawn")
        rec = next(s for s in cpu["series"] if s["name"] == "recommended")
        assert "markLine" in rec  # the recommendation stays flat


def test_a_vm_downsized_mid_window_counts_its_cpus_now(resized: Resized) -> None:
    """#21 review: ``cores`` counted every CPU series seen in the window, so a VM resized
    from 4 CPUs to 2 (e.g. after applying a recommendation) was priced and sized as 4
    (its demand: 4 x the statistic of a per-CPU share measured on 2)."""
    from skylift.optimize.prometheus import PrometheusClient
    from skylift.optimize.settings import VmMetrics
    from skylift.optimize.vms import collect_vms

    got = {u.instance: u for u in collect_vms(
        PrometheusClient(resized.url), VmMetrics(), Window(resized.at, 14), 0.95, 0.95
    )}  # fmt: skip
    assert got["vmd:9100"].cores == 2
    assert got["vmr:9100"].cores == 4


def test_a_rolled_out_container_has_its_new_pods_requests(resized: Resized) -> None:
    """#21 review: requests/limits were the largest over every pod seen in the window,
    so after a rollout lowered them (a new pod) the old pod's values were 'current'."""
    from skylift.optimize.containers import collect_containers
    from skylift.optimize.prometheus import PrometheusClient
    from skylift.optimize.settings import ContainerMetrics
    from skylift.optimize.window import Window

    u = collect_containers(
        PrometheusClient(resized.url), ContainerMetrics(), Window(resized.at, 14)
    )
    i = u.keys.index(("shop", "rolled"))
    assert (u.request_cpu[i], u.request_mem[i]) == (0.5, 1 * GIB)


def test_an_oom_kill_without_a_memory_limit_is_flagged(resized: Resized) -> None:
    """#21 review: the OOM figure was the limit the kill happened under, so a container
    without a memory limit (killed by the node's OOM killer) was not flagged at all."""
    from skylift.optimize.containers import collect_containers
    from skylift.optimize.prometheus import PrometheusClient
    from skylift.optimize.rightsize import advise_containers
    from skylift.optimize.settings import ContainerMetrics, OptimizeSettings

    client = PrometheusClient(resized.url)
    u = collect_containers(client, ContainerMetrics(), Window(resized.at, 14))
    a = advise_containers(u, OptimizeSettings())
    flags = dict(zip(u.keys, a.flags, strict=True))
    assert flags[("shop", "unbounded")] == ("OOM kill seen (no memory limit)",)
    assert not any("OOM" in f for f in flags[("shop", "resized")])


def test_label_values_beyond_the_bmp_make_valid_promql(resized: Resized) -> None:
    """#21 review: json.dumps wrote an emoji in a host or container name as a surrogate
    pair, which Prometheus refuses ('escape sequence is an invalid Unicode code point'),
    reported as a wrong metric name."""
    from skylift.optimize.cpu_days import one_of, shards
    from skylift.optimize.prometheus import PrometheusClient

    client = PrometheusClient(resized.url)
    hosts = one_of("instance", ["vmr:9100", "caf\u00e9-\U0001f680:9100"])
    assert len(client.instant(f"node_memory_MemTotal_bytes{{{hosts}}}", resized.at)) == 1
    ((matcher, _),) = shards([("shop-\U0001f680", "resized")], 10)
    assert client.instant(f"container_memory_working_set_bytes{{{matcher}}}", resized.at) == []

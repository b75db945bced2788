"""Utilisation traces written as node_exporter / cAdvisor series in OpenMetrics text.

A trace is (timestamps, cores, cpu %, memory bytes used, memory total, disk
bytes/s, network bytes/s). VMs become ``node_cpu_seconds_total`` (idle counters
per CPU), ``node_memory_*`` gauges and disk/network byte counters; containers
become ``container_cpu_usage_seconds_total`` (cores × seconds counter),
``container_memory_working_set_bytes`` and the kube-state-metrics request and
limit gauges. Counters can be made to reset (a restart) at a given sample.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TextIO

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True)
class Trace:
    """One utilisation trace, aligned arrays (timestamps ascending, Unix seconds)."""

    name: str
    t: npt.NDArray[np.float64]
    cores: int
    cpu_pct: npt.NDArray[np.float64]
    mem_used: npt.NDArray[np.float64]
    mem_total: float
    disk_bps: npt.NDArray[np.float64]
    net_bps: npt.NDArray[np.float64]
    reset_at: int | None = None  # counters restart from 0 at this sample


def _counter(
    rate: npt.NDArray[np.float64], t: npt.NDArray[np.float64], reset_at: int | None
) -> npt.NDArray[np.float64]:
    dt = np.diff(t, prepend=t[0])
    total = np.cumsum(rate * dt)
    if reset_at is not None and 0 < reset_at < len(total):
        total[reset_at:] -= total[reset_at - 1]
    return total


DIGITS = 12
"""Significant digits of every written value: a 3-month CPU-seconds counter of a
32-core VM (~2.5e8) keeps 0.001 s, memory in bytes stays exact."""


def _write(
    out: TextIO, name: str, labels: str, t: npt.NDArray[np.float64], v: npt.NDArray[np.float64]
) -> None:
    head = f"{name}{{{labels}}} "
    out.write("".join(f"{head}{x:.{DIGITS}g} {ts:.0f}\n" for ts, x in zip(t, v, strict=True)))


def write_vms(out: TextIO, traces: Sequence[Trace]) -> None:
    """node_exporter families for each trace (``instance="<name>:9100"``)."""
    fams: list[tuple[str, str]] = [
        ("node_cpu_seconds", "counter"),
        ("node_memory_MemTotal_bytes", "gauge"),
        ("node_memory_MemAvailable_bytes", "gauge"),
        ("node_disk_read_bytes", "counter"),
        ("node_disk_written_bytes", "counter"),
        ("node_network_receive_bytes", "counter"),
        ("node_network_transmit_bytes", "counter"),
    ]
    for fam, kind in fams:
        out.write(f"# TYPE {fam} {kind}\n")
        sample = f"{fam}_total" if kind == "counter" else fam
        for tr in traces:
            inst = f'instance="{tr.name}:9100",job="node"'
            if fam == "node_cpu_seconds":
                idle = 1.0 - np.clip(tr.cpu_pct, 0, 100) / 100.0
                for cpu in range(tr.cores):
                    _write(
                        out,
                        sample,
                        f'{inst},cpu="{cpu}",mode="idle"',
                        tr.t,
                        _counter(idle, tr.t, tr.reset_at),
                    )
            elif fam == "node_memory_MemTotal_bytes":
                _write(out, sample, inst, tr.t, np.full(len(tr.t), tr.mem_total))
            elif fam == "node_memory_MemAvailable_bytes":
                _write(out, sample, inst, tr.t, np.maximum(tr.mem_total - tr.mem_used, 0))
            else:
                rate = tr.disk_bps / 2 if "disk" in fam else tr.net_bps / 2
                dev = "sda" if "disk" in fam else "eth0"
                _write(
                    out, sample, f'{inst},device="{dev}"', tr.t, _counter(rate, tr.t, tr.reset_at)
                )


@dataclass(frozen=True)
class Container:
    """A trace replayed as one container (one pod) with its current requests/limits."""

    namespace: str
    name: str
    trace: Trace
    request_cpu: float
    request_mem: float
    limit_cpu: float
    limit_mem: float
    throttled_share: float = 0.0
    oom: bool = False


def write_containers(
    out: TextIO, items: Iterable[Container], metrics: dict[str, str] | None = None
) -> None:
    """cAdvisor and kube-state-metrics families for each container (pod ``<name>-0``)."""
    items = list(items)
    m = {
        "cpu": "container_cpu_usage_seconds",
        "mem": "container_memory_working_set_bytes",
        **(metrics or {}),
    }
    fams = [
        (m["cpu"], "counter"),
        (m["mem"], "gauge"),
        ("container_cpu_cfs_throttled_periods", "counter"),
        ("container_cpu_cfs_periods", "counter"),
        ("kube_pod_container_resource_requests", "gauge"),
        ("kube_pod_container_resource_limits", "gauge"),
        ("kube_pod_container_status_last_terminated_reason", "gauge"),
    ]
    for fam, kind in fams:
        out.write(f"# TYPE {fam} {kind}\n")
        sample = f"{fam}_total" if kind == "counter" else fam
        for c in items:
            tr = c.trace
            lab = f'namespace="{c.namespace}",pod="{c.name}-0",container="{c.name}"'
            cores = tr.cores * np.clip(tr.cpu_pct, 0, 100) / 100.0
            if fam == m["cpu"]:
                _write(out, sample, lab, tr.t, _counter(cores, tr.t, tr.reset_at))
            elif fam == m["mem"]:
                _write(out, sample, lab, tr.t, tr.mem_used)
            elif fam == "container_cpu_cfs_periods":
                _write(out, sample, lab, tr.t, _counter(np.full(len(tr.t), 10.0), tr.t, None))
            elif fam == "container_cpu_cfs_throttled_periods":
                _write(
                    out,
                    sample,
                    lab,
                    tr.t,
                    _counter(np.full(len(tr.t), 10.0 * c.throttled_share), tr.t, None),
                )
            elif fam.startswith("kube_pod_container_resource"):
                cpu, mem = (
                    (c.request_cpu, c.request_mem)
                    if "requests" in fam
                    else (c.limit_cpu, c.limit_mem)
                )
                for res, val, unit in (("cpu", cpu, "core"), ("memory", mem, "byte")):
                    _write(
                        out,
                        sample,
                        f'{lab},resource="{res}",unit="{unit}"',
                        tr.t[::12],
                        np.full(len(tr.t[::12]), val),
                    )
            elif c.oom:
                _write(
                    out, sample, f'{lab},reason="OOMKilled"', tr.t[::12], np.ones(len(tr.t[::12]))
                )


def end(out: TextIO) -> None:
    """The OpenMetrics terminator."""
    out.write("# EOF\n")

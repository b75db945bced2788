"""``optimize:`` in skylift.yaml: where usage comes from and how cautious to be.

Metric names default to node_exporter (VMs), cAdvisor and kube-state-metrics
(containers); a Prometheus that renames them (recording rules, another
exporter) is configured here, not in code.
"""

from __future__ import annotations

from pydantic import Field

from skylift.domain.value import Value


class VmMetrics(Value):
    """node_exporter metric names and the label that names the host."""

    cpu_seconds: str = "node_cpu_seconds_total"
    memory_total: str = "node_memory_MemTotal_bytes"
    memory_available: str = "node_memory_MemAvailable_bytes"
    disk_read_bytes: str = "node_disk_read_bytes_total"
    disk_written_bytes: str = "node_disk_written_bytes_total"
    network_receive_bytes: str = "node_network_receive_bytes_total"
    network_transmit_bytes: str = "node_network_transmit_bytes_total"
    #: Label holding the host (``host:port`` is matched on its host part).
    instance_label: str = "instance"
    #: Extra label matchers for every VM query, e.g. ``job="rehosted-vms"``.
    selector: str = ""


class ContainerMetrics(Value):
    """cAdvisor and kube-state-metrics names."""

    cpu_seconds: str = "container_cpu_usage_seconds_total"
    memory_working_set: str = "container_memory_working_set_bytes"
    throttled_periods: str = "container_cpu_cfs_throttled_periods_total"
    cfs_periods: str = "container_cpu_cfs_periods_total"
    #: kube-state-metrics: 1 while the last termination's reason is ``reason``.
    last_terminated: str = "kube_pod_container_status_last_terminated_reason"
    #: kube-state-metrics: the current requests / limits (``resource`` label).
    requests: str = "kube_pod_container_resource_requests"
    limits: str = "kube_pod_container_resource_limits"
    selector: str = 'container!="", container!="POD"'


class OptimizeSettings(Value):
    """Everything ``skylift optimize`` reads from skylift.yaml."""

    prometheus: str | None = None
    window_days: float = Field(default=14.0, gt=0, le=90)
    #: Step of the server-side evaluation (the traces' and node_exporter's usual 5 minutes).
    step_s: int = Field(default=300, ge=15, le=3600)
    #: No recommendation from less history than this (days of samples per series).
    min_days: float = Field(default=7.0, ge=0)
    #: Per-query timeout given to Prometheus (and the HTTP client, +5 s).
    timeout_s: float = Field(default=60.0, gt=0)
    #: Container CPU request: this quantile of usage, recent days weighted more.
    cpu_quantile: float = Field(default=0.95, gt=0, le=1)
    #: Half-life in days of the weight of a day's usage (older days count less).
    half_life_days: float = Field(default=7.0, gt=0)
    #: Memory margin over the peak: ``spread_factor`` × (peak − median), clipped to
    #: [``memory_margin_min``, ``memory_margin_max``] × peak.
    spread_factor: float = Field(default=0.2, ge=0)
    memory_margin_min: float = Field(default=0.05, ge=0)
    memory_margin_max: float = Field(default=0.2, ge=0)
    #: Without an OOM kill in the window, memory is never recommended above the current
    #: limit (the working set stayed within it); off: peak + margin even above it.
    memory_within_limit: bool = True
    #: Throttled share of CFS periods above which a CPU limit is flagged and never lowered.
    throttle_flag: float = Field(default=0.05, ge=0, le=1)
    vm: VmMetrics = VmMetrics()
    containers: ContainerMetrics = ContainerMetrics()

"""Which of an optimize run's workloads to look at first (the report's usage charts, #21).

Worst first: risks — a container with OOM kills or throttling, a VM whose
recommended size costs more than today's (it is under-allocated) — above
everything; then the saving (VMs: the largest monthly saving of a target;
containers: the share of their CPU and memory requests the recommendation
frees); workloads without a recommendation (too little data) last.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: Score of a risk (above any saving).
RISK = 1e9


def vm_score(row: Mapping[str, Any]) -> float:
    """Worst first: an upsize is a risk; else the largest monthly saving; no data last."""
    if row.get("reason"):
        return -1.0
    savings = [t["saving_month"] or 0.0 for t in row.get("targets", [])]
    if any(s < 0 for s in savings):
        return RISK - min(savings)
    return max(savings, default=0.0)


def container_score(row: Mapping[str, Any]) -> float:
    """Worst first: OOM kills or throttling; else the share of the requests freed."""
    if row.get("flags"):
        return RISK + len(row["flags"])
    rec, cur = row.get("recommended"), row.get("current") or {}
    if not rec:
        return -1.0
    freed = 0.0
    for field in ("cpu_request", "memory_request_mib"):
        if cur.get(field):
            freed += (cur[field] - rec[field]) / cur[field]
    return freed

"""The first query plan for the per-day CPU quantiles, kept as an oracle.

Prometheus computes each level itself: one range query per level at a 1-day
step over ``quantile_over_time(q, (rate expr)[1d:step])`` (``max_over_time``
for the maximum). Exact by construction, but ``rate()`` runs once per level;
:mod:`skylift.optimize.cpu_days` computes the same from one range query.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from skylift.optimize.cpu_days import LEVELS, cpu_expr
from skylift.optimize.prometheus import PrometheusClient
from skylift.optimize.settings import ContainerMetrics
from skylift.optimize.window import Window

_DAY = 86400


def day_query(m: ContainerMetrics, w: Window, level: float) -> str:
    """One level of each day's CPU distribution (a range query at a 1-day step)."""
    inner = f"({cpu_expr(m, w)})[{_DAY}s:{w.step}]"
    if level >= 1:
        return f"max_over_time({inner})"
    return f"quantile_over_time({level:g}, {inner})"


def server_cpu_days(
    client: PrometheusClient,
    m: ContainerMetrics,
    w: Window,
    day_ends: npt.NDArray[np.float64],
) -> dict[tuple[str, str], npt.NDArray[np.float64]]:
    """Per container: (days, len(LEVELS)) as Prometheus computes them (NaN: no data)."""
    days = len(day_ends)
    out: dict[tuple[str, str], npt.NDArray[np.float64]] = {}
    for j, level in enumerate(LEVELS):
        if level <= 0:
            continue
        got = client.range(day_query(m, w, level), day_ends[0], day_ends[-1], _DAY)
        for labels, points in got:
            key = (labels.get("namespace", ""), labels.get("container", ""))
            arr = out.setdefault(key, np.full((days, len(LEVELS)), np.nan))
            for t, v in points:
                i = round((t - day_ends[0]) / _DAY)
                if 0 <= i < days:
                    arr[i, j] = v
                    arr[i, 0] = 0.0
    return out

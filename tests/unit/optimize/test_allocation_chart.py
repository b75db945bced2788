"""The usage chart's current allocation (#21): a step line where the stored series has it
over time, flat at the run's value where it has none (rows stored before it was kept,
a workload without kube-state-metrics)."""

from __future__ import annotations

from typing import Any

import numpy as np

from skylift.optimize.series import STATS, as_lists, decode, encode
from skylift.report.html.views_usage import panel

POINTS = 12
ROW = {
    "namespace": "shop", "container": "web", "flags": [],
    "current": {"cpu_request": 1.0, "memory_request_mib": 2048.0},
    "recommended": {"cpu_request": 0.5, "memory_request_mib": 1024.0},
}  # fmt: skip


def _entry(values: np.ndarray) -> dict[str, Any]:
    return {"kind": "container", "key": "shop/web", "score": 0.0, "start": 1.7e9,
            "bucket_s": 3600, "values": as_lists(decode(encode(values), POINTS))}  # fmt: skip


def _current(option: dict[str, Any]) -> dict[str, Any]:
    (line,) = [s for s in option["series"] if s["name"] == "current"]
    return line


def test_current_is_a_step_line_where_stored_over_time() -> None:
    v = np.full((2, len(STATS) + 1, POINTS), 0.3, dtype=np.float32)
    v[0, -1] = np.where(np.arange(POINTS) < 5, 1.0, 0.5)
    v[1, -1] = np.nan  # no memory requests over time: flat at the run's request
    v[0, -1, 0] = np.nan  # a bucket without the metric stays a gap
    cpu, mem = panel(_entry(v), ROW).charts
    line = _current(cpu.option)
    assert line["step"] == "start" and "markLine" not in line
    assert line["data"] == [None, *[1.0] * 4, *[0.5] * 7]
    assert "from 0.5 to 1" in cpu.option["aria"]["label"]["description"]
    flat = _current(mem.option)
    assert flat["data"] == [] and flat["markLine"]["data"][0]["yAxis"] == 2.0


def test_rows_stored_before_the_allocation_was_kept_draw_it_flat() -> None:
    old = np.full((2, len(STATS), POINTS), 0.3, dtype=np.float32)  # the earlier layout
    for chart in panel(_entry(old), ROW).charts:
        line = _current(chart.option)
        assert line["data"] == [] and "markLine" in line

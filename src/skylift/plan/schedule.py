"""Schedule waves: transfer time from data, compression and bandwidth; cutover; lanes.

transfer hours = data × compression ratio ÷ effective bandwidth, where the
effective bandwidth is the link's Mbit/s × efficiency shared by the lanes
running at the same time. A wave starts when the waves it depends on have
finished and a lane is free.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from skylift.domain.plan import PlanningSettings

_BITS_PER_GIB = 8 * 1024**3


@dataclass(frozen=True)
class Slot:
    """When one wave runs."""

    transfer_hours: float
    cutover_hours: float
    start_hour: float
    end_hour: float
    lane: int


def transfer_hours(data_gib: float, settings: PlanningSettings, lanes: int = 1) -> float:
    """Hours to move ``data_gib`` over the link (shared by ``lanes`` parallel waves)."""
    mbps = settings.bandwidth_mbps * settings.link_efficiency / max(1, lanes)
    bits = data_gib * settings.compression_ratio * _BITS_PER_GIB
    return bits / (mbps * 1e6) / 3600.0


def schedule(
    data_gib: Sequence[float],
    predecessors: Mapping[int, set[int]],
    settings: PlanningSettings,
) -> list[Slot]:
    """Start/end hours per wave (index 0 = wave 1) on ``settings.lanes`` lanes."""
    lanes = settings.lanes
    free: list[tuple[float, int]] = [(0.0, lane) for lane in range(1, lanes + 1)]
    heapq.heapify(free)
    slots: list[Slot] = []
    for i, gib in enumerate(data_gib):
        t_hours = transfer_hours(gib, settings, lanes)
        cut = settings.cutover_window_hours
        lane_free, lane = heapq.heappop(free)
        ready = max((slots[p].end_hour for p in predecessors.get(i, set()) if p < i), default=0.0)
        start = max(lane_free, ready)
        end = start + t_hours + cut
        slots.append(Slot(t_hours, cut, start, end, lane))
        heapq.heappush(free, (end, lane))
    return slots


def gantt_svg(rows: Sequence[tuple[str, float, float, float, int, bool]], lanes: int) -> str:
    """An SVG Gantt chart: (label, start_h, transfer_h, end_h, lane, production) per wave."""
    total = max((r[3] for r in rows), default=1.0) or 1.0
    width, left, row_h = 960, 150, 26
    height = 50 + row_h * len(rows)
    scale = (width - left - 20) / total
    days = int(total // 24) + 1
    step = max(1, days // 12)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        'font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="10" y="18" font-weight="bold">Migration schedule ({total / 24:.1f} days, '
        f"{lanes} lane{'s' if lanes > 1 else ''})</text>",
    ]
    for d in range(0, days + 1, step):
        x = left + d * 24 * scale
        out.append(f'<line x1="{x:.1f}" y1="30" x2="{x:.1f}" y2="{height - 5}" stroke="#ddd"/>')
        out.append(f'<text x="{x + 2:.1f}" y="42" fill="#666">d{d}</text>')
    for i, (label, start, transfer, end, lane, prod) in enumerate(rows):
        y = 50 + i * row_h
        colour = "#c0392b" if prod else "#2e86c1"
        out.append(f'<text x="10" y="{y + 16}">{_esc(label)} (lane {lane})</text>')
        out.append(
            f'<rect x="{left + start * scale:.1f}" y="{y + 4}" '
            f'width="{max(1.0, transfer * scale):.1f}" height="{row_h - 8}" '
            f'fill="{colour}" opacity="0.45"><title>transfer {transfer:.1f} h</title></rect>'
        )
        out.append(
            f'<rect x="{left + (start + transfer) * scale:.1f}" y="{y + 4}" '
            f'width="{max(1.0, (end - start - transfer) * scale):.1f}" '
            f'height="{row_h - 8}" fill="{colour}"><title>cutover</title></rect>'
        )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

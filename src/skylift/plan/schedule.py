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

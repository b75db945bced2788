"""Assign move groups to waves, honouring the conditions in priority order.

1. groups move whole (two-way dependencies and applications are inside groups);
2. a dependency moves in the same or an earlier wave (group DAG order);
3. dev/test before production, and never both in one wave;
4. high-criticality or high-complexity groups stay out of the first waves;
5. a small, low-risk pilot wave first;
6. at most N servers and D TB per wave;
7. fewest cross-wave dependencies (groups with edges into the open wave first).

A greedy list scheduler: linear in groups + edges except for the candidate
choice, which only looks at groups adjacent to the open wave.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from skylift.domain.plan import MoveGroup, PlanningSettings, Relaxation

_TB = 1024.0


@dataclass
class WaveDraft:
    """A wave while it is being filled."""

    number: int
    production: bool
    pilot: bool
    groups: list[str] = field(default_factory=list)
    servers: int = 0
    data_gib: float = 0.0
    notes: list[str] = field(default_factory=list)
    risks: list[str] = field(default_factory=list)


def _risky(g: MoveGroup) -> bool:
    return g.criticality >= 4 or g.complexity >= 4


def _static_key(g: MoveGroup, dependents: int) -> tuple[int, int, int, float, str]:
    """Lower sorts first: non-prod, low risk, many dependents (unblock others), small."""
    return (int(g.production), int(_risky(g)), -dependents, g.data_gib, g.id)


Key = tuple[int, int, int, float, str]


class ReadyQueue:
    """Groups whose dependencies are placed, best first, with O(log n) removal by id."""

    def __init__(self) -> None:
        self._heap: list[tuple[Key, str]] = []
        self._live: set[str] = set()

    def __bool__(self) -> bool:
        return bool(self._live)

    def __contains__(self, gid: str) -> bool:
        return gid in self._live

    def push(self, key: Key, gid: str) -> None:
        """Add a group."""
        heapq.heappush(self._heap, (key, gid))
        self._live.add(gid)

    def pop(self) -> str:
        """Remove and return the best group."""
        while True:
            _, gid = heapq.heappop(self._heap)
            if gid in self._live:
                self._live.discard(gid)
                return gid

    def remove(self, gid: str) -> None:
        """Take a specific group out (lazily)."""
        self._live.discard(gid)


def assign_waves(
    groups: Sequence[MoveGroup], settings: PlanningSettings
) -> tuple[list[WaveDraft], list[Relaxation]]:
    """Fill waves greedily; return the drafts and every relaxation made."""
    by_id = {g.id: g for g in groups}
    dependents: dict[str, list[str]] = defaultdict(list)
    waiting: dict[str, int] = {}
    for g in groups:
        waiting[g.id] = len(g.depends_on)
        for d in g.depends_on:
            dependents[d].append(g.id)
    relax: list[Relaxation] = []
    max_gib = settings.max_tb_per_wave * _TB
    ready = {False: ReadyQueue(), True: ReadyQueue()}

    def key(gid: str) -> Key:
        return _static_key(by_id[gid], len(dependents[gid]))

    def release(gid: str) -> None:
        for dep in dependents[gid]:
            waiting[dep] -= 1
            if waiting[dep] == 0:
                ready[by_id[dep].production].push(key(dep), dep)

    for g in groups:
        if waiting[g.id] == 0:
            ready[g.production].push(key(g.id), g.id)
    placed: dict[str, int] = {}
    waves: list[WaveDraft] = []
    prod_groups: set[str] = set()  # groups already placed in production waves
    while len(placed) < len(groups):
        number = len(waves) + 1
        if not ready[False] and not ready[True]:  # pragma: no cover - groups form a DAG
            raise RuntimeError("planner found no ready group; the group graph has a cycle")
        production = not ready[False]
        pilot = number == 1 and settings.pilot_max_servers > 0 and not production
        wave = WaveDraft(number=number, production=production, pilot=pilot)
        cap_servers = _server_cap(settings, pilot)
        queue = ready[production]
        deferred: list[str] = []
        affinity: dict[str, int] = defaultdict(int)
        while queue:
            # Prefer a ready group with edges into this wave (fewest cross-wave deps).
            cands = [(-a, gid) for gid, a in affinity.items() if gid in queue]
            if cands:
                gid = min(cands)[1]
                queue.remove(gid)
            else:
                gid = queue.pop()
            g = by_id[gid]
            affinity.pop(gid, None)
            too_big = (
                wave.servers + len(g.servers) > cap_servers or wave.data_gib + g.data_gib > max_gib
            )
            early = number <= settings.protected_early_waves and _risky(g)
            if too_big or (early and (wave.groups or queue or deferred)):
                deferred.append(gid)
                continue
            _place(wave, g, placed, relax, settings, early, max_gib, pilot)
            release(gid)
            for other in _neighbours(g, dependents):
                if other not in placed:
                    affinity[other] += 1
        if not wave.groups:
            # Nothing fitted: the smallest deferred group goes alone, limits relaxed.
            deferred.sort(key=lambda d: (by_id[d].data_gib, d))
            gid = deferred.pop(0)
            g = by_id[gid]
            early = number <= settings.protected_early_waves and _risky(g)
            _place(wave, g, placed, relax, settings, early, max_gib, pilot, forced=True)
            release(gid)
        for gid in deferred:
            ready[by_id[gid].production].push(key(gid), gid)
        if production:
            prod_groups.update(wave.groups)
        elif prod_groups:
            relax.append(_dev_after_prod(wave, by_id, prod_groups))
        waves.append(wave)
    return waves, relax


def _dev_after_prod(
    wave: WaveDraft, by_id: Mapping[str, MoveGroup], prod_groups: set[str]
) -> Relaxation:
    """Dev/test groups that could only move after production (they depend on it)."""
    blocked = [by_id[g] for g in wave.groups if set(by_id[g].depends_on) & prod_groups]
    names = sorted({a for g in blocked for a in g.applications} or {g.id for g in blocked})
    wave.risks.append("dev/test moves after production: it depends on production servers")
    return Relaxation(
        constraint="dev/test before production",
        detail=f"wave {wave.number}: dev/test of {', '.join(names[:6]) or 'its groups'} "
        "depends on servers in earlier production waves, so it cannot move before them "
        "(dependency order ranks higher)",
        servers=tuple(k for g in blocked for k in g.servers),
    )


def _server_cap(settings: PlanningSettings, pilot: bool) -> int:
    """Servers a wave may hold: the pilot is smaller, never larger, than any other wave."""
    if pilot:
        return min(settings.pilot_max_servers, settings.max_servers_per_wave)
    return settings.max_servers_per_wave


def _neighbours(g: MoveGroup, dependents: Mapping[str, list[str]]) -> list[str]:
    return [*g.depends_on, *dependents.get(g.id, ())]


def _place(
    wave: WaveDraft,
    g: MoveGroup,
    placed: dict[str, int],
    relax: list[Relaxation],
    settings: PlanningSettings,
    early: bool,
    max_gib: float,
    pilot: bool,
    forced: bool = False,
) -> None:
    wave.groups.append(g.id)
    wave.servers += len(g.servers)
    wave.data_gib += g.data_gib
    placed[g.id] = wave.number
    label = ", ".join(g.applications) or f"group {g.id}"
    if forced and len(g.servers) > _server_cap(settings, pilot):
        relax.append(
            Relaxation(
                constraint="max servers per wave",
                detail=f"{label} has {len(g.servers)} servers that must move together "
                f"(> {_server_cap(settings, pilot)}); placed alone in wave {wave.number}",
                servers=g.servers,
            )
        )
        wave.risks.append(f"{label} exceeds the per-wave server limit")
    if forced and g.data_gib > max_gib:
        relax.append(
            Relaxation(
                constraint="max TB per wave",
                detail=f"{label} holds {g.data_gib / _TB:.1f} TB "
                f"(> {settings.max_tb_per_wave:g} TB) and cannot be split; "
                f"placed alone in wave {wave.number}",
                servers=g.servers,
            )
        )
        wave.risks.append(f"{label} exceeds the per-wave data limit")
    if early:
        relax.append(
            Relaxation(
                constraint="high-criticality not in the first waves",
                detail=f"{label} (criticality {g.criticality}, complexity {g.complexity}) "
                f"is needed early by its dependents and sits in wave {wave.number}",
                servers=g.servers,
            )
        )
        wave.risks.append(f"{label} is high-criticality/complexity but moves early")
    if g.mixed_environments:
        wave.risks.append(f"{label} mixes production and dev/test servers that must move together")

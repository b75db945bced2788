"""Why a server sits in its wave, in plain words."""

from __future__ import annotations

from skylift.domain.plan import Plan
from skylift.errors import InputError


def explain_server(plan: Plan, server: str) -> list[str]:
    """Lines explaining ``server``'s wave (by key or name, case-insensitive)."""
    key = _resolve(plan, server)
    for d in plan.decommission:
        if d.server == key:
            return [f"{d.name} is not migrated: it is listed for decommissioning ({d.reason})."]
    wave = plan.wave_of(key)
    group = next((g for g in plan.groups if key in g.servers), None)
    if wave is None or group is None:  # pragma: no cover - every planned server is placed
        return [f"{server} is not in the plan."]
    name = plan.server_names.get(key, key)
    names = plan.server_names
    lines = [
        f"{name} is in {wave.name} ({'production' if wave.production else 'dev/test'}, "
        f"risk {wave.risk}, data coverage {wave.data_coverage:.0%}, "
        f"strategy {wave.strategy})."
    ]
    others = [names.get(k, k) for k in group.servers if k != key]
    if others:
        lines.append(
            f"It moves with {len(others)} other server(s) of group {group.id} "
            f"({', '.join(others[:8])}{' …' if len(others) > 8 else ''}) because: "
            f"{'; '.join(group.reasons)}."
        )
    else:
        lines.append("It moves on its own (no application or strong two-way dependency binds it).")
    wave_by_group = {g: w.number for w in plan.waves for g in w.groups}
    if group.depends_on:
        earlier = sorted({wave_by_group[g] for g in group.depends_on})
        lines.append(
            f"It depends on group(s) {', '.join(group.depends_on[:6])} that move in "
            f"wave(s) {', '.join(map(str, earlier))} — the same or an earlier wave."
        )
    dependents = [g.id for g in plan.groups if group.id in g.depends_on]
    if dependents:
        later = sorted({wave_by_group[g] for g in dependents})
        lines.append(
            f"{len(dependents)} group(s) depend on it and move in wave(s) "
            f"{', '.join(map(str, later))}."
        )
    lines += [f"Wave: {r}." for r in wave.reasons]
    lines += [f"Risk: {r}." for r in wave.risks]
    for r in plan.relaxations:
        if key in r.servers:
            lines.append(f"Relaxed '{r.constraint}': {r.detail}.")
    return lines


def _resolve(plan: Plan, server: str) -> str:
    if server in plan.server_names:
        return server
    low = server.strip().lower()
    hits = [k for k, n in plan.server_names.items() if n.lower() == low]
    if len(hits) == 1:
        return hits[0]
    if len(hits) > 1:
        raise InputError(
            f"server name {server!r} is ambiguous ({len(hits)} servers)",
            "pass the server key instead (skylift inventory --json)",
        )
    raise InputError(f"no server {server!r} in the plan", "check the name with 'skylift inventory'")

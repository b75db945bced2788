"""Move groups: servers that must move together.

Joined by (1) the same application within the same environment class,
(2) strong two-way dependencies, (3) dependency cycles between groups — a
cycle under the rule "a dependency moves in the same or an earlier wave"
can only be satisfied by moving together. A cycle too big for one wave is
broken at its weakest edges instead, and the plan says so.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

from skylift.domain.inventory import Dependency
from skylift.domain.plan import GroupReason, MoveGroup, PlanningSettings, Relaxation
from skylift.plan.graph import UnionFind, strongly_connected_components
from skylift.plan.inputs import ServerFacts


def ordering_edges(
    deps: Sequence[Dependency], facts: Mapping[str, ServerFacts], settings: PlanningSettings
) -> dict[tuple[str, str], int]:
    """Server → server edges that constrain order, with summed strength.

    Edges to unknown or retired servers, self-loops and dependencies on shared
    infrastructure ports are left out.
    """
    infra = set(settings.infrastructure_ports)
    edges: dict[tuple[str, str], int] = defaultdict(int)
    for d in deps:
        t = d.target_key
        if t is None or t == d.source_key or d.port in infra:
            continue
        if d.source_key in facts and t in facts:
            edges[(d.source_key, t)] += d.strength
    return dict(edges)


def build_groups(
    facts: Mapping[str, ServerFacts],
    edges: Mapping[tuple[str, str], int],
    settings: PlanningSettings,
) -> tuple[list[MoveGroup], list[Relaxation], set[tuple[str, str]]]:
    """Group servers; return groups, relaxations, and the edges dropped to break cycles."""
    uf: UnionFind[str] = UnionFind(facts)
    reasons: dict[str, set[str]] = defaultdict(set)
    by_app: dict[tuple[str, bool], list[str]] = defaultdict(list)
    for f in facts.values():
        if f.application:
            by_app[(f.application, f.production)].append(f.key)
    for members in by_app.values():
        for m in members[1:]:
            uf.union(members[0], m)
        if len(members) > 1:
            reasons[members[0]].add(GroupReason.APPLICATION.value)
    strong = settings.strong_dependency_strength
    for (a, b), w in edges.items():
        back = edges.get((b, a))
        if back is not None and w >= strong and back >= strong and a < b:
            uf.union(a, b)
            reasons[a].add(GroupReason.TWO_WAY.value)

    relaxations: list[Relaxation] = []
    dropped: set[tuple[str, str]] = set()
    limit = settings.max_servers_per_wave
    # Merge dependency cycles between groups until the group graph is acyclic.
    for _ in range(len(facts) + 1):
        reps = {k: uf.find(k) for k in facts}
        g_edges: dict[str, set[str]] = defaultdict(set)
        for a, b in edges:
            if (a, b) in dropped:
                continue
            ra, rb = reps[a], reps[b]
            if ra != rb:
                g_edges[ra].add(rb)
        nodes = sorted(set(reps.values()))
        cycles = [c for c in strongly_connected_components(nodes, g_edges) if len(c) > 1]
        if not cycles:
            break
        members_of: dict[str, list[str]] = defaultdict(list)
        for k, r in reps.items():
            members_of[r].append(k)
        for comp in cycles:
            comp_set = set(comp)
            size = sum(len(members_of[r]) for r in comp)
            servers = sorted(k for r in comp for k in members_of[r])
            names = ", ".join(facts[k].name for k in servers[:8])
            apps = sorted({facts[k].application or facts[k].name for k in servers})
            if size <= limit:
                for r in comp[1:]:
                    uf.union(comp[0], r)
                reasons[comp[0]].add(GroupReason.CYCLE.value)
                relaxations.append(
                    Relaxation(
                        constraint="dependency cycle across applications",
                        detail=f"{', '.join(apps)} depend on each other in a cycle; "
                        f"moved together as one group ({size} servers: {names})",
                        servers=tuple(servers),
                    )
                )
            else:
                inner = [
                    (w, a, b)
                    for (a, b), w in edges.items()
                    if (a, b) not in dropped
                    and reps[a] in comp_set
                    and reps[b] in comp_set
                    and reps[a] != reps[b]
                ]
                w, a, b = min(inner)
                dropped.add((a, b))
                relaxations.append(
                    Relaxation(
                        constraint="dependency order",
                        detail=f"cycle of {size} servers exceeds {limit} per wave; ignored the "
                        f"weakest edge {facts[a].name} → {facts[b].name} (strength {w}) "
                        "to break it",
                        servers=(a, b),
                    )
                )
    groups = _make_groups(facts, edges, dropped, uf, reasons)
    return groups, relaxations, dropped


def _make_groups(
    facts: Mapping[str, ServerFacts],
    edges: Mapping[tuple[str, str], int],
    dropped: set[tuple[str, str]],
    uf: UnionFind[str],
    reasons: Mapping[str, set[str]],
) -> list[MoveGroup]:
    members = uf.groups()
    rep_reasons: dict[str, set[str]] = defaultdict(set)
    for k, rs in reasons.items():
        rep_reasons[uf.find(k)] |= rs
    order = sorted(
        members,
        key=lambda r: (min((facts[k].application or "~") for k in members[r]), min(members[r])),
    )
    gid = {r: f"g{i + 1:04d}" for i, r in enumerate(order)}
    deps_of: dict[str, set[str]] = defaultdict(set)
    for a, b in edges:
        if (a, b) in dropped:
            continue
        ra, rb = uf.find(a), uf.find(b)
        if ra != rb:
            deps_of[ra].add(gid[rb])
    out: list[MoveGroup] = []
    for r in order:
        keys = sorted(members[r], key=lambda k: facts[k].name)
        fs = [facts[k] for k in keys]
        prod = {f.production for f in fs}
        why = rep_reasons.get(r) or {GroupReason.SINGLE.value}
        out.append(
            MoveGroup(
                id=gid[r],
                servers=tuple(keys),
                applications=tuple(sorted({f.application for f in fs if f.application})),
                reasons=tuple(sorted(why)),
                production=True in prod,
                mixed_environments=len(prod) > 1,
                criticality=max(f.criticality for f in fs),
                complexity=max(f.complexity for f in fs),
                data_gib=sum(f.data_gib for f in fs),
                depends_on=tuple(sorted(deps_of.get(r, ()))),
                confidence=sum(f.confidence for f in fs) / len(fs),
            )
        )
    return out

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
    _resolve_cycles(facts, edges, settings, uf, reasons, relaxations, dropped)
    groups = _make_groups(facts, edges, dropped, uf, reasons)
    return groups, relaxations, dropped


#: Share of a too-big cycle's inner edges dropped per round (weakest first): small
#: enough to keep most dependency order, big enough that a 10,000-server tangle
#: breaks in tens of rounds rather than one edge at a time.
_BREAK_SHARE = 0.05


def _resolve_cycles(
    facts: Mapping[str, ServerFacts],
    edges: Mapping[tuple[str, str], int],
    settings: PlanningSettings,
    uf: UnionFind[str],
    reasons: dict[str, set[str]],
    relaxations: list[Relaxation],
    dropped: set[tuple[str, str]],
) -> None:
    """Make the group graph acyclic: merge each cycle that fits a wave; break the others.

    Strongly connected components of the group graph are disjoint, so each is
    settled on its own: contracting one never creates a cycle elsewhere. A
    component bigger than a wave loses its weakest inner edges (a few percent
    per round) and its own sub-components are settled in turn.
    """
    limit = settings.max_servers_per_wave
    members_of: dict[str, list[str]] = defaultdict(list)
    for k in facts:
        members_of[uf.find(k)].append(k)
    group_edges: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for a, b in edges:
        ra, rb = uf.find(a), uf.find(b)
        if ra != rb:
            group_edges[(ra, rb)].append((a, b))
    succ: dict[str, set[str]] = defaultdict(set)
    for ra, rb in group_edges:
        succ[ra].add(rb)
    work = [c for c in strongly_connected_components(sorted(members_of), succ) if len(c) > 1]
    while work:
        comp = work.pop()
        servers = sorted(k for r in comp for k in members_of[r])
        if len(servers) <= limit:
            for r in comp[1:]:
                uf.union(comp[0], r)
            reasons[comp[0]].add(GroupReason.CYCLE.value)
            names = ", ".join(facts[k].name for k in servers[:8])
            apps = sorted({facts[k].application or facts[k].name for k in servers})
            relaxations.append(
                Relaxation(
                    constraint="dependency cycle across applications",
                    detail=f"{', '.join(apps)} depend on each other in a cycle; "
                    f"moved together as one group ({len(servers)} servers: {names})",
                    servers=tuple(servers),
                )
            )
            continue
        comp_set = set(comp)
        inner = sorted(
            (edges[e], e)
            for (ra, rb), es in group_edges.items()
            if ra in comp_set and rb in comp_set
            for e in es
            if e not in dropped
        )
        batch = inner[: max(1, int(len(inner) * _BREAK_SHARE))]
        dropped.update(e for _, e in batch)
        relaxations.append(_broken(facts, batch, len(servers), limit))
        sub_succ: dict[str, set[str]] = defaultdict(set)
        for _, (a, b) in inner[len(batch) :]:
            sub_succ[uf.find(a)].add(uf.find(b))
        work.extend(c for c in strongly_connected_components(comp, sub_succ) if len(c) > 1)


def _broken(
    facts: Mapping[str, ServerFacts],
    batch: Sequence[tuple[int, tuple[str, str]]],
    size: int,
    limit: int,
) -> Relaxation:
    """The relaxation for one round of cycle breaking, naming the ignored edges."""
    shown = "; ".join(
        f"{facts[a].name} → {facts[b].name} (strength {w})" for w, (a, b) in batch[:5]
    )
    more = f" and {len(batch) - 5} more" if len(batch) > 5 else ""
    what = "the weakest edge" if len(batch) == 1 else f"the {len(batch)} weakest edges"
    return Relaxation(
        constraint="dependency order",
        detail=f"cycle of {size} servers exceeds {limit} per wave; ignored {what} to break "
        f"it: {shown}{more}",
        servers=tuple(sorted({k for _, e in batch for k in e})),
    )


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

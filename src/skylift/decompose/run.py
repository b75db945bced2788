"""``decompose``: source (+ traces) in, proposed services with scores and explanations out."""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from skylift.decompose import explain, metrics, partition, refine, source, traces
from skylift.decompose.model import CodeGraph, link
from skylift.domain.progress import NULL_PROGRESS, Progress
from skylift.errors import InputError

MIN_UNITS = 3  # fewer connected classes than this: nothing to decompose
TRACE_WEIGHT = 2.0  # a runtime call counts more than a static reference
CONTEXT_WEIGHT = 2.0  # Jaccard of two classes' use cases (Mono2Micro's business context)
MAX_TABLE_PEERS = 20  # classes sharing a table without an entity class are tied up to this
REACH_DEPTH = 3  # static calls followed from an entry point for its business context


@dataclass(frozen=True)
class Decomposition:
    """The proposal: services, score card, explanations, and what was skipped."""

    source: str
    units: int
    criterion: str
    services: list[dict[str, Any]]
    score: metrics.ScoreCard
    ties: dict[str, list[dict[str, Any]]]
    moves: list[dict[str, Any]]
    unparseable: list[str] = field(default_factory=list)
    unknown_in_traces: list[str] = field(default_factory=list)
    traced: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "classes": self.units,
            "criterion": self.criterion,
            "traced": self.traced,
            "score": self.score.as_json(),
            "services": self.services,
            "moves": self.moves,
            "ties": self.ties,
            "unparseable": self.unparseable,
            "unknown_in_traces": self.unknown_in_traces,
        }


def analyse(root: Path, traces_dir: Path | None, progress: Progress = NULL_PROGRESS) -> CodeGraph:
    """Read the code (and traces) into the weighted code graph."""
    units, bad = source.read(root, source.files(root), progress)
    code = CodeGraph(units=units, calls=link(units), unparseable=bad)
    entity_table = {n: u.owns_table for n, u in units.items() if u.owns_table}
    jpql = {n.rsplit(".", 1)[-1].lower(): t for n, t in entity_table.items()}
    for unit in units.values():  # JPQL/HQL names the entity, not the table
        unit.tables = {jpql.get(t, t) for t in unit.tables}
    for a, b in code.calls:
        if b in entity_table:
            units[a].tables.add(entity_table[b])
    if traces_dir is not None:
        add_traces(code, traces.load(traces_dir))
    return code


def decompose(
    root: Path,
    traces_dir: Path | None = None,
    k: int | None = None,
    progress: Progress = NULL_PROGRESS,
    refined: bool = True,
) -> Decomposition:
    """Propose services for the monolith at ``root``."""
    return propose(analyse(root, traces_dir, progress), root, k, progress, refined)


def propose(
    code: CodeGraph,
    root: Path,
    k: int | None = None,
    progress: Progress = NULL_PROGRESS,
    refined: bool = True,
) -> Decomposition:
    """Partition an analysed code graph (with its runtime evidence) into services.

    ``refined``: Louvain's partition is refined by local search (``refine.py``).
    """
    weights = _weights(code)
    connected = {n for pair in weights for n in pair}
    if len(connected) < MIN_UNITS:
        raise InputError(
            f"{root}: nothing to decompose: {len(code.units)} classes, "
            f"{len(connected)} of them tied to another",
            hint=f"a split needs at least {MIN_UNITS} classes that reference each other",
        )
    if k is not None and not 1 <= k <= len(code.units):
        raise InputError(f"--k {k}: expected 1..{len(code.units)} (the number of classes)")
    progress.begin("Partitioning", total=None)
    g = partition.graph(sorted(code.units), weights)
    parts = partition.partition(g, k)
    owners = partition.assign_tables(parts, code.units)
    calls = code.trace_calls or code.calls
    use_cases = code.use_cases or static_use_cases(code)
    if refined:
        entities = frozenset(n for n, u in code.units.items() if u.owns_table)
        weight = {n: 1 + len(v) for n, v in code.nested.items()}
        parts = refine.refine(parts, calls, use_cases, entities, k is not None, weight)
        owners = partition.table_owners(parts, code.units)
    progress.end()
    return Decomposition(
        source=str(root),
        units=len(code.units),
        criterion=(f"--k {k}" if k else "Louvain, highest modularity (resolution 1)")
        + (", refined (ICP/BCP/IFN local search)" if refined else ""),
        services=_services(code, parts, owners, root),
        score=metrics.score(parts, calls, calls, use_cases),
        ties={n: [t.__dict__ for t in ts] for n, ts in explain.ties(g, parts).items()},
        moves=[m.as_json() for m in explain.moves(g, parts)],
        unparseable=code.unparseable,
        unknown_in_traces=code.unknown_in_traces,
        traced=bool(code.trace_calls),
    )


def static_use_cases(code: CodeGraph, depth: int = REACH_DEPTH) -> dict[str, set[str]]:
    """Without traces, each entry point is a business context: the classes its class
    reaches in ``depth`` static calls carry it (as CARGO proxies use cases by entry points)."""
    out_edges: dict[str, list[str]] = {}
    for a, b in code.calls:
        out_edges.setdefault(a, []).append(b)
    found: dict[str, set[str]] = {}
    for name, unit in code.units.items():
        for ep in unit.entry_points:
            frontier, seen = [name], {name}
            for _ in range(depth):
                frontier = [m for n in frontier for m in out_edges.get(n, ()) if m not in seen]
                seen.update(frontier)
            for cls in seen:
                found.setdefault(cls, set()).add(f"{ep} ({name})")
    return found


def add_traces(code: CodeGraph, chains: list[traces.Chain]) -> None:
    """Match trace names to units (qualified or unique simple name); add calls and use cases."""
    by_simple: dict[str, list[str]] = {}
    for name in code.units:
        by_simple.setdefault(name.rsplit(".", 1)[-1], []).append(name)
    unknown: set[str] = set()
    for use_case, chain, times in chains:
        resolved = []
        for name in chain:
            cls = traces.top_level(name)
            hit = cls if cls in code.units else None
            matches = by_simple.get(cls.rsplit(".", 1)[-1], [])
            hit = hit or (matches[0] if len(matches) == 1 else None)
            if hit is None:
                unknown.add(cls)
                continue
            resolved.append(hit)
            if name != cls:
                code.nested.setdefault(hit, set()).add(name)
            if use_case is not None:
                code.use_cases.setdefault(hit, set()).add(use_case)
        for a, b in itertools.pairwise(resolved):
            code.trace_calls[(a, b)] = code.trace_calls.get((a, b), 0.0) + times
    code.unknown_in_traces = sorted(unknown)


def _weights(code: CodeGraph) -> dict[tuple[str, str], float]:
    """Undirected tie strengths: log-damped static references, runtime calls, use cases, tables."""
    out = {p: math.log1p(w) for p, w in code.undirected().items()}

    def add(a: str, b: str, w: float) -> None:
        if a != b:
            key = (a, b) if a < b else (b, a)
            out[key] = out.get(key, 0.0) + w

    for (a, b), w in code.trace_calls.items():
        add(a, b, TRACE_WEIGHT * math.log1p(w))
    members: dict[str, list[str]] = {}
    for cls, ucs in code.use_cases.items():
        for uc in ucs:
            members.setdefault(uc, []).append(cls)
    seen: set[tuple[str, str]] = set()
    for group in members.values():
        for i, a in enumerate(group):
            for b in group[i + 1 :]:
                key = (a, b) if a < b else (b, a)
                if key not in seen:
                    seen.add(key)
                    ua, ub = code.use_cases[a], code.use_cases[b]
                    add(a, b, CONTEXT_WEIGHT * len(ua & ub) / len(ua | ub))
    users: dict[str, list[str]] = {}
    for name, unit in code.units.items():
        for t in unit.tables:
            users.setdefault(t, []).append(name)
    entity_tables = {u.owns_table for u in code.units.values()}
    for t, group in users.items():
        if t not in entity_tables and 1 < len(group) <= MAX_TABLE_PEERS:
            for i, a in enumerate(group):
                for b in group[i + 1 :]:
                    add(a, b, 1.0 / (len(group) - 1))
    return out


def _services(
    code: CodeGraph, parts: dict[str, int], owners: dict[str, int], root: Path
) -> list[dict[str, Any]]:
    k = max(parts.values()) + 1
    services: list[dict[str, Any]] = [
        {
            "id": i,
            "classes": [],
            "entry_points": [],
            "owned_tables": [],
            "shared_tables": [],
            "calls_out": Counter(),
            "calls_in": 0,
        }
        for i in range(k)
    ]
    for name in sorted(parts):
        svc, unit = services[parts[name]], code.units[name]
        svc["classes"].append(name)
        svc["entry_points"] += [f"{e} ({name.rsplit('.', 1)[-1]})" for e in unit.entry_points]
        svc["shared_tables"] += [t for t in unit.tables if owners.get(t) != parts[name]]
    for t, i in sorted(owners.items()):
        services[i]["owned_tables"].append(t)
    for (a, b), w in code.calls.items():
        if parts[a] != parts[b]:
            services[parts[a]]["calls_out"][f"{a} -> {b}"] += w
            services[parts[b]]["calls_in"] += 1
    for svc in services:
        svc["shared_tables"] = sorted(set(svc["shared_tables"]))
        svc["calls_out"] = [
            {"call": c, "weight": round(w, 2)} for c, w in svc["calls_out"].most_common(20)
        ]
        svc["name"] = _name(svc, code)
    return services


def _name(svc: dict[str, Any], code: CodeGraph) -> str:
    hint = (
        svc["owned_tables"][0]
        if svc["owned_tables"]
        else max(svc["classes"], key=lambda n: (len(code.units[n].refs), n)).rsplit(".", 1)[-1]
    )
    slug = re.sub(r"[^a-z0-9]+", "-", re.sub(r"(?<!^)(?=[A-Z])", "-", hint).lower()).strip("-")
    return f"svc{svc['id'] + 1}-{slug or 'service'}"

"""Decomposition quality metrics, computed as the Mono2Micro artifact computes them.

The reference is the code that produced the published numbers: Kalia et al.,
"Mono2Micro" (ESEC/FSE 2021), replication package
github.com/kaliaanup/Mono2Micro-FSE-2021 @ d446bd1, ``metrics/metrics_util.py``
(also vendored by CARGO, Nitin et al., ASE 2022). On the artifact's own
partitions that code reproduces the cells of its ``experimental_results.xlsx``
exactly; ``tests/unit/decompose/test_metrics.py`` checks these functions
against numbers it printed. Differences from the papers' prose are noted
per function (docs/decompose.md, "Metrics").
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

Edges = dict[tuple[str, str], float]  # directed (caller, callee) -> call count
UNKNOWN = "Unknown"  # the artifact's business context of a class in no use case


@dataclass(frozen=True)
class ScoreCard:
    """Higher SM is better; lower ICP, BCP, IFN and NED are better."""

    sm: float
    icp: float
    bcp: float | None  # None without use cases
    ifn: float
    ned: float

    def as_json(self) -> dict[str, float | None]:
        return {k: None if v is None else round(v, 4) for k, v in self.__dict__.items()}


def _linked(parts: dict[str, int], edges: Edges) -> set[tuple[str, str]]:
    """Unordered pairs of distinct partitioned classes with a call either way."""
    return {
        (min(a, b), max(a, b)) for a, b in edges if a != b and a in parts and b in parts
    }  # fmt: skip


def structural_modularity(parts: dict[str, int], edges: Edges) -> float:
    """SM = 1/K Σ_i μ_i/N_i² − 1/(K(K−1)/2) Σ_{i<j} σ_ij/(N_i N_j).

    μ_i: linked class pairs inside i; σ_ij: linked pairs between i and j. The
    artifact sums σ_ij/(2 N_i N_j) over ordered pairs (i, j), i.e. the form
    above. Its cohesion loop also counts a class's self-call as a pair, for
    every class of i but the last one listed; kept here (``parts`` order), as
    it moves the published figures by up to 0.2.
    """
    sizes = Counter(parts.values())
    k = len(sizes)
    inner: Counter[int] = Counter()
    between: Counter[tuple[int, int]] = Counter()
    for a, b in _linked(parts, edges):
        pa, pb = parts[a], parts[b]
        if pa == pb:
            inner[pa] += 1
        else:
            between[(min(pa, pb), max(pa, pb))] += 1
    members: dict[int, list[str]] = {}
    for cls, p in parts.items():
        members.setdefault(p, []).append(cls)
    for p, classes in members.items():
        inner[p] += sum(1 for c in classes[:-1] if (c, c) in edges)
    cohesion = sum(inner[p] / sizes[p] ** 2 for p in sizes) / k
    if k == 1:
        return cohesion
    coupling = sum(s / (sizes[i] * sizes[j]) for (i, j), s in between.items())
    return cohesion - coupling / (k * (k - 1) / 2)


def inter_call_percentage(parts: dict[str, int], calls: Edges) -> float:
    """ICP = Σ_cross (ln v + 1) / Σ_all (ln v + 1) over caller→callee pairs with v calls.

    Self-calls and classes outside the partition (the traces' ``Root``) are
    left out. CARGO's copy weighs each pair by v instead of ln v + 1.
    """
    total = crossing = 0.0
    for (a, b), v in calls.items():
        if a == b or a not in parts or b not in parts or v <= 0:
            continue
        w = math.log(v) + 1.0 if v >= 1 else v  # static weights below 1 count as they are
        total += w
        crossing += w if parts[a] != parts[b] else 0.0
    return crossing / total if total else 0.0


def business_context_purity(parts: dict[str, int], use_cases: dict[str, set[str]]) -> float | None:
    """BCP = 1/K Σ_i ln |BC_i|: BC_i the distinct use cases of i's classes.

    The artifact takes the entropy (natural log) of a uniform distribution over
    the distinct business contexts of each partition, a class in none
    counting as ``Unknown``. CARGO's copy weighs each context by how many of
    the partition's classes carry it.
    """
    if not any(use_cases.get(c) for c in parts):
        return None
    per: dict[int, set[str]] = {}
    for cls, p in parts.items():
        per.setdefault(p, set()).update(use_cases.get(cls) or {UNKNOWN})
    return sum(math.log(len(bc)) for bc in per.values()) / len(per)


def interface_number(parts: dict[str, int], calls: Edges) -> float:
    """IFN = (linked class pairs in different partitions) / K, as the artifact counts.

    FoSCI's prose counts published interfaces per service; the published
    numbers count cross-service class pairs with a call either way.
    """
    k = len(set(parts.values()))
    crossing = sum(1 for a, b in _linked(parts, calls) if parts[a] != parts[b])
    return crossing / k if k else 0.0


def non_extreme_distribution(parts: dict[str, int], low: int = 5, high: int = 20) -> float:
    """NED = 1 − Σ_{i: low ≤ N_i ≤ high} N_i / N: share of classes in too small/large services."""
    sizes = Counter(parts.values())
    n = sum(sizes.values())
    return 1.0 - sum(s for s in sizes.values() if low <= s <= high) / n if n else 0.0


def score(
    parts: dict[str, int], structure: Edges, calls: Edges, use_cases: dict[str, set[str]]
) -> ScoreCard:
    """All five; ``calls`` are runtime calls when traced, else the static graph."""
    return ScoreCard(
        sm=structural_modularity(parts, structure),
        icp=inter_call_percentage(parts, calls),
        bcp=business_context_purity(parts, use_cases),
        ifn=interface_number(parts, calls),
        ned=non_extreme_distribution(parts),
    )

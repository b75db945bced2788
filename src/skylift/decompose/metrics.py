"""Decomposition quality metrics, as defined in the literature (docs/decompose.md).

SM, ICP, BCP and IFN follow Kalia et al., "Mono2Micro: a practical and
effective tool for decomposing monolithic Java applications to microservices",
ESEC/FSE 2021, §5 (also used by Nitin et al., "CARGO: AI-guided dependency
analysis for migrating monolithic applications to microservices
architecture", ASE 2022); NED follows Jin et al. (FoSCI, TSE 2019) with the
5..20 classes band Mono2Micro and CARGO use.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

Edges = dict[tuple[str, str], float]  # directed (caller, callee) -> weight


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


def structural_modularity(parts: dict[str, int], edges: Edges) -> float:
    """SM = 1/K Σ u_i/N_i² − 1/(K(K−1)/2) Σ_{i<j} σ_ij/(2 N_i N_j).

    u_i: edges with both ends in partition i; σ_ij: edges between i and j
    (each unordered pair of classes counted once, unweighted).
    """
    sizes = Counter(parts.values())
    k = len(sizes)
    inner: Counter[int] = Counter()
    between: Counter[tuple[int, int]] = Counter()
    for a, b in {(min(a, b), max(a, b)) for a, b in edges if a != b and a in parts and b in parts}:
        pa, pb = parts[a], parts[b]
        if pa == pb:
            inner[pa] += 1
        else:
            between[(min(pa, pb), max(pa, pb))] += 1
    cohesion = sum(inner[p] / sizes[p] ** 2 for p in sizes) / k
    if k == 1:
        return cohesion
    coupling = sum(s / (2 * sizes[i] * sizes[j]) for (i, j), s in between.items())
    return cohesion - coupling / (k * (k - 1) / 2)


def inter_call_percentage(parts: dict[str, int], calls: Edges) -> float:
    """ICP = Σ_{i≠j} c_ij / Σ_{i,j} c_ij: the share of call weight crossing services."""
    total = crossing = 0.0
    for (a, b), w in calls.items():
        if a == b or a not in parts or b not in parts:
            continue
        total += w
        crossing += w if parts[a] != parts[b] else 0.0
    return crossing / total if total else 0.0


def business_context_purity(parts: dict[str, int], use_cases: dict[str, set[str]]) -> float | None:
    """BCP = 1/K Σ_i H(BC_i), H the entropy (log2) of the use cases of partition i's classes.

    BC_i is the multiset of use cases of the classes in i (a class in n use
    cases adds each once); only partitions with a traced class count in K.
    """
    per: dict[int, Counter[str]] = {}
    for cls, ucs in use_cases.items():
        if cls in parts and ucs:
            per.setdefault(parts[cls], Counter()).update(ucs)
    if not per:
        return None
    total = 0.0
    for counts in per.values():
        n = sum(counts.values())
        total -= sum(c / n * math.log2(c / n) for c in counts.values())
    return total / len(per)


def interface_number(parts: dict[str, int], calls: Edges) -> float:
    """IFN = 1/K Σ_i ifn_i, ifn_i the classes of i called from another partition."""
    k = len(set(parts.values()))
    interfaces = {b for a, b in calls if a in parts and b in parts and parts[a] != parts[b]}
    return len(interfaces) / k if k else 0.0


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

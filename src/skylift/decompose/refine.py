"""Refine a partition by local search on a stated objective (after Louvain).

Louvain maximises modularity, which is none of the score card's metrics. This
stage starts from its partition and minimises

    J = ICP / ICP₀ + BCP / BCP₀ + IFN / IFN₀

— the three lower-is-better metrics of the score card (``metrics.py``: crossing
call weight, business contexts per service, crossing linked class pairs per
service), each divided by its value on the starting partition, so the terms
weigh equally and a 10 % gain on one counts as a 10 % gain on another (a term
that is 0 at the start, or has no data, is divided by 1 / left out). The
weights are fixed by that rule, not fitted to any app. NED is a constraint:
no step may increase the number of classes in services outside 5..20 classes,
so NED never ends worse than Louvain's. Pinned classes (entity classes, which
carry their table's ownership) never move, and no service is emptied by a move.

Steps, each taken only if it lowers J (so the search never ends worse than its
start): (1) best single-class move of each class in sorted order to a service
it is tied to or shares a business context with, repeated until none improves;
(2) the best merge of two tied services; (3) the best split of a service into
one of its own Louvain communities and the rest. Repeat until no step improves
(at most ``MAX_ROUNDS``). All in sorted order with fixed seeds: deterministic.
"""

from __future__ import annotations

import math
import random
import statistics
from collections import Counter
from dataclasses import dataclass

from skylift.decompose import metrics

LOW, HIGH = 5, 20  # NED's non-extreme service sizes
SEED = 7
CHAINS = 8  # annealing chains (seeds SEED, SEED + 1, ...)
STEPS_PER_CLASS = 1000  # annealing steps per class and chain ...
MAX_STEPS = 400_000  # ... at most, over all chains (10,000 classes: about 10 s)
T_END = 1e-3  # final temperature / initial (initial: median |ΔJ| of 100 proposed moves)
NEIGHBOUR_SHARE = 0.8  # proposals: to a tied class's service / any service / a new one
NEW_SHARE = 0.05
PENALTY = 10.0  # per class in an extreme service beyond the start's, over N, during annealing
MAX_PASSES = 20  # greedy single-move passes after annealing
EPS = 1e-12


@dataclass(frozen=True)
class Objective:
    """J's three normalisers (1/term on the start; 0 drops a term)."""

    icp: float
    bcp: float
    ifn: float


def _call_weight(v: float) -> float:
    return math.log(v) + 1.0 if v >= 1 else v  # as metrics.inter_call_percentage weighs a pair


class Search:
    """Partition state with the incremental quantities J needs."""

    def __init__(
        self,
        parts: dict[str, int],
        calls: metrics.Edges,
        use_cases: dict[str, set[str]],
        weight: dict[str, int] | None = None,
    ) -> None:
        self.of = dict(parts)
        self.weight = {n: (weight or {}).get(n, 1) for n in parts}  # classes a unit stands for
        self.members: dict[int, set[str]] = {}
        self.size: Counter[int] = Counter()
        for n, p in parts.items():
            self.members.setdefault(p, set()).add(n)
            self.size[p] += self.weight[n]
        self.adj: dict[str, dict[str, list[float]]] = {n: {} for n in parts}  # n -> m -> [w, link]
        self.total = 0.0
        for (a, b), v in calls.items():
            if a == b or a not in parts or b not in parts or v <= 0:
                continue
            w = _call_weight(v)
            self.total += w
            for x, y in ((a, b), (b, a)):
                cell = self.adj[x].setdefault(y, [0.0, 0.0])
                cell[0] += w
                cell[1] = 1.0
        self.has_contexts = any(use_cases.get(n) for n in parts)
        self.ctx = {n: frozenset(use_cases.get(n) or {metrics.UNKNOWN}) for n in parts}
        self.bc: dict[int, Counter[str]] = {p: Counter() for p in self.members}
        for n, p in parts.items():
            self.bc[p].update(self.ctx[n])
        self.crossing = sum(w for n in parts for m, (w, _) in self.adj[n].items()
                            if parts[n] != parts[m]) / 2  # fmt: skip
        self.linked = sum(lk for n in parts for m, (_, lk) in self.adj[n].items()
                          if parts[n] != parts[m]) / 2  # fmt: skip
        self.log_bc = sum(math.log(len(c)) for c in self.bc.values())
        self.bad = sum(_bad(z) for z in self.size.values())  # classes in extreme services
        self.odd = sum(1 for z in self.size.values() if _bad(z))  # extreme services

    def terms(self) -> tuple[float, float, float]:
        k = len(self.members)
        icp = self.crossing / self.total if self.total else 0.0
        bcp = self.log_bc / k if self.has_contexts else 0.0
        return icp, bcp, self.linked / k

    def value(self, obj: Objective, crossing: float, linked: float, log_bc: float, k: int) -> float:
        icp = crossing / self.total if self.total else 0.0
        return obj.icp * icp + obj.bcp * log_bc / k + obj.ifn * linked / k

    def current(self, obj: Objective) -> float:
        return self.value(obj, self.crossing, self.linked, self.log_bc, len(self.members))

    def _ties(self, n: str) -> dict[int, list[float]]:
        out: dict[int, list[float]] = {}
        for m, (w, lk) in self.adj[n].items():
            cell = out.setdefault(self.of[m], [0.0, 0.0])
            cell[0] += w
            cell[1] += lk
        return out

    # single-class moves (to a service, possibly a new one; emptying one removes it) ------
    def move_delta(
        self, n: str, q: int, ties: dict[int, list[float]]
    ) -> tuple[float, float, float, int, int, int]:
        """(crossing, linked, Σ ln|BC|, K, bad, odd) after moving ``n`` to ``q`` (q may be new)."""
        p = self.of[n]
        sp, sq, w = len(self.members[p]), len(self.members.get(q, ())), self.weight[n]
        tp, tq = ties.get(p, [0.0, 0.0]), ties.get(q, [0.0, 0.0])
        bcp, bcq = self.bc[p], self.bc.get(q, Counter())
        dp, dq = len(bcp), len(bcq)
        lose = sum(1 for c in self.ctx[n] if bcp[c] == 1)
        gain = sum(1 for c in self.ctx[n] if c not in bcq)
        log_bc = self.log_bc - math.log(dp) + (math.log(dp - lose) if sp > 1 else 0.0)
        log_bc += math.log(dq + gain) - (math.log(dq) if dq else 0.0)
        k = len(self.members) - (sp == 1) + (sq == 0)
        zp, zq = self.size[p], self.size[q]
        bad = self.bad - _bad(zp) - _bad(zq) + _bad(zp - w) + _bad(zq + w)
        odd = self.odd - _odd(zp) - _odd(zq) + _odd(zp - w) + _odd(zq + w)
        return self.crossing + tp[0] - tq[0], self.linked + tp[1] - tq[1], log_bc, k, bad, odd

    def move_gain(self, n: str, q: int, ties: dict[int, list[float]], obj: Objective) -> float:
        """J after moving ``n`` to ``q`` minus J now; inf if it empties a service or adds
        classes to extreme-sized services (the greedy descent's admissible moves)."""
        p = self.of[n]
        if p == q or len(self.members[p]) == 1 or q not in self.members:
            return math.inf
        crossing, linked, log_bc, k, bad, odd = self.move_delta(n, q, ties)
        if bad > self.bad or odd > self.odd:
            return math.inf
        return self.value(obj, crossing, linked, log_bc, k) - self.current(obj)

    def move(self, n: str, q: int) -> None:
        p = self.of[n]
        if q == p:
            return
        self.crossing, self.linked, self.log_bc, _, self.bad, self.odd = self.move_delta(
            n, q, self._ties(n)
        )
        self.bc[p].subtract(self.ctx[n])
        self.bc[p] = +self.bc[p]
        self.bc.setdefault(q, Counter()).update(self.ctx[n])
        self.members[p].discard(n)
        self.members.setdefault(q, set()).add(n)
        self.size[p] -= self.weight[n]
        self.size[q] += self.weight[n]
        self.of[n] = q
        if not self.members[p]:
            del self.members[p], self.bc[p], self.size[p]

    def candidates(self, n: str, by_context: dict[str, set[int]]) -> list[int]:
        near = {self.of[m] for m in self.adj[n]}
        for c in self.ctx[n]:
            near |= by_context.get(c, set())
        near.discard(self.of[n])
        return sorted(near)


def _odd(size: int) -> int:
    return 1 if _bad(size) else 0


def _bad(size: int) -> int:
    return 0 if size == 0 or LOW <= size <= HIGH else size


def objective_for(search: Search) -> Objective:
    """Equal weights on terms normalised by their value at the start."""
    icp, bcp, ifn = search.terms()
    return Objective(
        icp=1 / icp if icp > 0 else (1.0 if search.total else 0.0),
        bcp=(1 / bcp if bcp > 0 else 1.0) if search.has_contexts else 0.0,
        ifn=1 / ifn if ifn > 0 else 1.0,
    )


def refine(
    parts: dict[str, int],
    calls: metrics.Edges,
    use_cases: dict[str, set[str]],
    pinned: frozenset[str] = frozenset(),
    keep_k: bool = False,
    weight: dict[str, int] | None = None,
) -> dict[str, int]:
    """Lower J from ``parts``; returns unit -> service 0..K-1 (largest first).

    ``keep_k`` (a ``--k`` was given): no service is emptied or added. ``weight``:
    how many classes a unit stands for in NED's sizes (nested classes seen in traces).
    """
    obj = objective_for(Search(parts, calls, use_cases, weight))
    s = Search(parts, calls, use_cases, weight)
    for chain in range(CHAINS):  # independent chains from the start; the lowest J is kept
        found = Search(_anneal(Search(parts, calls, use_cases, weight), obj, pinned, keep_k, chain),
                       calls, use_cases, weight)  # fmt: skip
        if found.current(obj) < s.current(obj) - EPS:
            s = found
    _move_phase(s, obj, pinned)
    groups = sorted(s.members.values(), key=lambda c: (-len(c), min(c)))
    return {n: i for i, c in enumerate(groups) for n in sorted(c)}


def _anneal(
    s: Search, obj: Objective, pinned: frozenset[str], keep_k: bool, chain: int
) -> dict[str, int]:
    """Simulated annealing on J + a penalty per class in extreme services beyond the start's;
    returns the best state seen that has no more such classes than the start."""
    rnd = random.Random(SEED + chain)
    movable = sorted(n for n in s.of if n not in pinned)
    best, best_j = dict(s.of), s.current(obj)
    if not movable or len(s.of) < 2:
        return best
    nbrs = {n: sorted(s.adj[n]) for n in movable}
    bad0, odd0, penalty = s.bad, s.odd, PENALTY / len(s.of)
    steps = min(STEPS_PER_CLASS * len(s.of), MAX_STEPS // CHAINS)
    check = max(1, len(s.of) // 10)
    ids, fresh = sorted(s.members), max(s.members) + 1

    def propose() -> tuple[str, int] | None:
        n = movable[rnd.randrange(len(movable))]
        r = rnd.random()
        if r < NEIGHBOUR_SHARE and nbrs[n]:
            q = s.of[nbrs[n][rnd.randrange(len(nbrs[n]))]]
        elif r < 1 - NEW_SHARE or keep_k:
            q = ids[rnd.randrange(len(ids))]
        else:
            q = fresh
        p = s.of[n]
        if q == p or (keep_k and len(s.members[p]) == 1):
            return None
        return n, q

    def energy(n: str, q: int) -> float:
        crossing, linked, log_bc, k, bad, odd = s.move_delta(n, q, s._ties(n))
        excess = max(0, bad - bad0) + max(0, odd - odd0)
        return s.value(obj, crossing, linked, log_bc, k) + penalty * excess

    e = best_j
    sample = [abs(energy(*m) - e) for m in (propose() for _ in range(100)) if m]
    t0 = statistics.median(sample) if sample else 0.0
    for i in range(steps if t0 > 0 else 0):
        t = t0 * T_END ** (i / steps)
        m = propose()
        if m is not None:
            e2 = energy(*m)
            if e2 <= e or rnd.random() < math.exp((e - e2) / t):
                k = len(s.members)
                s.move(*m)
                e = e2
                if m[1] == fresh or len(s.members) != k:
                    ids, fresh = sorted(s.members), max(fresh, m[1] + 1)
        if (i % check == 0 or i == steps - 1) and s.bad <= bad0 and s.odd <= odd0:
            j = s.current(obj)
            if j < best_j - EPS:
                best, best_j = dict(s.of), j
    return best


def _move_phase(s: Search, obj: Objective, pinned: frozenset[str]) -> None:
    for _ in range(MAX_PASSES):
        moved = False
        by_context: dict[str, set[int]] = {}
        for p, bc in s.bc.items():
            for c in bc:
                if c != metrics.UNKNOWN:
                    by_context.setdefault(c, set()).add(p)
        for n in sorted(s.of):
            if n in pinned:
                continue
            ties = s._ties(n)
            best, where = -EPS, -1
            for q in s.candidates(n, by_context):
                d = s.move_gain(n, q, ties, obj)
                if d < best:
                    best, where = d, q
            if where >= 0:
                old = s.of[n]
                s.move(n, where)
                for c in s.ctx[n] - {metrics.UNKNOWN}:
                    by_context.setdefault(c, set()).add(where)
                    if s.bc[old][c] == 0:
                        by_context[c].discard(old)
                moved = True
        if not moved:
            break

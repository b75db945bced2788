"""Why each class is where it is, and the moves that would most cut crossing calls."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import networkx as nx


@dataclass(frozen=True)
class Tie:
    other: str
    weight: float
    same_service: bool


@dataclass(frozen=True)
class Move:
    unit: str
    source: int
    target: int
    cut: float  # crossing weight removed by the move

    def as_json(self) -> dict[str, object]:
        return {
            "class": self.unit,
            "from": self.source,
            "to": self.target,
            "cut": round(self.cut, 3),
        }


def ties(g: nx.Graph[str], parts: dict[str, int], top: int = 3) -> dict[str, list[Tie]]:
    """Each unit's strongest ties (heaviest edges), strongest first."""
    out: dict[str, list[Tie]] = {}
    for n in g:
        edges = sorted(g[n].items(), key=lambda e: (-e[1]["weight"], e[0]))[:top]
        out[n] = [Tie(m, round(d["weight"], 3), parts[m] == parts[n]) for m, d in edges]
    return out


def moves(g: nx.Graph[str], parts: dict[str, int], top: int = 5) -> list[Move]:
    """Single-class moves with the largest drop in crossing weight (only those that help).

    Moving u from service p to q changes the crossing weight by w(u,p) − w(u,q);
    a move that would empty its service is not proposed.
    """
    sizes: dict[int, int] = defaultdict(int)
    for p in parts.values():
        sizes[p] += 1
    found = []
    for n in g:
        weight: dict[int, float] = defaultdict(float)
        for m, d in g[n].items():
            weight[parts[m]] += d["weight"]
        here = parts[n]
        others = [(w, q) for q, w in weight.items() if q != here]
        if not others or sizes[here] < 2:
            continue
        best_w, best_q = max(others)
        if best_w > weight[here]:
            found.append(Move(n, here, best_q, best_w - weight[here]))
    found.sort(key=lambda m: (-m.cut, m.unit))
    return found[:top]

"""Choose a deployment strategy by TOPSIS over time, cost and risk, with hard limits.

TOPSIS (Hwang & Yoon, 1981): normalise each criterion by its vector norm,
weight it, and rank options by their relative closeness to the ideal point
(best of every criterion) versus the anti-ideal (worst of every criterion).
All three criteria are costs (lower is better). Options violating a hard limit
(maximum risk, maximum downtime) are excluded first; the Pareto-optimal set is
reported because no weighting can make a dominated option the best one.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from skylift.domain.plan import DeploymentChoice, DeploymentOption, DeploymentScore
from skylift.errors import InputError

CRITERIA = ("time", "cost", "risk")
RISK_LEVELS = {"low": 1.0, "medium": 2.0, "high": 3.0}


def _values(o: DeploymentOption) -> tuple[float, float, float]:
    return (o.time_hours, o.cost, o.risk)


def dominates(a: DeploymentOption, b: DeploymentOption) -> bool:
    """``a`` is no worse than ``b`` on every criterion and better on one."""
    va, vb = _values(a), _values(b)
    return all(x <= y for x, y in zip(va, vb, strict=True)) and va != vb


def pareto_front(options: Sequence[DeploymentOption]) -> list[DeploymentOption]:
    """Options no other option dominates."""
    return [o for o in options if not any(dominates(p, o) for p in options if p is not o)]


def topsis(options: Sequence[DeploymentOption], weights: Mapping[str, float]) -> list[float]:
    """Closeness coefficient in [0, 1] per option (1 = the ideal on every criterion)."""
    w = [max(0.0, float(weights.get(c, 0.0))) for c in CRITERIA]
    total = sum(w)
    if total <= 0:
        raise InputError(
            "strategy weights are all zero",
            "give time, cost or risk a positive weight, e.g. --weights 1,1,2",
        )
    w = [x / total for x in w]
    cols = list(zip(*(_values(o) for o in options), strict=True))
    norms = [math.sqrt(sum(v * v for v in col)) or 1.0 for col in cols]
    matrix = [[w[j] * _values(o)[j] / norms[j] for j in range(3)] for o in options]
    ideal = [min(row[j] for row in matrix) for j in range(3)]
    worst = [max(row[j] for row in matrix) for j in range(3)]
    out = []
    for row in matrix:
        d_best = math.dist(row, ideal)
        d_worst = math.dist(row, worst)
        out.append(1.0 if d_best + d_worst == 0 else d_worst / (d_best + d_worst))
    return out


def choose(
    options: Sequence[DeploymentOption],
    weights: Mapping[str, float],
    max_risk: float | None = None,
    max_downtime_hours: float | None = None,
) -> DeploymentChoice:
    """Rank ``options``: hard limits, Pareto front, TOPSIS; explain the result."""
    if not options:
        raise InputError("no strategy options to choose from", "give at least one option")
    excluded: dict[str, str] = {}
    for o in options:
        if max_risk is not None and o.risk > max_risk:
            excluded[o.name] = f"risk {o.risk:g} > maximum {max_risk:g}"
        elif max_downtime_hours is not None and o.downtime_hours > max_downtime_hours:
            excluded[o.name] = f"downtime {o.downtime_hours:g} h > maximum {max_downtime_hours:g} h"
    feasible = [o for o in options if o.name not in excluded]
    front = {o.name for o in pareto_front(feasible)}
    closeness = (
        dict(zip((o.name for o in feasible), topsis(feasible, weights), strict=True))
        if feasible
        else {}
    )
    ranked = sorted(feasible, key=lambda o: -closeness[o.name])
    rank = {o.name: i + 1 for i, o in enumerate(ranked)}
    scores = tuple(
        DeploymentScore(
            name=o.name,
            closeness=round(closeness.get(o.name, 0.0), 4),
            pareto=o.name in front,
            feasible=o.name not in excluded,
            excluded_by=excluded.get(o.name),
            rank=rank.get(o.name, 0),
        )
        for o in options
    )
    chosen = ranked[0].name if ranked else None
    return DeploymentChoice(
        weights=dict(weights),
        scores=scores,
        chosen=chosen,
        explanation=tuple(explain(options, feasible, front, chosen, excluded)),
    )


def explain(
    options: Sequence[DeploymentOption],
    feasible: Sequence[DeploymentOption],
    front: set[str],
    chosen: str | None,
    excluded: Mapping[str, str],
) -> list[str]:
    """Plain-words reasons: exclusions, dominance, single-criterion winners, the choice."""
    lines = [f"{name} excluded: {why}." for name, why in excluded.items()]
    for o in feasible:
        if o.name not in front:
            by = next(p for p in feasible if dominates(p, o))
            lines.append(
                f"{o.name} is dominated by {by.name} (no better on any criterion, "
                "worse on at least one): no weighting makes it the best."
            )
    singles: set[str] = set()
    for j, crit in enumerate(CRITERIA):
        if feasible:
            best = min(feasible, key=lambda o: _values(o)[j])
            singles.add(best.name)
            lines.append(f"Minimising {crit} alone picks {best.name}.")
    if len(singles) > 1:
        lines.append(
            "The single-criterion winners differ, so minimising one criterion "
            "ignores the others: the choice depends on the weights."
        )
    if chosen is not None:
        lines.append(f"With these weights TOPSIS chooses {chosen}.")
    return lines


def risk_weight_sweep(
    options: Sequence[DeploymentOption], steps: int = 20
) -> list[tuple[float, str]]:
    """Winner as the risk weight goes 0→1 (time and cost share the rest equally)."""
    out: list[tuple[float, str]] = []
    for i in range(steps + 1):
        r = i / steps
        rest = (1 - r) / 2
        c = topsis(options, {"time": rest, "cost": rest, "risk": r})
        best = max(range(len(options)), key=lambda k: c[k])
        out.append((r, options[best].name))
    return out


SEED_EXAMPLE = (
    DeploymentOption(name="A", time_hours=2, cost=200, risk=1, note="low risk"),
    DeploymentOption(name="B", time_hours=4, cost=300, risk=2, note="medium risk"),
    DeploymentOption(name="C", time_hours=1, cost=100, risk=3, note="high risk"),
)

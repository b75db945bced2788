"""``skylift plan decide`` as one call: option texts in, a ranked choice out.

Parses ``NAME:HOURS:COST:RISK`` options and ``time=W,cost=W,risk=W`` weights,
then ranks by hard limits, Pareto front and TOPSIS
(:func:`skylift.plan.decide.choose`), with the winner as the risk weight grows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from skylift.domain.plan import DeploymentChoice, DeploymentOption
from skylift.errors import InputError


def parse_option(text: str) -> DeploymentOption:
    """``NAME:HOURS:COST:RISK`` (hours may end in ``h``, cost start with ``$``, risk be
    low|medium|high or a number) as a :class:`DeploymentOption`; InputError otherwise."""
    from skylift.plan.decide import RISK_LEVELS

    parts = text.split(":")
    if len(parts) != 4:
        raise InputError(
            f"--option {text!r}: expected NAME:HOURS:COST:RISK",
            "e.g. --option blue-green:6:900:low",
        )
    name, hours, cost, risk = parts
    try:
        risk_v = RISK_LEVELS[risk.lower()] if risk.lower() in RISK_LEVELS else float(risk)
        return DeploymentOption(
            name=name,
            time_hours=float(hours.rstrip("h")),
            cost=float(cost.lstrip("$")),
            risk=risk_v,
        )
    except ValueError as exc:
        raise InputError(
            f"--option {text!r}: hours, cost and risk must be numbers "
            "(risk may be low|medium|high)",
            "e.g. A:2:200:low",
        ) from exc


def parse_weights(text: str) -> dict[str, float]:
    """``time=1,cost=1,risk=2`` as a mapping; InputError naming the bad part."""
    weights: dict[str, float] = {}
    for part in text.split(","):
        k, _, v = part.partition("=")
        try:
            weights[k.strip()] = float(v)
        except ValueError as exc:
            raise InputError(
                f"--weights {text!r}: {part!r} is not NAME=NUMBER",
                "e.g. --weights time=1,cost=1,risk=2",
            ) from exc
    return weights


@dataclass(frozen=True)
class DecideRequest:
    """Options as typed (plus the design document's example), weights and hard limits."""

    options: Sequence[str] = ()
    seed_example: bool = False
    weights: str = "time=1,cost=1,risk=1"
    max_risk: float | None = None
    max_downtime: float | None = None


@dataclass(frozen=True)
class Decision:
    """The options in input order, the ranked choice, and the risk-weight sweep."""

    options: list[DeploymentOption]
    choice: DeploymentChoice
    sweep: list[tuple[float, str]]

    def as_json(self) -> dict[str, Any]:
        """The ``--json`` document."""
        return {"choice": self.choice.model_dump(mode="json"), "risk_weight_sweep": self.sweep}


def decide(request: DecideRequest) -> Decision:
    """Rank the options; InputError when there are none or one is malformed."""
    from skylift.plan.decide import SEED_EXAMPLE, choose, risk_weight_sweep

    opts: list[DeploymentOption] = list(SEED_EXAMPLE) if request.seed_example else []
    opts += [parse_option(text) for text in request.options]
    if not opts:
        raise InputError("no options given", "use --option NAME:HOURS:COST:RISK or --seed-example")
    weights = parse_weights(request.weights)
    choice = choose(opts, weights, request.max_risk, request.max_downtime)
    sweep = risk_weight_sweep(opts) if len(opts) > 1 else []
    return Decision(opts, choice, sweep)

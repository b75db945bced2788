"""Scale-out sizing: a stateless tier as N identical instances of one size.

The seed's case: 80 cores of demand, 20 % headroom, 8-core instances →
⌈80 × 1.2 / 8⌉ = 12 instances. Memory, when given, is covered the same way;
the binding resource decides N. With no size chosen, every priced
non-burstable type is tried and the cheapest N × price wins (fewer instances
on a tie).
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Sequence
from dataclasses import dataclass

from skylift.errors import InputError, PlanningError
from skylift.plan.packing import NodeType

#: Rounding slack: 80 × 1.2 / 8 is 12.000000000000002 in binary floating point.
_EPS = 1e-9


@dataclass(frozen=True)
class ScaleOut:
    """N instances of one type covering a tier's demand × headroom."""

    node_type: str
    instances: int
    vcpus: float
    memory_gib: float
    price_hour: float
    demand_cores: float
    demand_memory_gib: float
    headroom: float
    binding: str  # "cpu" or "memory": the resource that sets the count

    @property
    def hourly_cost(self) -> float:
        """All instances, per hour."""
        return self.instances * self.price_hour

    @property
    def monthly_cost(self) -> float:
        """All instances for 730 hours."""
        return self.hourly_cost * 730.0


def instances_needed(
    demand_cores: float,
    demand_memory_gib: float,
    headroom: float,
    node: NodeType,
    min_instances: int = 1,
) -> tuple[int, str]:
    """(count, binding resource): ⌈demand × headroom / per-instance capacity⌉ for CPU and memory."""
    cpu = demand_cores * headroom / node.vcpus
    mem = demand_memory_gib * headroom / node.memory_gib if demand_memory_gib > 0 else 0.0
    binding = "memory" if mem > cpu else "cpu"
    return max(min_instances, math.ceil(max(cpu, mem) - _EPS)), binding


def scale_out(
    demand_cores: float,
    types: Sequence[NodeType],
    headroom: float = 1.2,
    node_type: str | None = None,
    demand_memory_gib: float = 0.0,
    min_instances: int = 1,
) -> ScaleOut:
    """Size a stateless tier as N instances of ``node_type`` (or of the cheapest type).

    Raises :class:`InputError` for a non-positive demand or headroom, or a
    ``node_type`` that is not among ``types`` (with the closest names as a hint),
    and :class:`PlanningError` when no priced type is available.
    """
    if demand_cores <= 0 or demand_memory_gib < 0:
        raise InputError(
            f"tier demand must be > 0 cores (got {demand_cores:g} cores, "
            f"{demand_memory_gib:g} GiB)",
            "pass the tier's total core demand, e.g. --cores 80",
        )
    if headroom < 1.0:
        raise InputError(
            f"headroom {headroom:g} is below 1 (it multiplies the demand)",
            "20 % headroom is --headroom 1.2",
        )
    if min_instances < 1:
        raise InputError(f"minimum instances {min_instances} is below 1", "pass 1 or more")
    if node_type is not None:
        chosen = [t for t in types if t.name == node_type]
        if not chosen:
            near = difflib.get_close_matches(node_type, [t.name for t in types], n=3)
            raise InputError(
                f"instance type {node_type!r} is not in the catalog for this cloud region",
                f"did you mean {', '.join(near)}?" if near else "check the cloud and region",
            )
        candidates = chosen
    else:
        candidates = [t for t in types if t.price_hour > 0 and t.vcpus > 0 and not t.burstable]
        if not candidates:
            raise PlanningError(
                "no priced instance types to size the tier with", "check the catalog region"
            )
    best: ScaleOut | None = None
    for t in candidates:
        n, binding = instances_needed(demand_cores, demand_memory_gib, headroom, t, min_instances)
        option = ScaleOut(
            node_type=t.name,
            instances=n,
            vcpus=t.vcpus,
            memory_gib=t.memory_gib,
            price_hour=t.price_hour,
            demand_cores=demand_cores,
            demand_memory_gib=demand_memory_gib,
            headroom=headroom,
            binding=binding,
        )
        if best is None or (option.hourly_cost, option.instances, option.node_type) < (
            best.hourly_cost,
            best.instances,
            best.node_type,
        ):
            best = option
    assert best is not None  # candidates is non-empty
    return best

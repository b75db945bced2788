"""Strategy choice (TOPSIS, Pareto, limits) and node-pool packing."""

from __future__ import annotations

import itertools
import random
from xml.etree import ElementTree

import pytest

from skylift.domain.plan import DeploymentOption
from skylift.errors import InputError, PlanningError
from skylift.plan.decide import SEED_EXAMPLE, choose, pareto_front, risk_weight_sweep, topsis
from skylift.plan.packing import NodeType, Workload, allocatable, pack
from skylift.report.gantt import gantt_svg


def test_seed_example_equal_weights_pick_a_and_b_is_dominated() -> None:
    result = choose(SEED_EXAMPLE, {"time": 1, "cost": 1, "risk": 1})
    assert result.chosen == "A"
    by = {s.name: s for s in result.scores}
    assert not by["B"].pareto and by["A"].pareto and by["C"].pareto
    text = " ".join(result.explanation)
    assert "B is dominated by A" in text
    assert "Minimising time alone picks C" in text and "Minimising risk alone picks A" in text


def test_seed_example_low_risk_weight_picks_c() -> None:
    assert choose(SEED_EXAMPLE, {"time": 1, "cost": 1, "risk": 0.2}).chosen == "C"


def test_risk_sweep_switches_once_from_c_to_a() -> None:
    winners = [n for _, n in risk_weight_sweep(list(SEED_EXAMPLE))]
    assert winners[0] == "C" and winners[-1] == "A"
    switches = sum(1 for a, b in itertools.pairwise(winners) if a != b)
    assert switches == 1


def test_hard_limits_exclude_options() -> None:
    result = choose(SEED_EXAMPLE, {"time": 5, "cost": 5, "risk": 0.1}, max_risk=2)
    assert result.chosen == "A"
    assert next(s for s in result.scores if s.name == "C").excluded_by


def test_no_option_survives_limits() -> None:
    opts = [DeploymentOption(name="x", time_hours=1, cost=1, risk=3, downtime_hours=5)]
    assert choose(opts, {"time": 1}, max_downtime_hours=1).chosen is None


def test_zero_weights_rejected() -> None:
    with pytest.raises(InputError, match="zero"):
        topsis(SEED_EXAMPLE, {"time": 0, "cost": 0, "risk": 0})


def test_pareto_front_keeps_non_dominated() -> None:
    assert {o.name for o in pareto_front(SEED_EXAMPLE)} == {"A", "C"}


TYPES = [
    NodeType("c.large", 2, 4, 0.085),
    NodeType("c.xlarge", 4, 8, 0.17),
    NodeType("c.4xlarge", 16, 32, 0.68),
    NodeType("m.xlarge", 4, 16, 0.192),
    NodeType("m.4xlarge", 16, 64, 0.768),
    NodeType("r.4xlarge", 16, 128, 1.008),
    NodeType("t.large", 2, 8, 0.083, burstable=True),
]


def test_packing_respects_capacity_anti_affinity_and_bound() -> None:
    rng = random.Random(7)
    wl = [
        Workload(
            f"w{i}",
            rng.choice([0.25, 0.5, 1, 2]),
            rng.choice([0.5, 1, 2, 6]),
            rng.choice([1, 2, 3]),
        )
        for i in range(150)
    ]
    result = pack(wl, TYPES, zones=("a", "b"))
    assert len(result.placements) == sum(w.replicas for w in wl)
    assert "t.large" not in dict(result.nodes)  # burstable types are not node pools
    node_list = [t for t, n in result.nodes for _ in range(n)]
    by_name = {t.name: t for t in TYPES}
    load: dict[int, list[float]] = {}
    seen: set[tuple[str, int]] = set()
    for name, _, node in result.placements:
        assert (name, node) not in seen  # replicas on distinct nodes
        seen.add((name, node))
        w = next(x for x in wl if x.name == name)
        cur = load.setdefault(node, [0.0, 0.0])
        cur[0] += w.cpu
        cur[1] += w.memory_gib
    assert len(node_list) >= len(load)
    assert result.hourly_cost >= result.lower_bound - 1e-9
    assert result.gap < 0.10
    zones = [result.node_zones[i] for i in range(len(result.node_zones))]
    assert abs(zones.count("a") - zones.count("b")) <= len(result.nodes)  # dealt per pool
    cap_cpu = max(allocatable(by_name[t], 1.1)[0] for t, _ in result.nodes)
    assert all(c <= cap_cpu + 1e-6 for c, _ in load.values())


def test_packing_fails_clearly_when_nothing_fits() -> None:
    with pytest.raises(PlanningError, match="fits no instance type"):
        pack([Workload("huge", 500, 4000)], TYPES)


def test_gantt_is_valid_svg() -> None:
    svg = gantt_svg([("wave 1", 0, 3, 11, 1, False), ("wave 2 <prod>", 11, 5, 24, 1, True)], 1)
    root = ElementTree.fromstring(svg)  # noqa: S314 - our own output
    assert root.tag.endswith("svg")
    assert "wave 2 &lt;prod&gt;" in svg

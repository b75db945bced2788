"""The five metrics on hand-computed graphs, and properties any partition must satisfy."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skylift.decompose import metrics

# Two services: A = {a, b, c} (a triangle), B = {d, e}; one call c -> d crosses.
PARTS = {"a": 0, "b": 0, "c": 0, "d": 1, "e": 1}
CALLS = {("a", "b"): 2.0, ("b", "c"): 1.0, ("c", "a"): 1.0, ("d", "e"): 3.0, ("c", "d"): 3.0}
USE_CASES = {"a": {"u1"}, "b": {"u1"}, "c": {"u1", "u2"}, "d": {"u2"}, "e": {"u2"}}


def test_structural_modularity_by_hand() -> None:
    # cohesion (3/3² + 1/2²)/2; coupling σ/(N_i N_j) = 1/(3·2) over K(K−1)/2 = 1 pair
    assert metrics.structural_modularity(PARTS, CALLS) == pytest.approx((3 / 9 + 1 / 4) / 2 - 1 / 6)
    # a self-call is a pair for every class of a service but the last listed (the artifact's loop)
    looped = {**CALLS, ("a", "a"): 5.0, ("c", "c"): 1.0}
    assert metrics.structural_modularity(PARTS, looped) == pytest.approx(
        (4 / 9 + 1 / 4) / 2 - 1 / 6
    )


def test_inter_call_percentage_by_hand() -> None:
    w = {p: math.log(v) + 1 for p, v in CALLS.items()}  # each pair weighs ln(calls) + 1
    assert metrics.inter_call_percentage(PARTS, CALLS) == pytest.approx(
        w[("c", "d")] / sum(w.values())
    )


def test_interface_number_by_hand() -> None:
    assert metrics.interface_number(PARTS, CALLS) == pytest.approx(1 / 2)  # one pair c–d crosses


def test_business_context_purity_by_hand() -> None:
    # A holds {u1, u2}, B {u2}: mean of ln 2 and ln 1
    assert metrics.business_context_purity(PARTS, USE_CASES) == pytest.approx(math.log(2) / 2)
    # a class in no use case counts as the context "Unknown"
    partial = {"a": {"u1"}, "d": {"u2"}}
    assert metrics.business_context_purity(PARTS, partial) == pytest.approx(
        (math.log(2) + math.log(2)) / 2
    )
    assert metrics.business_context_purity(PARTS, {}) is None


RUNTIME = Path(__file__).parents[2] / "fixtures" / "monoliths" / "mono2micro_runtime" / "daytrader"


@pytest.mark.parametrize(
    ("published", "expected"),
    [  # printed by the Mono2Micro artifact's metrics_util.py (d446bd1) on the same files,
        # "Root" (the user) left out of the partition: (SM, ICP, BCP, IFN, NED)
        ("mono2micro_5", (0.094, 0.378, 3.013, 10.8, 0.595)),
        ("cogcn_5", (0.089, 0.002, 1.734, 0.2, 0.932)),
    ],
)
def test_metrics_reproduce_the_mono2micro_artifact(
    published: str, expected: tuple[float, ...]
) -> None:
    raw = json.loads((RUNTIME / "partitions" / f"{published}.json").read_text())
    parts = {c: int(p) for c, p in raw.items() if c != "Root"}
    volume = json.loads((RUNTIME / "runtime_call_volume.json").read_text())
    calls = {(a, b): float(v) for k, v in volume.items() for a, b in [k.split("--")]}
    bcs = json.loads((RUNTIME / "bcs_per_class.json").read_text())
    card = metrics.score(parts, calls, calls, {c: set(v) for c, v in bcs.items()})
    got = (card.sm, card.icp, card.bcp, card.ifn, card.ned)
    assert tuple(round(x or 0.0, 3) for x in got) == expected


def test_non_extreme_distribution_by_hand() -> None:
    assert metrics.non_extreme_distribution(PARTS) == 1.0  # both below 5 classes
    assert metrics.non_extreme_distribution(PARTS, low=3, high=3) == pytest.approx(2 / 5)


names = st.sampled_from([f"c{i}" for i in range(12)])
graphs = st.dictionaries(st.tuples(names, names), st.floats(0.1, 10), min_size=1, max_size=40)


@st.composite
def partitioned(draw: st.DrawFn) -> tuple[dict[str, int], dict[tuple[str, str], float]]:
    edges = draw(graphs)
    nodes = sorted({n for pair in edges for n in pair})
    parts = {n: draw(st.integers(0, 3)) for n in nodes}
    return parts, edges


@settings(max_examples=150, deadline=None)
@given(partitioned(), st.permutations(range(4)))
def test_metrics_do_not_depend_on_service_numbers(
    case: tuple[dict[str, int], dict[tuple[str, str], float]], perm: list[int]
) -> None:
    parts, edges = case
    relabelled = {n: perm[p] for n, p in parts.items()}
    ucs = {n: {f"u{len(n) % 3}"} for n in parts}
    a = metrics.score(parts, edges, edges, ucs)
    b = metrics.score(relabelled, edges, edges, ucs)
    for x, y in zip(a.as_json().values(), b.as_json().values(), strict=True):
        assert x == pytest.approx(y)


@settings(max_examples=150, deadline=None)
@given(partitioned())
def test_bounds_and_extremes(case: tuple[dict[str, int], dict[tuple[str, str], float]]) -> None:
    parts, edges = case
    card = metrics.score(parts, edges, edges, {})
    assert 0.0 <= card.icp <= 1.0 and 0.0 <= card.ned <= 1.0
    assert -1.0 <= card.sm <= 1.0
    # brute force: ICP is the crossing share of non-self calls
    real = {p: (math.log(w) + 1 if w >= 1 else w) for p, w in edges.items() if p[0] != p[1]}
    cross = sum(w for (x, y), w in real.items() if parts[x] != parts[y])
    assert card.icp == pytest.approx(cross / sum(real.values()) if real else 0.0)
    one = dict.fromkeys(parts, 0)  # a single service: nothing crosses
    assert metrics.inter_call_percentage(one, edges) == 0.0
    assert metrics.interface_number(one, edges) == 0.0
    alone = {n: i for i, n in enumerate(parts)}  # every class alone: every call crosses
    assert metrics.inter_call_percentage(alone, edges) == (1.0 if real else 0.0)

"""Scale-out sizing: a stateless tier as N instances of one size (the seed's 12)."""

from __future__ import annotations

import json
import math
import shlex
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from skylift.errors import InputError
from skylift.plan.packing import NodeType
from skylift.plan.scaleout import instances_needed, scale_out
from tests.helpers import run_cli

DOCS = Path(__file__).resolve().parents[3] / "docs" / "assess.md"

TYPES = [
    NodeType("c.2xlarge", 8, 16, 0.34),
    NodeType("m.2xlarge", 8, 32, 0.384),
    NodeType("r.2xlarge", 8, 64, 0.504),
    NodeType("m.4xlarge", 16, 64, 0.768),
    NodeType("t.2xlarge", 8, 32, 0.30, burstable=True),
]


def test_the_seed_case_is_twelve_instances() -> None:
    # 80 × 1.2 / 8 is 12.000000000000002 in floating point: still 12, not 13.
    r = scale_out(80, TYPES, headroom=1.2, node_type="m.2xlarge")
    assert (r.instances, r.binding) == (12, "cpu")
    assert r.hourly_cost == pytest.approx(12 * 0.384)


def _docs_command() -> list[str]:
    """The command docs/assess.md shows for the seed's case."""
    lines = [
        ln.strip()
        for ln in DOCS.read_text().splitlines()
        if ln.strip().startswith("skylift plan pack --cores 80")
    ]
    assert lines, "docs/assess.md shows no 'skylift plan pack --cores 80' command"
    return shlex.split(lines[0])[1:]


def test_the_command_in_docs_reproduces_twelve() -> None:
    args = _docs_command()
    text = run_cli(*args)
    assert text.code == 0, text.stderr
    assert "12 × m5.2xlarge" in text.stdout
    result = run_cli(*args, "--json")
    data = json.loads(result.stdout)
    assert (data["instances"], data["node_type"], data["capacity_cores"]) == (12, "m5.2xlarge", 96)


def test_memory_can_set_the_count() -> None:
    r = scale_out(16, TYPES, headroom=1.25, node_type="c.2xlarge", demand_memory_gib=100)
    assert (r.instances, r.binding) == (8, "memory")  # 125 GiB / 16 → 8; CPU needs only 3


def test_cheapest_type_without_a_choice_skips_burstable() -> None:
    r = scale_out(80, TYPES, headroom=1.2)
    assert r.node_type == "c.2xlarge" and r.instances == 12


@given(
    cores=st.floats(0.1, 500),
    mem=st.floats(0, 2000),
    headroom=st.sampled_from([1.0, 1.1, 1.2, 1.3, 1.5, 2.0]),
    minimum=st.integers(1, 4),
)
def test_count_is_the_smallest_that_covers_demand(
    cores: float, mem: float, headroom: float, minimum: int
) -> None:
    best = scale_out(cores, TYPES, headroom, demand_memory_gib=mem, min_instances=minimum)
    # Oracle: brute force over types and counts.
    costs = []
    for t in TYPES:
        if t.burstable:
            continue
        n = next(
            k
            for k in range(minimum, 10_000)
            if k * t.vcpus >= cores * headroom * (1 - 1e-12)
            and k * t.memory_gib >= mem * headroom * (1 - 1e-12)
        )
        costs.append(n * t.price_hour)
        assert instances_needed(cores, mem, headroom, t, minimum)[0] == n
    assert best.hourly_cost == pytest.approx(min(costs))
    assert best.instances * best.vcpus >= cores * headroom * (1 - 1e-9)
    assert best.instances >= minimum
    assert math.isfinite(best.monthly_cost)


@pytest.mark.parametrize(
    ("kwargs", "part"),
    [
        ({"node_type": "m.2xlarg"}, "did you mean m.2xlarge"),
        ({"headroom": 0.8}, "--headroom 1.2"),
        ({"min_instances": 0}, "pass 1 or more"),
    ],
)
def test_bad_requests_are_input_errors_with_a_hint(kwargs: dict[str, object], part: str) -> None:
    with pytest.raises(InputError) as info:
        scale_out(80, TYPES, **kwargs)  # type: ignore[arg-type]
    assert part in info.value.hint


def test_cli_bad_type_is_one_line_and_non_zero() -> None:
    result = run_cli("plan", "pack", "--cores", "80", "--node-type", "m5.2xlarg")
    assert result.code != 0
    assert "not in the catalog" in result.stderr and "m5.2xlarge" in result.stderr
    assert "Traceback" not in result.stderr

"""Mono2Micro's runtime evidence as --traces, and the like-for-like comparison it allows."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from skylift.decompose import metrics, run, traces
from skylift.decompose.model import CodeGraph, Unit
from skylift.decompose.run import decompose
from skylift.errors import InputError

FIXTURES = Path(__file__).parents[2] / "fixtures" / "monoliths"
EVIDENCE = FIXTURES / "mono2micro_runtime"


def test_mono2micro_summary_is_read_without_the_user() -> None:
    chains = traces.load(EVIDENCE / "plants")
    calls = [c for c in chains if c.use_case is None]
    volume = json.loads((EVIDENCE / "plants" / traces.M2M_CALLS).read_text())
    assert len(calls) == sum(1 for k in volume if "Root" not in k.split("--"))
    assert sum(c.times for c in calls) == sum(v for k, v in volume.items() if "Root" not in k)
    assert all("Root" not in c.classes for c in chains)
    contexts = {(c.classes[0], c.use_case) for c in chains if c.use_case is not None}
    assert ("ImageServlet", "click_fruits") in contexts


def test_source_with_mono2micro_traces_weighs_the_runtime_calls() -> None:
    d = decompose(FIXTURES / "plants", EVIDENCE / "plants").as_json()
    assert d["traced"] is True and d["score"]["bcp"] is not None
    assert d["unknown_in_traces"] == []  # every traced PBW class is in the vendored source


def test_bad_mono2micro_file_is_named(tmp_path: Path) -> None:
    shutil.copy(EVIDENCE / "plants" / traces.M2M_CONTEXTS, tmp_path)
    (tmp_path / traces.M2M_CALLS).write_text(json.dumps({"A->B": 3}))
    with pytest.raises(InputError, match=r"runtime_call_volume.json: expected"):
        traces.load(tmp_path)


# Mono2Micro's published medians (experimental_results.xlsx @ d446bd1): SM, ICP, NED
MONO2MICRO = {
    "daytrader": (0.078, 0.346, 0.338),
    "acmeair": (0.072, 0.527, 0.429),
    "jpetstore": (0.054, 0.333, 0.257),
    "plants": (0.078, 0.381, 0.038),
}


@pytest.mark.parametrize("app", sorted(MONO2MICRO))
def test_runtime_partition_beats_mono2micro_on_sm_icp_ned(app: str) -> None:
    """docs/decompose.md's claim, on the evidence Mono2Micro had and with its metric code."""
    volume = json.loads((EVIDENCE / app / traces.M2M_CALLS).read_text())
    calls = {(a, b): float(v) for k, v in volume.items() for a, b in [k.split("--")]}
    contexts = json.loads((EVIDENCE / app / traces.M2M_CONTEXTS).read_text())
    traced = ({n for pair in calls for n in pair} | set(contexts)) - {traces.M2M_USER}
    code = CodeGraph(units={}, calls={})
    code.units = {n: Unit(n, "", "java") for n in sorted({traces.top_level(c) for c in traced})}
    run.add_traces(code, traces.load(EVIDENCE / app))
    d = run.propose(code, EVIDENCE / app)
    service = {c: s["id"] for s in d.services for c in s["classes"]}
    parts = {c: service[traces.top_level(c)] for c in sorted(traced)}
    ucs = {c: set(v) for c, v in contexts.items()}
    card = metrics.score(parts, calls, calls, ucs)
    sm, icp, ned = MONO2MICRO[app]
    assert round(card.sm, 3) > sm and round(card.icp, 3) < icp and round(card.ned, 3) < ned

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


# experimental_results.xlsx @ d446bd1, "Median" rows: (SM, ICP, BCP, IFN, NED) of Mono2Micro and,
# per metric, the best value any of Mono2Micro/FoSCI/CoGCN/Bunch/MEM publishes
MONO2MICRO = {
    "daytrader": (0.078, 0.346, 0.907, 1.922, 0.338),
    "acmeair": (0.072, 0.527, 0.953, 3.375, 0.429),
    "jpetstore": (0.054, 0.333, 1.625, 1.857, 0.257),
    "plants": (0.078, 0.381, 1.69, 6.0, 0.038),
}
BEST = {
    "daytrader": (0.269, 0.346, 0.907, 1.922, 0.338),
    "acmeair": (0.177, 0.444, 0.953, 2.846, 0.25),
    "jpetstore": (0.124, 0.333, 1.625, 1.857, 0.257),
    "plants": (0.21, 0.32, 1.69, 4.75, 0.038),
}
# metrics better than the per-metric best at skylift's own K (benchmarks/decompose/published.py)
BEST_WINS = {"daytrader": 2, "acmeair": 3, "jpetstore": 2, "plants": 3}


def _wins(card: metrics.ScoreCard, theirs: tuple[float, ...]) -> int:
    ours = (card.sm, card.icp, card.bcp or 0.0, card.ifn, card.ned)
    return sum(
        round(o, 3) > t if i == 0 else round(o, 3) < t
        for i, (o, t) in enumerate(zip(ours, theirs, strict=True))
    )


def _card(app: str, refined: bool) -> metrics.ScoreCard:
    volume = json.loads((EVIDENCE / app / traces.M2M_CALLS).read_text())
    calls = {(a, b): float(v) for k, v in volume.items() for a, b in [k.split("--")]}
    contexts = json.loads((EVIDENCE / app / traces.M2M_CONTEXTS).read_text())
    traced = ({n for pair in calls for n in pair} | set(contexts)) - {traces.M2M_USER}
    code = CodeGraph(units={}, calls={})
    code.units = {n: Unit(n, "", "java") for n in sorted({traces.top_level(c) for c in traced})}
    run.add_traces(code, traces.load(EVIDENCE / app))
    d = run.propose(code, EVIDENCE / app, refined=refined)
    service = {c: s["id"] for s in d.services for c in s["classes"]}
    parts = {c: service[traces.top_level(c)] for c in sorted(traced)}
    ucs = {c: set(v) for c, v in contexts.items()}
    return metrics.score(parts, calls, calls, ucs)


@pytest.mark.parametrize("app", sorted(MONO2MICRO))
def test_runtime_partition_against_published_medians(app: str) -> None:
    """docs/decompose.md's claims, on the evidence Mono2Micro had and with its metric code:
    better than Mono2Micro on 3 of 5 with and without refinement; the refinement lowers
    ICP and IFN, keeps NED, and beats the per-metric best on the documented count."""
    louvain, refined = _card(app, refined=False), _card(app, refined=True)
    assert _wins(louvain, MONO2MICRO[app]) >= 3 and _wins(refined, MONO2MICRO[app]) >= 3
    assert refined.icp < louvain.icp and refined.ifn < louvain.ifn
    assert refined.ned <= louvain.ned + 1e-9  # BCP may rise when the sum J falls (JPetStore)
    assert _wins(refined, BEST[app]) >= max(BEST_WINS[app], _wins(louvain, BEST[app]))

"""Mono2Micro's runtime evidence as --traces, and the like-for-like comparison it allows."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from skylift.decompose import traces
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

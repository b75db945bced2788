"""decompose end to end: a vendored monolith, traces, bad input, the CLI and the skeleton."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skylift.decompose import explain, partition
from skylift.decompose.run import decompose
from skylift.errors import InputError

FIXTURES = Path(__file__).parents[2] / "fixtures" / "monoliths"
PETCLINIC = FIXTURES / "petclinic"


def _service_of(result: dict, cls: str) -> int:
    return next(s["id"] for s in result["services"] if cls in s["classes"])


def test_petclinic_split_follows_its_aggregates() -> None:
    d = decompose(PETCLINIC).as_json()
    base = "org.springframework.samples.petclinic."
    owners = {_service_of(d, base + f"owner.{c}") for c in ("Owner", "Pet", "Visit")}
    vets = {_service_of(d, base + f"vet.{c}") for c in ("Vet", "Specialty", "VetController")}
    assert len(owners) == 1 and len(vets) == 1 and owners != vets
    owned = [t for s in d["services"] for t in s["owned_tables"]]
    assert sorted(owned) == sorted(set(owned))  # every table has one owner
    assert {"owners", "pets", "visits", "vets", "specialties", "types"} <= set(owned)
    eps = [e for s in d["services"] for e in s["entry_points"]]
    assert "GET /owners/find (OwnerController)" in eps
    assert d["unparseable"] == [] and d["traced"] is False
    assert d["score"]["bcp"] is not None  # entry points stand in for use cases
    assert all(len(t) <= 3 for t in d["ties"].values())


def test_k_is_respected_and_traces_weigh_and_report_unknown(tmp_path: Path) -> None:
    traces = tmp_path / "traces"
    traces.mkdir()
    (traces / "uc.json").write_text(json.dumps({
        "book visit": [["OwnerController", "Owner", "Pet", "Visit"], ["VisitController", "Visit"]],
        "list vets": [["VetController", "Vet", "Specialty"], ["NoSuchClass", "Vet"]],
    }))  # fmt: skip
    (traces / "more.csv").write_text("use_case,chain\nfind owner,OwnerController>Owner\n")
    d = decompose(PETCLINIC, traces, k=2).as_json()
    assert len(d["services"]) == 2
    assert d["traced"] is True and d["unknown_in_traces"] == ["NoSuchClass"]
    assert d["score"]["bcp"] is not None


def test_otel_spans_are_read(tmp_path: Path) -> None:
    def span(sid: str, parent: str, cls: str) -> dict:
        attr = [{"key": "code.namespace", "value": {"stringValue": cls}}]
        return {"spanId": sid, "parentSpanId": parent, "name": f"GET {sid}", "attributes": attr}

    spans = [span("1", "", "OwnerController"), span("2", "1", "Owner"), span("3", "2", "Pet")]
    doc = {"resourceSpans": [{"scopeSpans": [{"spans": spans}]}]}
    (tmp_path / "otel.json").write_text(json.dumps(doc))
    d = decompose(PETCLINIC, tmp_path).as_json()
    assert d["traced"] and d["unknown_in_traces"] == []


def test_bad_input(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("class A:\n    pass\n")
    (tmp_path / "broken.py").write_text("def (:\n")
    with pytest.raises(InputError, match="nothing to decompose: 1 classes"):
        decompose(tmp_path)
    js = tmp_path / "js"
    js.mkdir()
    (js / "server.js").write_text("console.log(1)")
    with pytest.raises(InputError, match=r"does not read JavaScript \(1 files\)"):
        decompose(js)
    with pytest.raises(InputError, match="traces folder not found"):
        decompose(PETCLINIC, tmp_path / "none")


def test_unparseable_files_are_listed_and_skipped(tmp_path: Path) -> None:
    for name, body in {"a": "B()\nC()", "b": "A()\nC()", "c": "A()\nB()"}.items():
        (tmp_path / f"{name}.py").write_text(f"class {name.upper()}:\n    x = {body.split()[0]}\n")
    (tmp_path / "d.py").write_text("class D(A, B, C):\n    pass\n")
    (tmp_path / "bad.py").write_text("class (:\n")
    d = decompose(tmp_path).as_json()
    assert d["unparseable"] == ["bad.py: syntax error at line 1"]
    assert d["classes"] == 4


def test_cli_json_and_skeleton_that_generate_reads(tmp_path: Path) -> None:
    from skylift.generate.compose import load_compose

    skeleton = tmp_path / "services.compose.yml"
    cmd = [sys.executable, "-m", "skylift", "decompose", str(PETCLINIC), "--k", "3",
           "--compose", str(skeleton), "--json"]  # fmt: skip
    run = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, check=False)
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    assert len(doc["services"]) == 3 and doc["files"]["compose"] == str(skeleton)
    project = load_compose(skeleton, environ={})
    assert sorted(s.name for s in project.services) == sorted(s["name"] for s in doc["services"])
    bad = subprocess.run([*cmd[:4], str(tmp_path / "nope")], capture_output=True, text=True,
                         check=False)  # fmt: skip
    assert bad.returncode == 2 and "no such file or folder" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_planted_cliques_are_recovered() -> None:
    names = [f"m.c{i}" for i in range(12)]
    w = {(a, b): 5.0 for i, a in enumerate(names) for b in names[i + 1:]
         if (names.index(a) < 6) == (names.index(b) < 6)}  # fmt: skip
    w[("m.c0", "m.c6")] = 0.5
    parts = partition.partition(partition.graph(names, w), None)
    assert len(set(parts.values())) == 2
    assert len({parts[n] for n in names[:6]}) == 1 and len({parts[n] for n in names[6:]}) == 1
    for k in (1, 3, 5):
        assert len(set(partition.partition(partition.graph(names, w), k).values())) == k


def test_more_services_split_where_a_service_has_structure() -> None:
    # Louvain finds X = x0..x5 + y0, y1 (a 6-clique and a pair, loosely tied) and Z (a 9-clique)
    w: dict[tuple[str, str], float] = {}
    groups = [[f"x{i}" for i in range(6)], ["y0", "y1"], [f"z{i}" for i in range(9)]]
    for group in groups:
        w |= {(a, b): 3.0 for i, a in enumerate(group) for b in group[i + 1 :]}
    w |= {(a, b): 1.0 for a in groups[0] for b in groups[1]}
    w[("x0", "z0")] = 0.5
    g = partition.graph(sorted({n for p in w for n in p}), w)
    assert len(set(partition.partition(g, None).values())) == 2
    parts = partition.partition(g, 3)  # the pair leaves X; the larger clique Z is not halved
    assert {frozenset(n for n in parts if parts[n] == s) for s in set(parts.values())} == {
        frozenset(group) for group in groups
    }


edge = st.tuples(st.integers(0, 9), st.integers(0, 9), st.floats(0.1, 5.0))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(edge, min_size=3, max_size=30), st.lists(st.integers(0, 2), min_size=10, max_size=10)
)
def test_moves_match_brute_force(edges: list[tuple[int, int, float]], labels: list[int]) -> None:
    names = [f"n{i}" for i in range(10)]
    w: dict[tuple[str, str], float] = {}
    for a, b, x in edges:
        if a != b:
            key = (names[min(a, b)], names[max(a, b)])
            w[key] = w.get(key, 0.0) + x
    g = partition.graph(names, w)
    parts = dict(zip(names, labels, strict=True))

    def crossing(p: dict[str, int]) -> float:
        return sum(x for (a, b), x in w.items() if p[a] != p[b])

    before = crossing(parts)
    best = 0.0
    for n in names:
        if sum(1 for v in parts.values() if v == parts[n]) < 2:
            continue
        for q in set(labels) - {parts[n]}:
            best = max(best, before - crossing({**parts, n: q}))
    found = explain.moves(g, parts)
    for m in found:
        assert before - crossing({**parts, m.unit: m.target}) == pytest.approx(m.cut)
    assert (found[0].cut if found else 0.0) == pytest.approx(best, abs=1e-9)


def test_mybatis_mappers_give_jpetstore_its_tables() -> None:
    d = decompose(FIXTURES / "jpetstore").as_json()
    mapper = "org.mybatis.jpetstore.mapper.AccountMapper"
    home = next(s for s in d["services"] if mapper in s["classes"])
    assert {"account", "profile", "signon"} <= set(home["owned_tables"])
    owned = [t for s in d["services"] for t in s["owned_tables"]]
    assert {"orders", "lineitem", "item", "product", "category"} <= set(owned)

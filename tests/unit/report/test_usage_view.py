"""The usage-over-time view (#21): its charts' axes reach every allocation, the index
ranks risks first and says where each chart is, the dashboard mode embeds nothing."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from skylift.report.html.charts import nice_ceiling
from skylift.report.html.views_usage import EMBEDDED_PER_KIND, SHOWN_PER_KIND, usage_block


@given(st.floats(1e-6, 1e9))
def test_nice_ceiling_is_a_round_number_just_above(x: float) -> None:
    top = nice_ceiling(x)
    assert x <= top < 2 * x * (1 + 1e-9)
    mantissa = top / 10 ** math.floor(math.log10(top) + 1e-12)
    assert any(math.isclose(mantissa, m) for m in (1.0, 2.0, 2.5, 5.0))


def _vm(i: int, saving: float) -> dict:
    return {
        "server": f"v{i}", "server_key": f"k{i}", "cores": 2, "memory_gib": 64.0, "reason": "",
        "targets": [{"cloud": "aws", "region": "r", "recommended_type": "t",
                     "recommended_vcpus": 8, "recommended_memory_gib": 128.0,
                     "saving_month": saving}],
    }  # fmt: skip


def _entry(i: int) -> dict:
    low = [0.5] * 4
    mem = {"p50": low, "p95": low, "max": [None, 1.0, 2.0, None]}
    return {"kind": "vm", "key": f"k{i}", "score": 0.0, "start": 0.0, "bucket_s": 3600,
            "values": {"cpu": {"p50": low, "p95": low, "max": low}, "memory": mem}}  # fmt: skip


def test_axes_reach_the_allocations_and_the_index_ranks_risks_first() -> None:
    n = EMBEDDED_PER_KIND + 5
    run = {"vms": [_vm(i, -5.0 if i == 3 else float(i)) for i in range(n)], "containers": []}
    block = usage_block(run, [_entry(i) for i in range(n)], "embedded", "USD")
    assert block is not None
    # drawn: the worst (the upsize, then the largest savings), whatever the input order
    assert [p.title for p in block.shown] == ["v3", f"v{n - 1}", f"v{n - 2}"]
    assert len(block.embedded) == EMBEDDED_PER_KIND - SHOWN_PER_KIND
    cpu, mem = block.shown[0].charts
    assert cpu.option["yAxis"]["max"] >= 8 and mem.option["yAxis"]["max"] >= 128
    first = block.index.rows[0]
    assert first[0] == "v3" and first[2] == "risk" and "under-allocated" in first[3]
    assert [r[0] for r in block.index.rows[1:3]] == [f"v{n - 1}", f"v{n - 2}"]
    # the report names where a chart it does not embed is; the dashboard opens any
    assert block.index.usage is not None and block.index.usage[0] == "vm:k3"
    few = usage_block(run, [_entry(i) for i in range(2)], "embedded", "USD")
    assert few is not None and few.index.rows[0][-1] == "in skylift serve"
    live = usage_block(run, [_entry(i) for i in range(2)], "fetch", "USD")
    assert live is not None and live.embedded == () and live.index.usage is not None
    assert all(u is not None for u in live.index.usage)
    assert usage_block(run, [], "fetch", "USD") is None  # a run stored before 0007


def test_a_hostile_workload_name_stays_text_in_the_embedded_panels() -> None:
    """Names come from Prometheus labels: one that closes the script element is escaped
    in the embedded panel JSON and the page data (rendered by the real templates)."""
    from skylift.report.html.model import Section
    from skylift.report.html.render import render_fragment

    evil = "</script><script>alert(1)</script>"
    vm = {**_vm(0, 0.1), "server": evil, "server_key": evil}  # ranked last: embedded
    rows = [vm, *(_vm(i, 0.5) for i in range(1, SHOWN_PER_KIND + 2))]
    entries = [{**_entry(0), "key": evil}, *(_entry(i) for i in range(1, SHOWN_PER_KIND + 2))]
    block = usage_block({"vms": rows[::-1], "containers": []}, entries[::-1], "embedded", "USD")
    assert block is not None and [p.title for p in block.embedded][-1] == evil
    frag = render_fragment(Section("optimize", "Optimize", usage=block))
    html = frag["html"]
    assert evil not in html and "<script>alert" not in html  # attributes: &lt;…; JSON: \u003c…
    assert html.count("<script") == html.count("</script>") == len(block.embedded)
    assert '"title":"\\u003c/script\\u003e\\u003cscript\\u003ealert(1)' in html

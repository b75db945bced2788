"""Every column ``size_servers`` adds, recomputed by hand from docs/assess.md §1–6 (Hypothesis).

The oracle is plain Python over the same inputs (servers, the observed statistics, forecast
and storage rows, a policy): demand = allocated × utilisation × headroom (× CPU speed for
cores), utilisation = max(observed statistic, usable forecast), else the summary import's
figure, else the allocation with no headroom; no cores / no memory → no demand; coverage =
share of expected points averaged over the metric groups the estate has; stars in 20 %
bands (1★ without data); utilisation class from the window averages; egress from network-out;
disk IOPS/MB/s × headroom; storage demand = forecast else used, disk growth ≥ 1.
Written against mutmut's survivors in assess/sizing.py (it was not measured before).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skylift.assess.observed import OBSERVED_SCHEMA
from skylift.assess.policy import AssessPolicy, ClassThresholds
from skylift.assess.sizing import (
    GB_PER_MBPS_MONTH,
    NO_DATA_NOTE,
    SERVER_SCHEMA,
    gpu_vendor,
    servers_frame,
    size_servers,
)
from skylift.domain.inventory import Disk, Nic, Server
from tests.helpers import examples

PARTLY = "CPU or memory figure missing; that part sized as allocated, no headroom"
COVERAGE_GROUPS = [
    ("cpu_points",),
    ("mem_pct_points", "mem_used_points"),
    ("disk_iops_points",),
    ("disk_mbps_points",),
    ("net_out_points", "net_in_points"),
]


@dataclass
class Case:
    server: Server
    observed: dict[str, float | int | None] | None  #: the observed row, or no samples
    cpu_fc: tuple[float, float] | None  #: (forecast %, history days)
    mem_fc: tuple[float, float] | None
    storage: tuple[float, float] | None  #: (used now, forecast) GiB


_pct = st.floats(0, 100, allow_nan=False)
pct = st.one_of(st.none(), _pct, _pct)  # a figure two times in three: fewer paths masked
mbps = st.one_of(st.none(), st.floats(0, 800, allow_nan=False))
small = st.one_of(st.none(), st.floats(0, 5000, allow_nan=False))


@st.composite
def disks(draw: st.DrawFn) -> tuple[Disk, ...]:
    out = []
    for i in range(draw(st.integers(0, 3))):
        used = draw(st.one_of(st.none(), st.floats(0, 500, allow_nan=False)))
        out.append(
            Disk(
                name=f"d{i}",
                size_gib=draw(st.sampled_from([0.0, 50.0, 200.0])),
                used_gib=used,
                read_iops=draw(small),
                write_iops=draw(small),
                read_mbps=draw(small),
                write_mbps=draw(small),
            )
        )
    return tuple(out)


@st.composite
def cases(draw: st.DrawFn, key: str) -> Case:
    memory = draw(st.sampled_from([None, 0.0, 0.5, 8.0, 96.0, 16.0, 4.0]))
    server = Server(
        key=key,
        name=key,
        source="test",
        cores=draw(st.sampled_from([None, 0, 1, 4, 48, 8, 2])),
        memory_mib=None if memory is None else memory * 1024,
        cpu_util_pct=draw(pct),
        mem_util_pct=draw(pct),
        net_in_mbps=draw(mbps),
        net_out_mbps=draw(mbps),
        disks=draw(disks()),
        nics=tuple(Nic(name=f"n{i}") for i in range(draw(st.integers(0, 2)))),
    )
    observed = None
    if draw(st.booleans()):
        used_ok = bool(memory)  # MiB used over no memory is not a percentage
        observed = {
            "cpu_stat": draw(pct),
            "cpu_avg": draw(pct),
            "mem_pct_stat": draw(pct),
            "mem_pct_avg": draw(pct),
            "mem_used_stat": draw(small) if used_ok else None,
            "mem_used_avg": draw(small) if used_ok else None,
            "disk_iops_stat": draw(small),
            "disk_mbps_stat": draw(small),
            "net_out_avg": draw(mbps),
            "net_in_avg": draw(mbps),
            "expected_points": draw(st.sampled_from([1.0, 144.0, 4320.0])),
            "history_days": 30.0,
        }
        for group in ("cpu", "mem_pct", "mem_used", "disk_iops", "disk_mbps", "net_out", "net_in"):
            observed[f"{group}_points"] = draw(st.one_of(st.none(), st.integers(0, 5000)))
    fc = st.one_of(
        st.none(), st.tuples(pct.filter(lambda v: v is not None), st.sampled_from([2.0, 7.0, 40.0]))
    )
    storage = draw(st.one_of(st.none(), st.tuples(st.floats(0, 400), st.floats(0, 900))))
    return Case(server, observed, draw(fc), draw(fc), storage)  # type: ignore[arg-type]


policies = st.builds(
    AssessPolicy,
    method=st.sampled_from(["performance", "performance", "as-is"]),
    headroom_factor=st.sampled_from([1.0, 1.3, 2.0]),
    cpu_speed_multiplier=st.sampled_from([1.0, 0.8]),
    min_history_days=st.sampled_from([0.0, 7.0]),
    egress_share_pct=st.sampled_from([0.0, 10.0, 55.0]),
    classes=st.builds(
        ClassThresholds,
        idle_cpu_pct=st.sampled_from([5.0, 20.0]),
        idle_mem_pct=st.sampled_from([5.0, 30.0]),
        idle_net_pct=st.sampled_from([2.0, 10.0]),
        zombie_pct=st.sampled_from([0.5, 3.0]),
        nic_mbps=st.sampled_from([100.0, 1000.0]),
    ),
)


def first(*values: float | None) -> float | None:
    return next((v for v in values if v is not None), None)


def stars(coverage: float | None) -> int | None:
    if coverage is None:
        return None
    return next((i + 1 for i, top in enumerate((20, 40, 60, 80)) if coverage <= top), 5)


def utilisation_class(
    cpu: float | None, mem: float | None, net: float | None, t: ClassThresholds
) -> str:
    if cpu is None and mem is None:
        return "unknown"
    if all(v is None or v <= t.zombie_pct for v in (cpu, mem, net)):
        return "zombie"
    limits = ((cpu, t.idle_cpu_pct), (mem, t.idle_mem_pct), (net, t.idle_net_pct))
    if all(v is None or v < lim for v, lim in limits):
        return "idle"
    return "active"


def expected(c: Case, p: AssessPolicy, groups: list[tuple[str, ...]]) -> dict[str, object]:
    s, o = c.server, c.observed or {}
    mem = None if s.memory_mib is None else s.memory_mib / 1024
    used_pct = (
        None
        if o.get("mem_used_stat") is None or mem is None
        else o["mem_used_stat"] / 1024 / mem * 100
    )  # type: ignore[operator]
    series_cpu, series_mem = o.get("cpu_stat"), first(o.get("mem_pct_stat"), used_pct)
    cpu_fc = c.cpu_fc[0] if c.cpu_fc and c.cpu_fc[1] >= p.min_history_days else None
    mem_fc = c.mem_fc[0] if c.mem_fc and c.mem_fc[1] >= p.min_history_days else None
    cpu_pct = max((v for v in (series_cpu, cpu_fc) if v is not None), default=None)
    mem_pct = max((v for v in (series_mem, mem_fc) if v is not None), default=None)
    forecasted = any(
        f is not None and v is not None and f > v
        for f, v in ((cpu_fc, series_cpu), (mem_fc, series_mem))
    )
    has_series = series_cpu is not None or series_mem is not None
    has_summary = s.cpu_util_pct is not None or s.mem_util_pct is not None
    cpu_used, mem_used = first(cpu_pct, s.cpu_util_pct), first(mem_pct, s.mem_util_pct)
    missing = "no cores recorded" if not s.cores else "no memory recorded" if not mem else None
    if p.method == "performance":
        factor = p.headroom_factor
        cpu = (
            float(s.cores or 0)
            if cpu_used is None
            else (s.cores or 0) * cpu_used / 100 * factor * p.cpu_speed_multiplier
        )
        memd = mem if mem_used is None else (mem or 0) * mem_used / 100 * factor
        basis = (
            "forecast" if has_series and forecasted else "performance" if has_series
            else "summary" if has_summary else "as_is"
        )  # fmt: skip
        note = (
            NO_DATA_NOTE
            if not has_series and not has_summary
            else PARTLY
            if cpu_used is None or mem_used is None
            else ""
        )
    else:
        cpu, memd, basis, note = float(s.cores or 0), mem, "as_is", ""
    coverage = None
    if o.get("expected_points") is not None:
        shares = [
            min(max(o.get(col) or 0 for col in g) / o["expected_points"], 1.0) for g in groups
        ]  # type: ignore[operator, type-var]
        coverage = round(sum(shares) / len(groups) * 100, 1)
    mem_used_avg = o.get("mem_used_avg")
    mem_avg = first(
        o.get("mem_pct_avg"),
        None if mem_used_avg is None or mem is None else mem_used_avg / 1024 / mem * 100,
        s.mem_util_pct,
    )  # type: ignore[operator]
    cpu_avg = first(o.get("cpu_avg"), s.cpu_util_pct)
    if o.get("net_out_avg") is not None:
        net_mbps: float | None = o["net_out_avg"] + (o.get("net_in_avg") or 0)  # type: ignore[operator]
    elif s.net_out_mbps is not None:
        net_mbps = s.net_out_mbps + (s.net_in_mbps or 0)
    else:
        net_mbps = None
    net_avg = None if net_mbps is None else net_mbps / p.classes.nic_mbps * 100
    iops = [(d.read_iops, d.write_iops) for d in s.disks]
    mbs = [(d.read_mbps, d.write_mbps) for d in s.disks]
    disk_iops = (
        sum((a or 0) + (b or 0) for a, b in iops)
        if any(x is not None for pair in iops for x in pair)
        else None
    )
    disk_mbps = (
        sum((a or 0) + (b or 0) for a, b in mbs)
        if any(x is not None for pair in mbs for x in pair)
        else None
    )
    iops_stat, mbps_stat = (
        first(o.get("disk_iops_stat"), disk_iops),
        first(o.get("disk_mbps_stat"), disk_mbps),
    )
    used = s.used_gib
    provisioned = s.provisioned_gib
    demand = c.storage[1] if c.storage else used
    sizing_note = missing or note
    return {
        "cpu_demand": None if missing else cpu,
        "memory_demand_gib": None if missing else memd,
        "basis": "none" if missing else basis,
        "sizing_note": sizing_note,
        "coverage_pct": coverage,
        "confidence_stars": 1 if sizing_note == NO_DATA_NOTE else stars(coverage),
        "cpu_avg_pct": cpu_avg,
        "mem_avg_pct": mem_avg,
        "net_avg_pct": net_avg,
        "utilisation_class": utilisation_class(cpu_avg, mem_avg, net_avg, p.classes),
        "egress_gb_month": (first(o.get("net_out_avg"), s.net_out_mbps) or 0)
        * GB_PER_MBPS_MONTH
        * p.egress_share_pct
        / 100,
        "iops_demand": None if iops_stat is None else iops_stat * p.headroom_factor,
        "mbps_demand": None if mbps_stat is None else mbps_stat * p.headroom_factor,
        "storage_used_gib": c.storage[0] if c.storage else used,
        "storage_demand_gib": demand,
        "disk_growth": demand / provisioned
        if provisioned > 0 and demand is not None and demand > provisioned
        else 1.0,
        "memory_gib": mem,
        "disk_count": len(s.disks),
        "nic_count": len(s.nics),
        "max_disk_gib": max((d.size_gib for d in s.disks), default=None),
        "provisioned_gib": provisioned,
        "used_gib": used,
        "disk_iops": disk_iops,
        "disk_mbps": disk_mbps,
    }


def estate_groups(observed: list[dict[str, float | int | None]]) -> list[tuple[str, ...]]:
    """The coverage groups the estate has at all (CPU and memory when nobody has samples)."""
    if not observed:
        return COVERAGE_GROUPS[:2]
    present = [
        g for g in COVERAGE_GROUPS if any(row.get(c) is not None for row in observed for c in g)
    ]
    return present or COVERAGE_GROUPS[:1]


def run(estate: list[Case], p: AssessPolicy) -> pl.DataFrame:
    rows = [{"server_key": c.server.key, **c.observed} for c in estate if c.observed]
    observed = (
        pl.DataFrame(rows, schema=OBSERVED_SCHEMA) if rows else pl.DataFrame(schema=OBSERVED_SCHEMA)
    )
    fc_rows = [
        {"server_key": c.server.key, "metric": metric, "forecast": f[0], "history_days": f[1]}
        for c in estate
        for metric, f in (("cpu_pct", c.cpu_fc), ("mem_pct", c.mem_fc))
        if f is not None
    ]
    forecast = pl.DataFrame(
        fc_rows,
        schema={
            "server_key": pl.String,
            "metric": pl.String,
            "forecast": pl.Float64,
            "history_days": pl.Float64,
        },
    )
    st_rows = [
        {"server_key": c.server.key, "used_now": c.storage[0], "forecast": c.storage[1]}
        for c in estate
        if c.storage
    ]
    storage = pl.DataFrame(
        st_rows, schema={"server_key": pl.String, "used_now": pl.Float64, "forecast": pl.Float64}
    )
    return size_servers(servers_frame([c.server for c in estate]), observed, p, forecast, storage)


def close(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, (float, int)):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return a == b


@st.composite
def estates(draw: st.DrawFn) -> list[Case]:
    return [draw(cases(f"s{i}")) for i in range(draw(st.integers(1, 4)))]


@settings(max_examples=examples(80), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(estate=estates(), p=policies)
def test_every_sizing_column_follows_the_documented_rules(
    estate: list[Case], p: AssessPolicy
) -> None:
    out = run(estate, p)
    groups = estate_groups([c.observed for c in estate if c.observed])
    assert out["server_key"].to_list() == [c.server.key for c in estate]
    for c, row in zip(estate, out.iter_rows(named=True), strict=True):
        want = expected(c, p, groups)
        got = {k: row[k] for k in want}
        bad = {k: (got[k], v) for k, v in want.items() if not close(got[k], v)}
        assert not bad, (c, p)


def test_a_summary_imports_network_figure_counts_for_its_class() -> None:
    busy = Server(key="n", name="n", source="test", cores=4, memory_mib=8192, cpu_util_pct=0.2,
                  mem_util_pct=0.3, net_out_mbps=400.0, net_in_mbps=100.0)  # fmt: skip
    out = size_servers(servers_frame([busy]), pl.DataFrame(schema=OBSERVED_SCHEMA), AssessPolicy())
    assert out["net_avg_pct"][0] == pytest.approx(50.0)  # 500 of a 1000 Mbit/s NIC
    assert out["utilisation_class"][0] == "active"  # docs/assess.md §6: not zombie


@pytest.mark.parametrize(
    ("tags", "vendor"),
    [
        ({}, None),
        ({"gpu_vendor": "  "}, None),
        ({"GPU_Vendor": "NVIDIA Corporation"}, "nvidia"),
        ({"gpu_model": "Tesla V100-PCIE-16GB"}, "nvidia"),
        ({"gpu_model": "Radeon Instinct MI50"}, "amd"),
        ({"gpu_model": "AMD Instinct MI300X"}, "amd"),
        ({"gpu_model": "Intel Data Center GPU Max 1550"}, "intel"),
        ({"gpu_model": "Arc A770"}, "intel"),
        ({"gpu_vendor": "amd", "gpu_model": "A100"}, "amd"),  # the vendor tag first
        ({"gpu_vendor": "", "gpu_model": "L4"}, "nvidia"),
        ({"gpu_model": "Matrox G200"}, "matrox"),  # unknown: its first word
    ],
)
def test_gpu_vendor_from_tags(tags: dict[str, str], vendor: str | None) -> None:
    assert gpu_vendor(Server(key="g", name="g", source="test", tags=tags)) == vendor


def test_server_columns_from_disks_and_nics() -> None:
    s = Server(
        key="k", name="n", source="test", cores=2, memory_mib=1536,
        disks=(
            Disk(name="a", size_gib=10, used_gib=4, read_iops=100, write_mbps=2.5),
            Disk(name="b", size_gib=30, used_gib=1, write_iops=50),
        ),
        nics=(Nic(name="e0"),),
        tags={"gpu_model": "T4"},
    )  # fmt: skip
    row = servers_frame([s]).row(0, named=True)
    assert (row["memory_gib"], row["disk_count"], row["nic_count"]) == (1.5, 2, 1)
    assert (row["max_disk_gib"], row["provisioned_gib"], row["used_gib"]) == (30.0, 40.0, 5.0)
    assert (row["disk_iops"], row["disk_mbps"], row["gpu_vendor"]) == (150.0, 2.5, "nvidia")
    bare = servers_frame(
        [Server(key="b", name="b", source="test", disks=(Disk(name="a", size_gib=1),))]
    )
    assert bare.row(0, named=True)["disk_iops"] is None
    assert bare.row(0, named=True)["disk_mbps"] is None
    assert servers_frame([]).schema == SERVER_SCHEMA  # an empty estate keeps typed columns
    assert bare.schema == SERVER_SCHEMA  # all-empty columns are not left untyped


def _one(
    server: Server, observed: dict[str, float | int | None] | None, **kw: object
) -> dict[str, object]:
    case = Case(server, observed, kw.pop("cpu_fc", None), kw.pop("mem_fc", None), None)  # type: ignore[arg-type]
    p = AssessPolicy.model_validate(kw)
    row = run([case], p).row(0, named=True)
    want = expected(case, p, estate_groups([observed] if observed else []))
    assert {k: row[k] for k in want} == pytest.approx(want)
    return row


def _obs(**values: float) -> dict[str, float | int | None]:
    return {"expected_points": 100.0, "history_days": 30.0, **values}


def test_worked_cases_the_properties_rarely_reach() -> None:
    s = Server(key="w", name="w", source="test", cores=10, memory_mib=8192)
    # a forecast below the series leaves the series; above it, it wins and is the basis
    low = _one(s, _obs(cpu_stat=40.0, mem_pct_stat=50.0), cpu_fc=(30.0, 30.0), headroom_factor=1.0)
    assert (low["cpu_demand"], low["basis"]) == (pytest.approx(4.0), "performance")
    high = _one(s, _obs(cpu_stat=40.0, mem_pct_stat=50.0), cpu_fc=(60.0, 30.0), headroom_factor=1.0)
    assert (high["cpu_demand"], high["basis"]) == (pytest.approx(6.0), "forecast")
    mem = _one(s, _obs(cpu_stat=40.0, mem_pct_stat=50.0), mem_fc=(75.0, 30.0), headroom_factor=1.0)
    assert (mem["memory_demand_gib"], mem["basis"]) == (pytest.approx(6.0), "forecast")
    short = _one(s, _obs(cpu_stat=40.0), cpu_fc=(90.0, 3.0), headroom_factor=1.0)  # < 7 days
    assert short["cpu_demand"] == pytest.approx(4.0)
    # memory in MiB used: 2 GiB of 8 GiB is 25 %
    used = _one(
        s, _obs(cpu_stat=40.0, mem_used_stat=2048.0, mem_used_avg=1024.0), headroom_factor=2.0
    )
    assert (used["memory_demand_gib"], used["mem_avg_pct"]) == (pytest.approx(4.0), 12.5)

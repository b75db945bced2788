"""Cheapest fit against an independent oracle: brute force over the shipped CSVs.

The oracle reads ``skylift/catalog/data/<cloud>.csv`` with the csv module and
applies the rules documented in docs/assess.md ("Instance choice") and
docs/catalog.md ("Families and burstable types") directly: same region, a
price (the pricing option, else on-demand), same architecture (empty = x86_64),
GPUs ≥ the source's, not burstable unless allowed, not in an excluded family,
vCPU ≥ demand and memory ≥ demand, and the family policy (default classes
general/compute/memory; GPU servers whole NVIDIA GPUs), re-typed from the docs
in ``oracle_rules``. Among those, the lowest price. It shares no
code with the engine (no grid, no searchsorted, no Polars, no catalog loader).

The engine's choice must fit and cost exactly the oracle's minimum (several
types may share that price, so the type itself is not compared); where the
oracle finds nothing, the engine must say "no fitting instance".
"""

from __future__ import annotations

import csv
import itertools
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import skylift.catalog
from skylift.assess.policy import AssessPolicy, TargetRegion
from skylift.assess.pricing import choose_instances
from skylift.catalog.loader import Catalog, load_catalog
from tests.helpers import examples
from tests.unit.assess import oracle_rules as rules

DATA = Path(skylift.catalog.__file__).parent / "data"
PRICE = {
    "on_demand": "price_hour_ondemand",
    "spot": "price_hour_spot",
    "commit_1y": "price_hour_commit_1y",
    "commit_3y": "price_hour_commit_3y",
}
#: The engine compares demands rounded to 6 decimals with this tolerance.
TOL = 1e-6
GCP_SHARED_CORE = {"e2-micro", "e2-small", "e2-medium", "f1-micro", "g1-small"}


@dataclass(frozen=True)
class Offer:
    """One CSV row, as the documented rules see it."""

    instance_type: str
    vcpus: float
    memory_gib: float
    gpus: int
    arch: str
    prices: dict[str, float | None]
    burstable: bool


def _num(text: str | None) -> float | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        return None


def _burstable(cloud: str, instance_type: str) -> bool:
    """docs/catalog.md: AWS t* families, Azure B-series, GCP shared-core types."""
    if cloud == "aws":
        return re.match(r"^t\d+[a-z]*\.", instance_type) is not None
    if cloud == "gcp":
        return instance_type in GCP_SHARED_CORE
    return re.match(r"^(Standard_|Basic_)?B\d", instance_type) is not None


@cache
def offers(cloud: str, region: str) -> tuple[Offer, ...]:
    """Rows of ``cloud``'s CSV in ``region`` that have a type, size and on-demand price."""
    out = []
    with (DATA / f"{cloud}.csv").open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if (row["region"] or "").strip() != region:
                continue
            vcpus, mem = _num(row["vcpus"]), _num(row["memory_gib"])
            prices = {option: _num(row[column]) for option, column in PRICE.items()}
            name = (row["instance_type"] or "").strip()
            if vcpus is None or mem is None or prices["on_demand"] is None or not name:
                continue
            out.append(
                Offer(
                    instance_type=name,
                    vcpus=vcpus,
                    memory_gib=mem,
                    gpus=int(_num(row["gpus"]) or 0),
                    arch=(row["arch"] or "").strip() or "x86_64",
                    prices=prices,
                    burstable=_burstable(cloud, name),
                )
            )
    return tuple(out)


def regions(cloud: str) -> list[str]:
    """Regions of ``cloud``'s CSV."""
    with (DATA / f"{cloud}.csv").open(newline="", encoding="utf-8") as fh:
        return sorted({row["region"].strip() for row in csv.DictReader(fh) if row["region"]})


@dataclass(frozen=True)
class Demand:
    """What one server needs."""

    cpu: float
    mem: float
    arch: str = "x86_64"
    gpus: int = 0


def oracle_prices(
    cloud: str,
    region: str,
    demands: list[Demand],
    pricing: str = "on_demand",
    burstable: bool = False,
    exclude: tuple[str, ...] = (),
) -> list[float | None]:
    """Per demand, the lowest price of an allowed, fitting type (None when none fits).

    Brute force: every (demand, offer) pair is tested against every rule; numpy
    only evaluates the pairs side by side.
    """
    rows = [
        o
        for o in offers(cloud, region)
        if (burstable or not o.burstable)
        and not any(_in_family(cloud, o.instance_type, ex) for ex in exclude)
    ]
    if not rows:
        return [None] * len(demands)
    v = np.array([o.vcpus for o in rows])
    m = np.array([o.memory_gib for o in rows])
    # family policy (docs/assess.md "Instance families"): plain servers get the default
    # classes; GPU servers whole NVIDIA GPUs of an accelerator or default class
    cls = [rules.family_class(cloud, o.instance_type) for o in rows]
    plain = np.array([c in rules.DEFAULT_CLASSES for c in cls])
    g = np.array(
        [
            rules.whole_nvidia_gpus(cloud, o.instance_type, o.gpus)
            if c in rules.DEFAULT_CLASSES | {"accelerator"}
            else 0
            for o, c in zip(rows, cls, strict=True)
        ]
    )
    arch = np.array([o.arch for o in rows])
    price = np.array(
        [o.prices["on_demand"] if o.prices[pricing] is None else o.prices[pricing] for o in rows],
        dtype=np.float64,
    )
    cpu = np.array([round(d.cpu, 6) for d in demands])
    mem = np.array([round(d.mem, 6) for d in demands])
    want_arch = np.array([d.arch for d in demands])
    want_g = np.array([d.gpus for d in demands])
    fits = (
        (v[None, :] >= cpu[:, None] - TOL)
        & (m[None, :] >= mem[:, None] - TOL)
        & np.where(want_g[:, None] > 0, g[None, :] >= want_g[:, None], plain[None, :])
        & (arch[None, :] == want_arch[:, None])
    )
    best = np.where(fits, price[None, :], np.inf).min(axis=1)
    return [None if np.isinf(b) else float(b) for b in best]


def oracle_price(cloud: str, region: str, d: Demand) -> float | None:
    """The oracle for one on-demand, non-burstable demand."""
    return oracle_prices(cloud, region, [d])[0]


def _in_family(cloud: str, instance_type: str, name: str) -> bool:
    """Exclusion by family name or type-name prefix (docs/assess.md), case-insensitive."""
    low, t = name.lower(), instance_type.lower()
    if t.startswith(low):
        return True
    if cloud == "aws":
        return t.split(".", 1)[0] == low
    if cloud == "gcp":
        return t.split("-", 1)[0] == low
    return False  # Azure families are checked against the engine's own family column below


def engine(
    catalog: Catalog,
    cloud: str,
    region: str,
    demands: list[Demand],
    **policy: object,
) -> pl.DataFrame:
    """The engine's choices for ``demands`` (one row per demand, same order)."""
    sized = pl.DataFrame(
        {
            "server_key": [f"s{i}" for i in range(len(demands))],
            "cpu_demand": [d.cpu for d in demands],
            "memory_demand_gib": [d.mem for d in demands],
            "arch": [d.arch for d in demands],
            "gpus": [d.gpus for d in demands],
        }
    )
    pol = AssessPolicy(targets=(TargetRegion(cloud=cloud, region=region),), **policy)  # type: ignore[arg-type]
    return choose_instances(sized, catalog, cloud, region, pol)


def check(
    catalog: Catalog,
    cloud: str,
    region: str,
    demands: list[Demand],
    pricing: str = "on_demand",
    burstable: bool = False,
    exclude: tuple[str, ...] = (),
) -> int:
    """Compare engine and oracle on every demand; return how many fitted."""
    got = engine(
        catalog,
        cloud,
        region,
        demands,
        pricing=pricing,
        allow_burstable=burstable,
        exclude_families=exclude,
    )
    by_type = {o.instance_type: o for o in offers(cloud, region)}
    fitted = 0
    wanted = oracle_prices(cloud, region, demands, pricing, burstable, exclude)
    for d, want, row in zip(demands, wanted, got.iter_rows(named=True), strict=True):
        if want is None:
            assert row["instance_type"] is None, (cloud, region, d, row)
            assert "no fitting instance" in (row["not_sized_reason"] or "") or "no allowed" in (
                row["not_sized_reason"] or ""
            ), row
            continue
        fitted += 1
        assert row["instance_type"] is not None, (cloud, region, d, want, row)
        o = by_type[row["instance_type"]]
        assert o.vcpus >= round(d.cpu, 6) - TOL and o.memory_gib >= round(d.mem, 6) - TOL, (d, o)
        assert o.arch == d.arch and o.gpus >= d.gpus, (d, o)
        assert burstable or not o.burstable, (d, o)
        assert row["price_hour"] == pytest.approx(want, rel=1e-12), (
            f"{cloud}/{region} {d}: engine chose {row['instance_type']} at "
            f"{row['price_hour']}/h, the cheapest fit costs {want}/h"
        )
    return fitted


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    """The bundled catalog, as the engine loads it."""
    return load_catalog()


def _sizes(cloud: str, region: str) -> tuple[list[float], list[float]]:
    """Distinct vCPU and memory sizes offered in the region."""
    rows = offers(cloud, region)
    return sorted({o.vcpus for o in rows}), sorted({o.memory_gib for o in rows})


def grid_demands(cloud: str, region: str) -> list[Demand]:
    """Every (vCPU, memory) at, just below and between the offered sizes (boundaries)."""
    vs, ms = _sizes(cloud, region)
    small_v = sorted({v for v in vs if v <= 64} | set(vs[-4:]))
    small_m = sorted({m for m in ms if m <= 256} | set(ms[-4:]))

    def around(values: list[float]) -> list[float]:
        pts = {0.25}
        for a, b in itertools.pairwise(values):
            pts.update({a, a - 0.01, (a + b) / 2})
        pts.update({values[-1], values[-1] + 0.5})
        return sorted(p for p in pts if p > 0)

    return [Demand(v, m) for v in around(small_v) for m in around(small_m)]


CLOUD_REGIONS = [(c, r) for c in ("aws", "azure", "gcp") for r in regions(c)]


@pytest.mark.parametrize(("cloud", "region"), CLOUD_REGIONS)
def test_every_boundary_demand_gets_the_cheapest_fit(
    catalog: Catalog, cloud: str, region: str
) -> None:
    """Deterministic sweep: the catalog's own sizes, just below them and midway, per region."""
    demands = grid_demands(cloud, region)
    assert len(demands) >= 100
    fitted = check(catalog, cloud, region, demands)
    assert fitted >= len(demands) // 2


def _demand(cloud_region: tuple[str, str]) -> st.SearchStrategy[Demand]:
    vs, ms = _sizes(*cloud_region)
    exact_v = st.sampled_from(vs)
    exact_m = st.sampled_from(ms)
    free_v = st.floats(min_value=0.01, max_value=max(vs) * 1.1, allow_nan=False)
    free_m = st.floats(min_value=0.01, max_value=max(ms) * 1.1, allow_nan=False)
    small_v = st.floats(min_value=0.01, max_value=16, allow_nan=False)
    small_m = st.floats(min_value=0.01, max_value=64, allow_nan=False)
    return st.builds(
        Demand,
        cpu=st.one_of(exact_v, free_v, small_v, exact_v.map(lambda v: v - 0.001)),
        mem=st.one_of(exact_m, free_m, small_m, exact_m.map(lambda m: m - 0.001)),
        arch=st.sampled_from(["x86_64", "x86_64", "x86_64", "arm64"]),
        gpus=st.sampled_from([0, 0, 0, 0, 0, 0, 1, 2]),
    )


@st.composite
def cases(draw: st.DrawFn) -> tuple[str, str, list[Demand], str, bool, tuple[str, ...]]:
    """A region, a batch of demands and a policy."""
    cloud, region = draw(st.sampled_from(CLOUD_REGIONS))
    demands = draw(st.lists(_demand((cloud, region)), min_size=1, max_size=40))
    pricing = draw(st.sampled_from(list(PRICE)))
    burstable = draw(st.booleans())
    families = sorted({o.instance_type.split(".")[0].split("-")[0] for o in offers(cloud, region)})
    exclude: tuple[str, ...] = ()
    if cloud != "azure" and draw(st.booleans()):
        exclude = tuple(draw(st.lists(st.sampled_from(families), max_size=3, unique=True)))
    return cloud, region, demands, pricing, burstable, exclude


@settings(max_examples=examples(500), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases())
def test_engine_matches_brute_force_on_generated_demands(
    catalog: Catalog, case: tuple[str, str, list[Demand], str, bool, tuple[str, ...]]
) -> None:
    """Random regions, demands (exact sizes, just below, anywhere), arch, GPUs, pricing."""
    cloud, region, demands, pricing, burstable, exclude = case
    check(catalog, cloud, region, demands, pricing, burstable, exclude)


def test_the_reported_case_costs_the_cheapest_fit(catalog: Catalog) -> None:
    """Issue 15's example: 1.5 vCPU / 1 GiB on AWS us-east-1 → $0.0765/h, not $0.13/h."""
    got = engine(catalog, "aws", "us-east-1", [Demand(1.5, 1.0)])
    assert got["price_hour"][0] == pytest.approx(0.0765)
    assert oracle_price("aws", "us-east-1", Demand(1.5, 1.0)) == pytest.approx(0.0765)


def test_oracle_reads_every_region_of_the_csvs() -> None:
    """The oracle's view of the CSVs is not empty (a broken reader would pass vacuously)."""
    for cloud, region in CLOUD_REGIONS:
        assert offers(cloud, region), (cloud, region)
    assert {c for c, _ in CLOUD_REGIONS} == {"aws", "azure", "gcp"}
    assert np.isclose(
        min(o.prices["on_demand"] or 0 for o in offers("aws", "us-east-1") if not o.burstable),
        min(
            p
            for p in load_catalog()
            .instances.filter(
                (pl.col("cloud") == "aws")
                & (pl.col("region") == "us-east-1")
                & ~pl.col("burstable")
            )["price_hour_ondemand"]
            .to_list()
        ),
    )

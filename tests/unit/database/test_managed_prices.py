"""Invariants of the managed-database price table (like the shared catalog's check_catalog.py).

Every row: positive numbers, a known verification status, a source; verified
rows re-computed from the monthly figures their source quotes; derived rows
equal to their anchor tier's unit price times the size; every managed target
priced, one region per cloud; vCPUs and memory agree with the bundled VM
catalog (the same machine under the ``db.`` / Flexible Server name) or, for
Cloud SQL custom tiers, with the tier's name.
"""

from __future__ import annotations

import csv
import itertools
import re
from collections import defaultdict
from pathlib import Path

import pytest

from skylift.database.assess import DATA, assess_database, targets, tiers
from skylift.domain.database import DatabaseInventory, DbDatabase, DbEngine, PriceStatus

CATALOG = Path(__file__).resolve().parents[3] / "src" / "skylift" / "catalog" / "data"
HEADER = [
    "cloud", "service", "tier", "vcpus", "memory_gib", "price_hour", "storage_gib_month",
    "region", "price_as_of", "verified", "source",
]  # fmt: skip


def _rows() -> list[dict[str, str]]:
    with (DATA / "managed_prices.csv").open(encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == HEADER
        return list(reader)


def _catalog(cloud: str) -> dict[str, tuple[float, float]]:
    with (CATALOG / f"{cloud}.csv").open(encoding="utf-8") as fh:
        return {
            r["instance_type"]: (float(r["vcpus"]), float(r["memory_gib"]))
            for r in csv.DictReader(fh)
        }


def test_every_row_is_positive_sourced_and_labelled():
    seen = set()
    for r in _rows():
        where = f"{r['service']} {r['tier']}"
        assert (r["service"], r["tier"]) not in seen, f"duplicate {where}"
        seen.add((r["service"], r["tier"]))
        for field in ("vcpus", "memory_gib", "price_hour", "storage_gib_month"):
            assert float(r[field]) > 0, f"{where}: {field} {r[field]}"
        assert re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", r["price_as_of"]), where
        assert r["verified"] in {"verified", "derived", "unverified"}, where
        if r["verified"] == "unverified":
            assert "recalled" in r["source"], where
        else:
            # a sourced row names its licence, the file and the commit it was read from
            assert "(Apache-2.0)" in r["source"] and re.search(r"@[0-9a-f]{9}", r["source"]), where


def test_verified_prices_match_the_monthly_figures_they_quote():
    checked = 0
    for r in _rows():
        if r["verified"] != "verified":
            continue
        price = float(r["price_hour"])
        quoted = re.search(r"730 h \$([\d,.]+)", r["source"])
        parts = re.search(r"vCPUs \$([\d,.]+) \+ memory \$([\d,.]+) per 730 h", r["source"])
        if quoted:
            monthly = float(quoted.group(1).replace(",", ""))
        else:
            assert parts, f"{r['tier']}: no monthly figure in the source"
            monthly = sum(float(x.replace(",", "")) for x in parts.groups())
        assert abs(price * 730 - monthly) < 0.05, (r["service"], r["tier"], price, monthly)
        checked += 1
    assert checked >= 30


def test_derived_prices_scale_their_anchor_and_sizes_never_get_cheaper():
    rows = _rows()
    by_family: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
    for r in rows:
        family = re.sub(r"(\d*x)?large$|\d+(?=[a-z]*s?_v\d)|^db-custom-.*", "N", r["tier"])
        by_family[(r["service"], family)].append(r)
    derived = 0
    for (service, family), members in by_family.items():
        anchors = [m for m in members if m["verified"] == "verified"]
        for m in members:
            if m["tier"].startswith("db-custom-"):  # Cloud SQL bills per vCPU and per GiB
                expected = 0.0413 * float(m["vcpus"]) + 0.007 * float(m["memory_gib"])
                assert float(m["price_hour"]) == pytest.approx(expected, abs=6e-4), m["tier"]
            elif m["verified"] == "derived" and anchors:
                a = anchors[0]
                expected = float(a["price_hour"]) / float(a["vcpus"]) * float(m["vcpus"])
                assert float(m["price_hour"]) == pytest.approx(expected, rel=0.01), m["tier"]
                derived += 1
        by_vcpus = sorted(members, key=lambda m: float(m["vcpus"]))
        for small, big in itertools.pairwise(by_vcpus):
            if float(big["vcpus"]) >= 2 * float(small["vcpus"]):
                assert float(big["price_hour"]) >= float(small["price_hour"]), (service, family)
    assert derived >= 20


def test_every_target_is_priced_in_one_region_per_cloud():
    rows = _rows()
    regions: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        regions[r["cloud"]].add(r["region"])
    assert all(len(v) == 1 for v in regions.values()), regions
    priced = {(r["cloud"], r["service"]) for r in rows}
    for t in targets():
        assert (t.cloud, t.service) in priced, f"{t.service} has no tier"
        assert any(r["service"] == t.service and r["verified"] != "unverified" for r in rows) or (
            t.service == "alloydb"
        ), f"{t.service}: no sourced tier"


def test_vcpus_and_memory_agree_with_the_vm_catalog():
    aws, azure = _catalog("aws"), _catalog("azure")
    for r in _rows():
        spec = (float(r["vcpus"]), float(r["memory_gib"]))
        tier = r["tier"]
        if r["cloud"] == "aws":
            expected = aws.get(tier.removeprefix("db."))
        elif r["cloud"] == "azure":
            expected = azure.get(tier if tier.startswith("Standard_") else f"Standard_{tier}")
        elif (m := re.fullmatch(r"db-custom-(\d+)-(\d+)", tier)) is not None:
            expected = (float(m.group(1)), int(m.group(2)) / 1024)
        else:
            continue
        assert expected is not None, f"{tier} is not in the VM catalog"
        assert spec[0] == expected[0], (tier, spec, expected)
        assert spec[1] == pytest.approx(expected[1], abs=0.26), (tier, spec, expected)


def test_assess_marks_an_unverified_price():
    inv = DatabaseInventory(
        key="k", engine=DbEngine.POSTGRESQL, flavor="postgresql", version="16.1", major="16",
        url="u", host="h", port=1,
        databases=(DbDatabase(name="app", size_bytes=5 << 30, extensions=("plpgsql 1.0",)),),
    )  # fmt: skip
    a = assess_database(inv)
    options = {o.service: o for o in a.options}
    alloy = options["AlloyDB for PostgreSQL"]
    assert alloy.price_status is PriceStatus.UNVERIFIED
    assert (alloy.price_source or "").startswith("UNVERIFIED")
    assert any("UNVERIFIED" in i for i in alloy.issues) and alloy.ready
    cloudsql = options["Cloud SQL for PostgreSQL"]
    assert cloudsql.price_status is PriceStatus.VERIFIED
    assert (cloudsql.price_source or "").startswith("verified: infracost")
    assert not any("UNVERIFIED" in i for i in cloudsql.issues)
    statuses = {t.status for t in tiers()}
    assert statuses == set(PriceStatus)


def test_price_status_is_the_rows_status_and_starts_the_source_text():
    """Every option's typed status is its tier's CSV status; the JSON carries it as a string."""
    rows = {(r["service"], r["tier"]): r for r in _rows()}
    by_title = {t.title: t.service for t in targets()}
    seen = set()
    for size_gib in (5, 400, 3000):
        inv = DatabaseInventory(
            key="k", engine=DbEngine.POSTGRESQL, flavor="postgresql", version="15.4", major="15",
            url="u", host="h", port=1,
            databases=(DbDatabase(name="app", size_bytes=size_gib << 30),),
        )  # fmt: skip
        for o in assess_database(inv).options:
            if o.tier is None:
                assert o.price_status is None
                continue
            row = rows[(by_title[o.service], o.tier)]
            assert o.price_status is PriceStatus(row["verified"]), (o.service, o.tier)
            assert o.price_source is not None
            assert o.price_source.split(":")[0].lower() == row["verified"]
            assert o.model_dump(mode="json")["price_status"] == row["verified"]
            seen.add(o.price_status)
    assert PriceStatus.UNVERIFIED in seen and PriceStatus.VERIFIED in seen

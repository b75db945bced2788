"""Instance choice, disks and egress against the bundled catalog (hand-computed figures)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from skylift.assess.disks import price_disks
from skylift.assess.egress import egress_tiers, tiered_cost
from skylift.assess.policy import TargetRegion
from skylift.assess.run import assess
from skylift.catalog.loader import Catalog
from tests.unit.assess.conftest import empty, policy, server

GCP = (TargetRegion(cloud="gcp", region="us-central1"),)


def _one(catalog: Catalog, s: object, **kw: object):  # type: ignore[no-untyped-def]
    a = assess([s], [], empty(), catalog, policy(**kw))  # type: ignore[list-item]
    return a.recommendations(s.key)[0]  # type: ignore[attr-defined]


def test_arm64_source_gets_arm64_and_x86_gets_x86(catalog: Catalog) -> None:
    arm = _one(
        catalog, server("a", cores=2, memory_gib=4, arch="arm64", cpu_util_pct=50, mem_util_pct=50)
    )
    x86 = _one(catalog, server("x", cores=2, memory_gib=4, cpu_util_pct=50, mem_util_pct=50))
    arch = dict(zip(catalog.instances["instance_type"], catalog.instances["arch"], strict=False))
    assert arch[arm.instance_type] == "arm64"
    assert arch[x86.instance_type] == "x86_64"


def test_gpu_source_gets_a_gpu_instance(catalog: Catalog) -> None:
    rec = _one(
        catalog, server("g", cores=8, memory_gib=32, gpus=1, cpu_util_pct=10, mem_util_pct=10)
    )
    gpus = catalog.instances.filter(pl.col("instance_type") == rec.instance_type)["gpus"][0]
    assert gpus >= 1


def test_burstable_only_when_allowed(catalog: Catalog) -> None:
    s = server("b", cores=1, memory_gib=1, cpu_util_pct=10, mem_util_pct=10)
    no = _one(catalog, s)
    yes = _one(catalog, s, allow_burstable=True)
    burst = dict(
        zip(catalog.instances["instance_type"], catalog.instances["burstable"], strict=False)
    )
    assert not burst[no.instance_type]
    assert burst[yes.instance_type]
    assert (yes.price_hour or 0) <= (no.price_hour or 0)


def test_excluded_families_are_skipped(catalog: Catalog) -> None:
    s = server("e", cores=16, memory_gib=64, cpu_util_pct=20, mem_util_pct=20)
    first = _one(catalog, s, headroom_factor=1.5)
    assert first.instance_type == "m5a.2xlarge"
    other = _one(catalog, s, headroom_factor=1.5, exclude_families=("m5a",))
    assert other.instance_type is not None and not other.instance_type.startswith("m5a.")


def test_commitment_price_where_the_catalog_has_it_else_on_demand(catalog: Catalog) -> None:
    s = server("c", cores=4, memory_gib=16, cpu_util_pct=50, mem_util_pct=50)
    gcp = _one(catalog, s, targets=GCP, pricing="commit_1y")
    row = catalog.instances.filter(
        (pl.col("instance_type") == gcp.instance_type) & (pl.col("region") == "us-central1")
    )
    assert gcp.pricing_used == "commit_1y"
    assert gcp.price_hour == pytest.approx(row["price_hour_commit_1y"][0])
    aws = _one(catalog, s, pricing="commit_1y")
    assert aws.pricing_used == "on_demand"  # no AWS commitment prices in the snapshot
    a = assess([s], [], empty(), catalog, policy(pricing="commit_1y"))
    assert any("no commit_1y prices" in w and "on-demand used" in w for w in a.summary.warnings)


def test_uptime_and_discount(catalog: Catalog) -> None:
    s = server("u", cores=16, memory_gib=64, cpu_util_pct=20, mem_util_pct=20)
    rec = _one(catalog, s, headroom_factor=1.5, uptime_hours_month=200.0, discount_pct=10.0)
    assert rec.compute_month == pytest.approx(0.344 * 200 * 0.9)


def test_no_fitting_instance_is_not_ready_with_reason(catalog: Catalog) -> None:
    rec = _one(
        catalog, server("huge", cores=2000, memory_gib=100_000, cpu_util_pct=90, mem_util_pct=90)
    )
    assert rec.instance_type is None
    assert rec.not_sized_reason.startswith("no fitting instance: needs 2340.0 vCPU")
    assert rec.readiness.status.value == "not_ready"
    assert rec.readiness.rule == "no-fitting-size"


def _disk(iops: float, mbps: float, size: float = 100.0) -> pl.DataFrame:
    return pl.DataFrame({"server_key": ["s"], "size_gib": [size], "iops": [iops], "mbps": [mbps]})


def test_aws_gp3_charges_only_above_the_baseline(catalog: Catalog) -> None:
    base = price_disks(_disk(3000, 125), catalog, "aws", "us-east-1").per_server
    assert base["disk_month"][0] == pytest.approx(100 * 0.08)
    more = price_disks(_disk(6000, 250), catalog, "aws", "us-east-1").per_server
    assert more["disk_month"][0] == pytest.approx(8.0 + 3000 * 0.005 + 125 * 0.04)
    assert more["disk_tiers"][0] == "gp3"


def test_azure_picks_the_cheapest_tier_meeting_size_iops_and_throughput(catalog: Catalog) -> None:
    quiet = price_disks(_disk(100, 10), catalog, "azure", "eastus")
    assert quiet.per_server["disk_tiers"][0] == "E10"  # 128 GiB at the E20 rate
    assert quiet.per_server["disk_month"][0] == pytest.approx(128 * 0.075)
    busy = price_disks(_disk(1000, 50), catalog, "azure", "eastus")
    assert busy.per_server["disk_tiers"][0] == "P15"  # 256 GiB, 1,100 IOPS
    assert any("estimate" in n for n in busy.notes)


def test_gcp_grows_the_disk_until_it_is_fast_enough(catalog: Catalog) -> None:
    d = price_disks(_disk(10_000, 100), catalog, "gcp", "us-central1").per_server
    assert d["disk_tiers"][0] == "pd-ssd"
    assert d["disk_month"][0] == pytest.approx((10_000 - 6000) / 30 * 0.17)


def test_storage_prices_fall_back_to_the_priced_region_with_a_note(catalog: Catalog) -> None:
    d = price_disks(_disk(100, 10), catalog, "azure", "westeurope")
    assert any("no storage prices for westeurope" in n for n in d.notes)


def test_tiered_egress(catalog: Catalog) -> None:
    tiers, note = egress_tiers(catalog, "aws", "us-east-1")
    assert note == ""
    assert tiered_cost(50, tiers) == 0.0
    assert tiered_cost(200, tiers) == pytest.approx(9.0)
    assert tiered_cost(20_000, tiers) == pytest.approx(
        (10240 - 100) * 0.09 + (20_000 - 10240) * 0.085
    )


def test_egress_from_observed_network_out(catalog: Catalog) -> None:
    s = server("n", cores=2, memory_gib=4, cpu_util_pct=50, mem_util_pct=50, net_out_mbps=10.0)
    rec = _one(catalog, s, egress_share_pct=100.0)
    gb = 10.0 / 8 * 3600 * 730 / 1000  # 3,285 GB per month
    assert rec.egress_month == pytest.approx((gb - 100) * 0.09)
    assert np.isclose(rec.total_month, rec.compute_month + rec.disk_month + rec.egress_month)


def test_rows_stay_aligned_with_their_server_at_scale(catalog: Catalog) -> None:
    estate = [
        server(
            f"s{i:05d}",
            cores=2 + i % 3,
            memory_gib=4,
            cpu_util_pct=50,
            mem_util_pct=50,
            net_out_mbps=float(i % 5),
            **({"os_name": "Solaris 10", "os_family": "unix"} if i % 2 else {}),
        )
        for i in range(3000)
    ]
    a = assess(estate, [], empty(), catalog, policy(egress_share_pct=100.0))
    t = a.targets.sort("server_key")
    odd = t["server_key"].str.slice(1).cast(pl.Int64) % 2 == 1
    assert (t.filter(odd)["readiness"] == "not_ready").all()
    assert (t.filter(~odd)["readiness"] == "ready").all()
    quiet = t["server_key"].str.slice(1).cast(pl.Int64) % 5 == 0
    assert (t.filter(quiet)["egress_month"] == 0).all()
    assert (t.filter(~quiet)["egress_month"] > 0).all()

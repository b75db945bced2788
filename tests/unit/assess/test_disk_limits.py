"""Disks beyond one volume's limits are striped (and say so) or make the server not ready."""

from __future__ import annotations

import polars as pl
import pytest

from skylift.assess.disk_limits import LIMITS, MAX_STRIPE
from skylift.assess.disks import price_disks
from skylift.assess.policy import TargetRegion
from skylift.assess.run import assess
from skylift.catalog.loader import Catalog
from skylift.domain.inventory import Disk
from tests.unit.assess.conftest import empty, policy, server

TIB = 1024.0


def _disks(*sizes_tib: float) -> pl.DataFrame:
    n = len(sizes_tib)
    return pl.DataFrame(
        {"server_key": [f"s{i}" for i in range(n)], "size_gib": [t * TIB for t in sizes_tib],
         "iops": [0.0] * n, "mbps": [0.0] * n},
    )  # fmt: skip


def test_20_and_40_tib_disks_are_not_one_gp3_volume(catalog: Catalog) -> None:
    """Issue 14: both were priced as one gp3 volume (limit 16 TiB)."""
    got = price_disks(_disks(10, 20, 40), catalog, "aws", "us-east-1")
    rows = got.per_server.sort("server_key")
    assert rows["disk_tiers"].to_list() == ["gp3", "2×gp3 striped", "3×gp3 striped"]
    assert rows["disk_month"].to_list() == pytest.approx([t * TIB * 0.08 for t in (10, 20, 40)])
    assert rows["disk_blocker"].null_count() == 3
    assert any("2 disk(s)" in n and "striped" in n for n in got.notes)


def test_striping_shares_iops_and_throughput_over_the_volumes(catalog: Catalog) -> None:
    d = pl.DataFrame(
        {"server_key": ["s"], "size_gib": [20 * TIB], "iops": [20_000.0], "mbps": [500.0]}
    )
    row = price_disks(d, catalog, "aws", "us-east-1").per_server.row(0, named=True)
    # 2 volumes of 10 TiB, 10,000 IOPS and 250 MB/s each: 7,000 and 125 over the baseline
    want = 20 * TIB * 0.08 + 2 * (7_000 * 0.005 + 125 * 0.04)
    assert row["disk_tiers"] == "2×gp3 striped"
    assert row["disk_month"] == pytest.approx(want)


@pytest.mark.parametrize(
    ("cloud", "region", "size_tib", "tier"),
    [
        ("azure", "eastus", 40, "2×E80 striped"),
        ("azure", "eastus", 20, "E80"),
        ("gcp", "us-central1", 100, "2×pd-standard striped"),
        ("gcp", "us-central1", 40, "pd-standard"),
    ],
)
def test_azure_and_gcp_volume_limits(
    catalog: Catalog, cloud: str, region: str, size_tib: float, tier: str
) -> None:
    row = price_disks(_disks(size_tib), catalog, cloud, region).per_server.row(0, named=True)
    assert row["disk_tiers"] == tier
    kind = {"azure": "standard-ssd", "gcp": "pd-standard"}[cloud]
    n = int(tier.split("×", maxsplit=1)[0]) if "×" in tier else 1
    assert size_tib * TIB / n <= LIMITS[kind].size_gib


def test_a_disk_beyond_every_stripe_limit_is_not_priced_and_not_ready(catalog: Catalog) -> None:
    huge = 2 * 1024 * TIB  # 2 PiB: 32 io2 volumes of 64 TiB
    assert huge / LIMITS["io2"].size_gib > MAX_STRIPE
    s = server("big", cores=4, memory_gib=16, disks=(Disk(name="d", size_gib=huge),))
    ok = server("ok", cores=4, memory_gib=16, disks=(Disk(name="d", size_gib=40 * TIB),))
    a = assess([s, ok], [], empty(), catalog, policy())
    rows = {r["server_key"]: r for r in a.targets.iter_rows(named=True)}
    assert rows["big"]["readiness"] == "not_ready"
    assert rows["big"]["readiness_rule"] == "disk-over-limit"
    assert "2,048.0 TiB disk" in rows["big"]["readiness_reason"]
    assert rows["big"]["disk_month"] == 0.0 and rows["big"]["disk_tiers"] == "none"
    assert rows["ok"]["disk_tiers"] == "3×gp3 striped"
    # priced as striped volumes: conditionally ready, the reason says why
    assert (rows["ok"]["readiness"], rows["ok"]["readiness_rule"]) == (
        "conditionally_ready",
        "disk-striped",
    )
    assert "40.0 TiB disk" in rows["ok"]["readiness_reason"]
    assert "exceeds one gp3 volume (16 TiB" in rows["ok"]["readiness_reason"]
    assert "file level" in rows["ok"]["remediation"]
    azure = assess([ok], [], empty(), catalog,
                   policy(targets=(TargetRegion(cloud="azure", region="eastus"),)))  # fmt: skip
    assert azure.targets["disk_tiers"][0] == "2×E80 striped"
    assert any("striped" in w for w in azure.summary.warnings)

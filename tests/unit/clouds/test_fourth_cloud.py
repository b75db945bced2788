"""A fourth cloud is a profile plus catalog rows: the engine needs no other change.

The test builds a small cloud (``fakecloud``) with its own family rule,
classes, burstable types, disk model and per-volume limit, services and egress
destination, registers it, writes its catalog CSV beside the shipped ones and
runs the real catalog loader, eligibility, sizing, disk pricing, egress and
strategy code on it. Nothing is patched: :func:`skylift.clouds.register` is the
extension point a plugin would use.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from skylift import clouds
from skylift.assess.disks import price_disks
from skylift.assess.egress import egress_tiers, tiered_cost
from skylift.assess.policy import AssessPolicy, GoalWeights, TargetRegion
from skylift.assess.run import assess
from skylift.assess.strategy import Traits, choose
from skylift.catalog.classes import family_class
from skylift.catalog.families import family_of, is_burstable
from skylift.catalog.loader import BUNDLED_DIR, Catalog, load_catalog
from skylift.catalog.refresh import refresh_catalog
from skylift.clouds.base import (
    CloudProfile,
    DiskQuote,
    FamilyClass,
    Floats,
    ManagedServices,
    TerraformNames,
    VolumeLimit,
    volumes,
)
from skylift.domain.assessment import Strategy
from skylift.domain.inventory import Disk, Server
from skylift.errors import ConfigError
from tests.unit.catalog.test_refresh import offline

NAME, REGION = "fakecloud", "fk-central-1"
BLOCK = VolumeLimit(size_gib=1000, iops=5000, mbps=200)
BLOCK_PRICE = 0.04


def _family(instance_type: str) -> str:
    return instance_type.rsplit(".", 1)[0]  # FK.Std.4 → FK.Std (no separator fast path)


def _class(instance_type: str) -> FamilyClass:
    return "memory" if _family(instance_type) == "FK.Mem" else "general"


def _disks(
    size: Floats, iops: Floats, mbps: Floats, rates: Mapping[str, float], notes: list[str]
) -> DiskQuote:
    n = volumes(BLOCK, size, iops, mbps)
    return size * rates["blk"], ["blk"] * len(size), n


PROFILE = CloudProfile(
    name=NAME,
    title="A fake fourth cloud",
    family=_family,
    family_separator=None,
    family_class=_class,
    accelerator=lambda _t, _g, _v: None,
    burstable_family=None,
    burstable_types=frozenset({"FK.Tiny.1"}),
    services=ManagedServices(
        vms="Fake Compute",
        relocate="Fake VMware",
        saas="Fake Office",
        containers="Fake Kubernetes",
        app_hosting="Fake Apps",
        serverless="Fake Functions",
        databases={"postgresql": "Fake Postgres", "database": "Fake DB"},
    ),
    terraform=TerraformNames(
        templates=NAME,
        default_region=REGION,
        node_size=("FK.Std.4", 4, 16),
        vm_size=lambda n, _heavy: f"FK.Std.{n}",
        db_size=lambda n, _mem: f"FK.DB.{n}",
    ),
    volume_limits={"blk": BLOCK},
    price_disks=_disks,
    egress_destination="net",
)

HEADER = (
    "cloud,instance_type,vcpus,memory_gib,gpus,gpu_model,arch,region,currency,"
    "price_hour_ondemand,price_hour_spot,price_hour_commit_1y,price_hour_commit_3y,"
    "price_month_sud,network_mbps,price_as_of,vcpus_parent"
)
ROWS = [  # type, vCPUs, GiB, $/h
    ("FK.Tiny.1", 1, 1, 0.01),
    ("FK.Std.2", 2, 8, 0.05),
    ("FK.Std.4", 4, 16, 0.10),
    ("FK.Mem.4", 4, 32, 0.12),
]


@pytest.fixture(scope="module")
def registered() -> Iterator[CloudProfile]:
    clouds.register(PROFILE)
    try:
        yield PROFILE
    finally:
        clouds.unregister(NAME)


@pytest.fixture(scope="module")
def catalog(registered: CloudProfile, tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """The shipped snapshot plus the fake cloud's instance, disk and egress rows."""
    folder: Path = tmp_path_factory.mktemp("catalog")
    for cloud in ("aws", "azure", "gcp"):
        (folder / f"{cloud}.csv").symlink_to(BUNDLED_DIR / f"{cloud}.csv")
    lines = [HEADER] + [
        f"{NAME},{t},{v},{m},0,,x86_64,{REGION},USD,{p},,,,,,2026-12-01," for t, v, m, p in ROWS
    ]
    (folder / f"{NAME}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    storage = (BUNDLED_DIR / "storage_prices.csv").read_text(encoding="utf-8")
    (folder / "storage_prices.csv").write_text(
        storage + f"{NAME},{REGION},blk,{BLOCK_PRICE},block storage,test\n", encoding="utf-8"
    )
    egress = (BUNDLED_DIR / "egress_prices.csv").read_text(encoding="utf-8")
    (folder / "egress_prices.csv").write_text(
        egress
        + f"{NAME},{REGION},net,0,100,0.02,,test\n"
        + f"{NAME},{REGION},internet,0,,9.99,not the profile's destination,test\n",
        encoding="utf-8",
    )
    return load_catalog(folder)


def test_the_registry_finds_the_new_cloud_and_forgets_it_again() -> None:
    # A name of its own: the module-scoped ``registered`` fixture holds NAME while
    # other tests of this module run, so in another order (pytest-randomly, a
    # node-id list) NAME may already be registered here.
    name = "othercloud"
    other = dataclasses.replace(PROFILE, name=name)
    before = clouds.names()
    assert name not in before and before[:3] == ("aws", "azure", "gcp")
    clouds.register(other)
    try:
        assert clouds.names() == (*before, name)
        assert clouds.profile(name) is other
    finally:
        clouds.unregister(name)
    assert clouds.names() == before
    with pytest.raises(ConfigError, match="unknown cloud 'othercloud'; skylift knows aws"):
        clouds.profile(name)


def test_catalog_families_classes_and_burstable_use_the_profile(catalog: Catalog) -> None:
    assert NAME in catalog.clouds()
    assert catalog.regions(NAME) == (REGION,)
    assert catalog.families(NAME) == ("FK.Mem", "FK.Std", "FK.Tiny")
    rows = catalog.instances.filter(pl.col("cloud") == NAME).sort("instance_type")
    assert dict(zip(rows["instance_type"], rows["burstable"], strict=True)) == {
        "FK.Mem.4": False,
        "FK.Std.2": False,
        "FK.Std.4": False,
        "FK.Tiny.1": True,
    }
    assert dict(zip(rows["instance_type"], rows["family_class"], strict=True))["FK.Mem.4"] == (
        "memory"
    )
    assert family_of(NAME, "FK.Std.2") == "FK.Std"
    assert is_burstable(NAME, "FK.Tiny.1")
    assert family_class(NAME, "FK.Mem.4") == "memory"
    # the shipped clouds keep their own rules beside the newcomer
    assert {"m5", "t3"} <= set(catalog.families("aws"))


def _server(key: str, disk_gib: float, **kw: object) -> Server:
    return Server.model_validate(
        {
            "key": key,
            "name": key,
            "source": "test",
            "cores": 2,
            "memory_mib": 4 * 1024,
            "os_family": "linux",
            "os_name": "Ubuntu Linux (64-bit)",
            "power_state": "on",
            "disks": [Disk(name="d0", size_gib=disk_gib)],
            **kw,
        }
    )


def test_sizing_and_disk_pricing_of_the_new_cloud(catalog: Catalog) -> None:
    small, big = _server("app01", 100), _server("files01", 1500)
    policy = AssessPolicy.model_validate(
        {"targets": (TargetRegion(cloud=NAME, region=REGION),), "headroom_factor": 1.0}
    )
    result = assess([small, big], [], pl.LazyFrame(schema=_SAMPLES), catalog, policy)
    rec = result.recommendations("app01")[0]
    # 2 vCPUs / 4 GiB with no utilisation data: the cheapest non-burstable fit
    assert (rec.cloud, rec.region, rec.instance_type) == (NAME, REGION, "FK.Std.2")
    assert rec.disk_tiers == "blk"
    assert rec.disk_month == pytest.approx(100 * BLOCK_PRICE)
    striped = result.recommendations("files01")[0]
    # 1,500 GiB is over one 1,000 GiB volume of the profile: two striped volumes
    assert striped.disk_tiers == "2×blk striped"
    disks = pl.DataFrame({"server_key": ["files01"], "size_gib": [1500.0], "iops": [0.0],
                          "mbps": [0.0]})  # fmt: skip
    prices = price_disks(disks, catalog, NAME, REGION)
    reason = prices.per_server["disk_striped"][0]
    assert "exceeds one blk volume (0.976562 TiB, 5,000 IOPS, 200 MB/s)" in reason


def test_egress_uses_the_profiles_destination(catalog: Catalog) -> None:
    tiers, note = egress_tiers(catalog, NAME, REGION)
    assert note == ""
    assert tiers["destination"].to_list() == ["net"]
    assert tiered_cost(50, tiers) == pytest.approx(1.0)


def test_strategy_names_the_new_clouds_services(registered: CloudProfile) -> None:
    goals = GoalWeights()
    db = choose(Traits(name="db01", db_engine="postgresql"), goals)
    assert db.preferred.strategy is Strategy.REPLATFORM
    assert db.preferred.targets[NAME] == "Fake Postgres"
    assert db.preferred.targets["aws"] == "Amazon RDS for PostgreSQL / Aurora PostgreSQL"
    other = choose(Traits(name="db02", db_engine="cassandra"), goals)
    assert other.preferred.targets[NAME] == "Fake DB"  # no own service: the generic one
    rehost = [o for o in db.alternatives if o.strategy is Strategy.REHOST]
    assert rehost and rehost[0].targets[NAME] == "Fake Compute"


_SAMPLES = {
    "server_key": pl.String,
    "ts": pl.Datetime("us", "UTC"),
    "metric": pl.String,
    "value": pl.Float64,
}


def test_disk_quote_shape_is_what_the_engine_reads() -> None:
    cost, tiers, n = _disks(
        np.array([10.0]), np.array([0.0]), np.array([0.0]), {"blk": BLOCK_PRICE}, []
    )
    assert cost.tolist() == [pytest.approx(0.4)] and tiers == ["blk"] and n.tolist() == [1]


def test_catalog_refresh_keeps_the_snapshot_of_a_cloud_it_cannot_fetch(
    catalog: Catalog, tmp_path: Path
) -> None:
    out = tmp_path / "refreshed"
    refresh_catalog(out, fetch=offline, base_dir=Path(catalog.source))
    again = load_catalog(out)
    assert again.families(NAME) == ("FK.Mem", "FK.Std", "FK.Tiny")
    assert (out / f"{NAME}.csv").read_text(encoding="utf-8") == (
        Path(catalog.source) / f"{NAME}.csv"
    ).read_text(encoding="utf-8")

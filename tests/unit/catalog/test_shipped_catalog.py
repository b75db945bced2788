"""The shipped catalog passes the shared catalog's invariant checks; constrained sizes,
partly covered regions and old snapshots load as documented."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path
from types import ModuleType

import polars as pl
import pytest

from skylift.catalog.constrained import active_vcpus
from skylift.catalog.loader import BUNDLED_DIR, Catalog, load_catalog


def _checker() -> ModuleType:
    path = Path(__file__).with_name("check_catalog.py")
    spec = importlib.util.spec_from_file_location("check_catalog", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


# the vendored checker reads README.md without closing it (a ResourceWarning at collection)
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_the_shipped_copy_passes_every_invariant_check() -> None:
    c = _checker().Checker(str(BUNDLED_DIR))
    c.load()
    c.check_header()
    c.check_rows()
    c.check_readme()
    c.check_constrained()
    c.check_windows()
    c.check_doubling()
    rc = c.summary()
    failures = {k: v[:3] for k, v in c.failures.items()}
    assert rc == 0, failures
    assert c.passed["constrained"] == 2336  # every constrained row was checked


def test_the_checker_catches_a_constrained_row_with_the_parents_vcpus(tmp_path: Path) -> None:
    d = tmp_path / "cat"
    shutil.copytree(BUNDLED_DIR, d)
    text = (d / "azure.csv").read_text()
    row = "azure,Standard_E8-4as_v5,4,64,0,,x86_64,eastus,USD,0.452,,,,,,2026-06-18,8"
    assert row in text
    (d / "azure.csv").write_text(text.replace(row, row.replace(",4,64,", ",8,64,", 1)))
    c = _checker().Checker(str(d))
    c.load()
    c.check_constrained()
    assert any("E8-4as_v5" in m for m in c.failures["constrained"])


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def test_constrained_sizes_offer_their_active_vcpus(catalog: Catalog) -> None:
    az = catalog.instances.filter(pl.col("cloud") == "azure")
    e84 = az.filter(pl.col("instance_type") == "Standard_E8-4as_v5").row(0, named=True)
    assert (e84["vcpus"], e84["vcpus_parent"], e84["memory_gib"]) == (4, 8, 64)
    constrained = az.filter(pl.col("vcpus_parent").is_not_null())
    assert constrained.height == 2336
    for name, vcpus in constrained.select("instance_type", "vcpus").unique().iter_rows():
        assert vcpus == active_vcpus(name), name
    assert catalog.instances.filter(pl.col("cloud") != "azure")["vcpus_parent"].null_count() == (
        catalog.instances.filter(pl.col("cloud") != "azure").height
    )


def test_a_snapshot_listing_the_parents_vcpus_is_read_with_active_vcpus(tmp_path: Path) -> None:
    """A catalog refreshed before 2026-12-06 (no vcpus_parent column, parent's count)."""
    d = tmp_path / "old"
    shutil.copytree(BUNDLED_DIR, d)
    src = pl.read_csv(d / "azure.csv", infer_schema=False)
    old = src.with_columns(
        pl.coalesce(pl.col("vcpus_parent"), pl.col("vcpus")).alias("vcpus")
    ).drop("vcpus_parent")
    old.write_csv(d / "azure.csv")
    cat = load_catalog(d)
    row = cat.instances.filter(
        (pl.col("instance_type") == "Standard_E8-4as_v5") & (pl.col("region") == "eastus")
    ).row(0, named=True)
    assert (row["vcpus"], row["vcpus_parent"]) == (4, 8)
    assert any("constrained-vCPU" in w and "active vCPUs" in w for w in cat.warnings)


def test_new_aws_regions_are_usd_and_marked_partly_covered(catalog: Catalog) -> None:
    regions = catalog.regions("aws")
    assert len(regions) == 12
    for r in ("eu-west-1", "ap-south-1", "ca-central-1"):
        rows = catalog.instances.filter((pl.col("cloud") == "aws") & (pl.col("region") == r))
        assert rows["currency"].unique().to_list() == ["USD"]
        assert catalog.partial("aws", r)
        assert "no price in the catalog" in catalog.missing_note("aws", r)
    assert not catalog.partial("aws", "us-east-1")
    assert not catalog.partial("aws", "cn-north-1")
    assert catalog.missing_note("gcp", "us-central1") == ""


def test_azure_linux_prices_restored(catalog: Catalog) -> None:
    """Windows prices (0.178 for D2as_v5) were in the Azure Linux catalog before."""
    az = catalog.instances.filter((pl.col("cloud") == "azure") & (pl.col("region") == "eastus"))
    price = dict(zip(az["instance_type"], az["price_hour_ondemand"], strict=True))
    assert price["Standard_D2as_v5"] == pytest.approx(0.086)
    assert price["Standard_E8as_v5"] == pytest.approx(0.452)


def test_catalog_show_marks_partial_regions_pricing_options_and_fallbacks() -> None:
    import json

    from tests.helpers import run_cli

    r = run_cli("catalog", "show", "--json")
    assert r.code == 0, r.stderr
    clouds = {c["cloud"]: c for c in json.loads(r.stdout)["clouds"]}
    assert clouds["gcp"]["pricing_options"] == ["on_demand", "spot", "commit_1y", "commit_3y"]
    assert clouds["aws"]["pricing_options"] == ["on_demand"]
    assert "eu-west-1" in clouds["aws"]["partial_regions"]
    assert "us-east-1" not in clouds["aws"]["partial_regions"]
    spot = run_cli("catalog", "show", "--cloud", "aws", "--region", "eu-west-1", "--pricing",
                   "spot", "--json")  # fmt: skip
    data = json.loads(spot.stdout)
    assert {row["pricing_used"] for row in data["rows"]} == {"on_demand"}
    assert any("no price in the catalog" in n for n in data["notes"])
    assert any("no spot price" in n for n in data["notes"])
    gcp = json.loads(
        run_cli(
            "catalog",
            "show",
            "--cloud",
            "gcp",
            "--region",
            "us-central1",
            "--pricing",
            "spot",
            "--json",
        ).stdout
    )
    assert {row["pricing_used"] for row in gcp["rows"]} == {"spot"}
    az = json.loads(
        run_cli(
            "catalog",
            "show",
            "--cloud",
            "azure",
            "--region",
            "eastus",
            "--family",
            "Easv5",
            "--limit",
            "0",
            "--json",
        ).stdout
    )
    e84 = next(row for row in az["rows"] if row["instance_type"] == "Standard_E8-4as_v5")
    assert (e84["vcpus"], e84["vcpus_parent"], e84["family_class"]) == (4, 8, "memory")

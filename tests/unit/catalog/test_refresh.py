"""`catalog refresh` offline: the network is replaced by saved samples of each upstream format.

The fetch function is a test double for the network only; parsing, joining,
validation and the atomic write are the real code.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from skylift.catalog.loader import load_catalog
from skylift.catalog.refresh import SOURCES, parse_prices, parse_specs, refresh_catalog
from skylift.catalog.refresh_gcp import parse_gcp_pricing
from skylift.errors import ProviderError

FIXTURES = Path(__file__).parent / "fixtures"
FILES = {
    SOURCES["aws_specs"]: "ec2_instance_types.go",
    SOURCES["aws_prices"]: "zz_generated.pricing_aws.go",
    SOURCES["azure_specs"]: "azure_instance_types.go",
    SOURCES["azure_prices"]: "zz_generated.pricing.go",
    SOURCES["gcp_prices"]: "pricing.yml",
}


def offline(url: str) -> bytes:
    """Serve the saved sample for ``url`` (network test double)."""
    return (FIXTURES / FILES[url]).read_bytes()


def test_parsers_read_the_upstream_formats() -> None:
    specs = parse_specs((FIXTURES / "ec2_instance_types.go").read_text())
    assert specs["instance_type"].to_list() == ["m5.large", "m5.xlarge", "m6g.large", "g4dn.xlarge"]
    assert specs.filter(pl.col("instance_type") == "m6g.large")["arch"][0] == "arm64"
    assert specs.filter(pl.col("instance_type") == "g4dn.xlarge")["gpus"][0] == 1
    prices, date = parse_prices((FIXTURES / "zz_generated.pricing.go").read_text())
    assert date == "2026-11-18"
    assert set(prices["region"]) == {"australiacentral", "eastus", "westeurope"}


def test_refresh_writes_a_loadable_snapshot(tmp_path: Path) -> None:
    out = tmp_path / "catalog"
    result = refresh_catalog(out, fetch=offline)
    cat = load_catalog(out)
    aws = cat.instances.filter((pl.col("cloud") == "aws") & (pl.col("region") == "us-east-1"))
    assert sorted(aws["instance_type"]) == ["g4dn.xlarge", "m5.large", "m5.xlarge", "m6g.large"]
    assert aws.filter(pl.col("instance_type") == "m5.large")["price_hour_ondemand"][0] == 0.095
    assert set(aws["price_as_of"]) == {"2026-11-20"}
    # regions the sources did not cover keep their snapshot rows (AWS cn-north-1 in CNY)
    assert cat.instances.filter(pl.col("region") == "cn-north-1").height > 0
    azure = cat.instances.filter(pl.col("cloud") == "azure")
    eastus = azure.filter(pl.col("region") == "eastus")
    assert sorted(eastus["instance_type"]) == ["Standard_B2s", "Standard_D2s_v5", "Standard_D4s_v5"]
    assert "australiacentral" not in set(azure["region"])  # only regions already in the snapshot
    assert result.rows["aws"] == cat.instances.filter(pl.col("cloud") == "aws").height
    assert result.kept == ("storage", "egress")
    assert (out / "README.md").is_file() and (out / "NOTICE").is_file()


def test_failed_fetch_leaves_the_existing_snapshot_untouched(tmp_path: Path) -> None:
    out = tmp_path / "catalog"
    refresh_catalog(out, fetch=offline)
    before = (out / "aws.csv").read_bytes()

    def down(url: str) -> bytes:
        raise OSError("network unreachable")

    with pytest.raises(ProviderError, match="cannot fetch the aws catalog sources"):
        refresh_catalog(out, fetch=down)
    assert (out / "aws.csv").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["catalog"]


def test_a_changed_upstream_format_is_reported(tmp_path: Path) -> None:
    def garbled(url: str) -> bytes:
        return b"package aws\n// nothing we recognise\n"

    with pytest.raises(ProviderError, match="no rows parsed"):
        refresh_catalog(tmp_path / "c", fetch=garbled)
    assert not (tmp_path / "c").exists()


def test_gcp_pricing_yml_is_parsed_and_refreshed(tmp_path: Path) -> None:
    parsed, date = parse_gcp_pricing((FIXTURES / "pricing.yml").read_text())
    assert date == "2025-03-06"
    assert parsed.height == 7  # (type, region) pairs with an hourly price
    a2 = parsed.filter(pl.col("instance_type") == "a2-ultragpu-2g")
    assert (a2["gpus"][0], a2["accelerator"][0]) == (2, "a100-80gb")  # local-ssd is not a GPU
    refresh_catalog(tmp_path / "catalog", fetch=offline)
    gcp = load_catalog(tmp_path / "catalog").instances.filter(pl.col("cloud") == "gcp")
    central = gcp.filter(pl.col("region") == "us-central1")
    assert sorted(central["instance_type"]) == [
        "a2-highgpu-1g", "a2-ultragpu-2g", "c4a-standard-4", "n2-standard-4", "z9-future-8",
    ]  # fmt: skip
    n2 = central.filter(pl.col("instance_type") == "n2-standard-4").row(0, named=True)
    assert n2["price_hour_ondemand"] == 0.194236
    assert n2["price_hour_commit_1y"] == pytest.approx(89.33 / 730)
    assert n2["price_month_sud"] == 141.79228 and n2["price_as_of"] == "2025-03-06"
    by_type = {r["instance_type"]: r for r in central.iter_rows(named=True)}
    assert by_type["a2-ultragpu-2g"]["gpu_model"] == "A100-80GB"  # kept from the snapshot
    assert by_type["c4a-standard-4"]["arch"] == "arm64"
    assert (by_type["z9-future-8"]["gpus"], by_type["z9-future-8"]["gpu_model"]) == (2, "X9000")
    assert by_type["z9-future-8"]["price_hour_spot"] is None
    assert "africa-south1" not in set(gcp["region"])  # only the snapshot's regions
    assert gcp.filter(pl.col("region") == "asia-northeast1").height > 0  # not covered: kept


def test_a_changed_gcp_format_is_reported(tmp_path: Path) -> None:
    def gcp_garbled(url: str) -> bytes:
        return b"compute: [1, 2]\n" if url == SOURCES["gcp_prices"] else offline(url)

    with pytest.raises(ProviderError, match="gcp: no rows parsed"):
        refresh_catalog(tmp_path / "c", fetch=gcp_garbled)
    assert not (tmp_path / "c").exists()

"""The catalog loader: families, burstable flags, filters, bad rows and bad names."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest

from skylift.catalog.families import family_of, is_burstable
from skylift.catalog.loader import BUNDLED_DIR, Catalog, load_catalog
from skylift.errors import ConfigError


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


@pytest.mark.parametrize(
    ("cloud", "name", "family", "burstable"),
    [
        ("aws", "m5.large", "m5", False),
        ("aws", "m6gd.xlarge", "m6gd", False),
        ("aws", "t3a.nano", "t3a", True),
        ("aws", "t4g.micro", "t4g", True),
        ("azure", "Standard_D2s_v5", "Dsv5", False),
        ("azure", "Standard_A1_v2", "Av2", False),
        ("azure", "Standard_M8-2ms", "Mms", False),
        ("azure", "Standard_NC24ads_A100_v4", "NCadsv4", False),
        ("azure", "Standard_B2ms", "Bms", True),
        ("azure", "Standard_B2pls_v2", "Bplsv2", True),
        ("gcp", "n2-standard-4", "n2", False),
        ("gcp", "e2-standard-2", "e2", False),
        ("gcp", "e2-micro", "e2", True),
        ("gcp", "f1-micro", "f1", True),
        ("gcp", "g1-small", "g1", True),
    ],
)
def test_family_and_burstable(cloud: str, name: str, family: str, burstable: bool) -> None:
    assert family_of(cloud, name) == family
    assert is_burstable(cloud, name) is burstable


def test_vectorised_columns_agree_with_the_scalar_rules(catalog: Catalog) -> None:
    sample = catalog.instances.sample(300, seed=1)
    for cloud, name, fam, burst in sample.select(
        "cloud", "instance_type", "family", "burstable"
    ).iter_rows():
        assert family_of(cloud, name) == fam
        assert is_burstable(cloud, name) == burst


def test_bundled_snapshot_ships_with_readme_licence_and_dates(catalog: Catalog) -> None:
    for name in ("README.md", "NOTICE", "aws.csv", "azure.csv", "gcp.csv", "storage_prices.csv",
                 "egress_prices.csv"):  # fmt: skip
        assert (BUNDLED_DIR / name).is_file(), name
    assert "Apache" in (BUNDLED_DIR / "NOTICE").read_text()
    assert catalog.instances["price_as_of"].null_count() == 0
    assert catalog.warnings == ()
    assert catalog.instances.filter(pl.col("cloud") == "azure")["region"].n_unique() == 9


def test_offers_filter_and_sort(catalog: Catalog) -> None:
    rows = catalog.offers("aws", "us-east-1", min_vcpus=4, max_price=0.5, family="m5")
    assert rows["instance_type"].to_list() == ["m5.xlarge", "m5.2xlarge"]
    assert rows["price_hour"].to_list() == [0.192, 0.384]
    gcp = catalog.offers("gcp", "us-central1", min_memory_gib=64, pricing="commit_3y")
    assert gcp["price_hour"].is_sorted()
    assert (gcp["memory_gib"] >= 64).all()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"cloud": "oracle"}, "unknown cloud 'oracle'; the catalog has aws, azure, gcp"),
        ({"cloud": "aws", "region": "mars-east-1"}, "valid: ap-northeast-1, ap-south-1"),
        ({"cloud": "azure", "family": "Zsv9"}, "unknown azure instance family 'Zsv9'"),
        ({"cloud": "gcp", "pricing": "reserved"}, "unknown pricing option 'reserved'"),
    ],
)
def test_unknown_names_are_config_errors_listing_valid_ones(
    catalog: Catalog, kwargs: dict[str, str], message: str
) -> None:
    cloud = kwargs.pop("cloud")
    with pytest.raises(ConfigError) as exc:
        catalog.offers(cloud, **kwargs)  # type: ignore[arg-type]
    assert message in exc.value.message
    assert exc.value.hint


def _copy(tmp: Path) -> Path:
    d = tmp / "cat"
    shutil.copytree(BUNDLED_DIR, d)
    return d


def test_rows_with_a_missing_price_are_excluded_with_a_warning(tmp_path: Path) -> None:
    d = _copy(tmp_path)
    lines = (d / "aws.csv").read_text().splitlines()
    header = lines[0].split(",")
    price = header.index("price_hour_ondemand")
    broken = lines[1].split(",")
    broken[price] = ""
    lines[1] = ",".join(broken)
    bad = lines[2].split(",")
    bad[price] = "n/a"
    lines[2] = ",".join(bad)
    (d / "aws.csv").write_text("\n".join(lines) + "\n")
    cat = load_catalog(d)
    assert cat.instances.filter(pl.col("cloud") == "aws").height == 5717 - 2
    assert any(w.startswith("aws.csv: 2 row(s)") for w in cat.warnings)


def test_missing_file_or_column_is_a_config_error(tmp_path: Path) -> None:
    d = _copy(tmp_path)
    (d / "gcp.csv").unlink()
    with pytest.raises(ConfigError, match=r"gcp\.csv is missing"):
        load_catalog(d)
    d2 = _copy(tmp_path / "b")
    frame = pl.read_csv(d2 / "azure.csv", infer_schema=False).drop("vcpus")
    frame.write_csv(d2 / "azure.csv")
    with pytest.raises(ConfigError, match="missing column"):
        load_catalog(d2)

"""The columns of an instance choice besides the type: prices, month cost, currency, reasons.

Pinned against what the CSV row says (read with the csv module) and the
documented formula: compute_month = price × uptime_hours_month × (1 − discount).
"""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl
import pytest

import skylift.catalog
from skylift.assess.policy import AssessPolicy, TargetRegion
from skylift.assess.pricing import choose_instances
from skylift.catalog.loader import load_catalog

DATA = Path(skylift.catalog.__file__).parent / "data"


def _row(cloud: str, region: str, instance_type: str) -> dict[str, str]:
    with (DATA / f"{cloud}.csv").open(newline="", encoding="utf-8") as fh:
        return next(
            r for r in csv.DictReader(fh)
            if r["region"] == region and r["instance_type"] == instance_type
        )  # fmt: skip


def _choose(cloud: str, region: str, rows: list[dict[str, object]], **kw: object) -> pl.DataFrame:
    sized = pl.DataFrame(
        {
            "server_key": [f"s{i}" for i in range(len(rows))],
            "cpu_demand": [r.get("cpu") for r in rows],
            "memory_demand_gib": [r.get("mem") for r in rows],
            "arch": [r.get("arch", "x86_64") for r in rows],
            "gpus": [r.get("gpus", 0) for r in rows],
            "sizing_note": [r.get("note", "") for r in rows],
        },
        schema_overrides={"cpu_demand": pl.Float64, "memory_demand_gib": pl.Float64},
    )
    policy = AssessPolicy(targets=(TargetRegion(cloud=cloud, region=region),), **kw)  # type: ignore[arg-type]
    return choose_instances(sized, load_catalog(), cloud, region, policy)


@pytest.mark.parametrize("pricing", ["on_demand", "spot", "commit_1y", "commit_3y"])
def test_prices_month_cost_and_currency_come_from_the_row(pricing: str) -> None:
    got = _choose("aws", "us-east-1", [{"cpu": 2.0, "mem": 8.0}], pricing=pricing,
                  uptime_hours_month=500.0, discount_pct=20.0).row(0, named=True)  # fmt: skip
    row = _row("aws", "us-east-1", got["instance_type"])

    def price(col: str) -> float:
        return float(row[col] or row["price_hour_ondemand"])

    column = {"on_demand": "price_hour_ondemand", "spot": "price_hour_spot",
              "commit_1y": "price_hour_commit_1y", "commit_3y": "price_hour_commit_3y"}  # fmt: skip
    assert got["price_hour"] == pytest.approx(price(column[pricing]))
    assert got["pricing_used"] == (pricing if row[column[pricing]] else "on_demand")
    assert got["hour_on_demand"] == pytest.approx(float(row["price_hour_ondemand"]))
    assert got["hour_spot"] == pytest.approx(price("price_hour_spot"))
    assert got["hour_commit_1y"] == pytest.approx(price("price_hour_commit_1y"))
    assert got["hour_commit_3y"] == pytest.approx(price("price_hour_commit_3y"))
    assert got["compute_month"] == pytest.approx(got["price_hour"] * 500.0 * 0.8)
    assert got["currency"] == row["currency"] == "USD"
    assert got["vcpus"] == float(row["vcpus"])
    assert got["instance_memory_gib"] == float(row["memory_gib"])
    assert got["family"] == got["instance_type"].split(".")[0]
    assert got["not_sized_reason"] is None


def test_a_region_priced_in_another_currency_says_so() -> None:
    got = _choose("aws", "cn-north-1", [{"cpu": 2.0, "mem": 4.0}]).row(0, named=True)
    assert got["currency"] == _row("aws", "cn-north-1", got["instance_type"])["currency"] == "CNY"


def test_reasons_for_servers_that_get_no_type() -> None:
    got = _choose(
        "aws",
        "us-east-1",
        [
            {"cpu": None, "mem": 4.0, "note": "no cores recorded"},
            {"cpu": None, "mem": None},
            {"cpu": 10_000.0, "mem": 4.0},
            {"cpu": 2.0, "mem": 4.0, "gpus": 64},
        ],
    )
    reasons = got["not_sized_reason"].to_list()
    assert reasons[0] == "no cores recorded"
    assert reasons[1] == "no demand computed"
    assert reasons[2].startswith(
        "no fitting instance: needs 10000.0 vCPU / 4.0 GiB; largest allowed in aws/us-east-1: "
    )
    assert reasons[3].startswith("no allowed x86_64 instances with ≥ 64 whole nvidia GPU(s) in ")
    assert got["instance_type"].to_list() == [None] * 4
    assert got["compute_month"].to_list() == [0.0] * 4


def test_no_allowed_class_names_the_classes() -> None:
    got = _choose("gcp", "us-central1", [{"cpu": 2.0, "mem": 4.0, "arch": "arm64"}],
                  family_classes=("hpc",))  # fmt: skip
    assert got["not_sized_reason"][0] == (
        "no allowed arm64 instances of the classes hpc in gcp/us-central1"
    )


def test_an_excluded_family_no_target_has_is_a_config_error_with_examples() -> None:
    from skylift.assess.pricing import check_exclusions
    from skylift.errors import ConfigError

    catalog = load_catalog()
    targets = (TargetRegion(cloud="aws", region="us-east-1"),
               TargetRegion(cloud="gcp", region="us-central1"))  # fmt: skip
    check_exclusions(catalog, AssessPolicy(targets=targets, exclude_families=("M5", "n2-")))
    with pytest.raises(ConfigError) as err:
        check_exclusions(catalog, AssessPolicy(targets=targets, exclude_families=("m5", "zz9")))
    assert str(err.value) == (
        "sizing.exclude_families: no aws / gcp instance family or type starts with 'zz9'"
    )
    aws, gcp = (", ".join(catalog.families(c)[:4]) for c in ("aws", "gcp"))
    assert err.value.hint == (
        f"families look like aws: {aws}, gcp: {gcp} …; list them with "
        "'skylift catalog show --cloud CLOUD --json'"
    )

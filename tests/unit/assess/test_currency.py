"""Amounts in different currencies are never added: convert at a stated rate, or refuse."""

from __future__ import annotations

import polars as pl
import pytest

from skylift.assess.policy import TargetRegion
from skylift.assess.run import assess
from skylift.catalog.loader import Catalog
from skylift.domain.inventory import Disk
from skylift.errors import ConfigError
from tests.unit.assess.conftest import empty, policy, server

CN = (TargetRegion(cloud="aws", region="cn-north-1"),)
US = (TargetRegion(cloud="aws", region="us-east-1"),)


def _srv() -> object:
    return server(
        "c", cores=4, memory_gib=16, cpu_util_pct=50.0, mem_util_pct=50.0,
        disks=(Disk(name="d0", size_gib=100.0),),
    )  # fmt: skip


def test_a_cny_region_without_a_rate_is_refused_naming_both_currencies_and_the_setting(
    catalog: Catalog,
) -> None:
    with pytest.raises(ConfigError) as exc:
        assess([_srv()], [], empty(), catalog, policy(targets=CN))  # type: ignore[list-item]
    text = f"{exc.value} {exc.value.hint}"
    assert "aws/cn-north-1" in text and "CNY" in text and "USD" in text
    assert "assess.currency_rates" in text and "--rate CNY=" in text


def test_cny_prices_are_converted_at_the_stated_rate_and_disks_stay_usd(
    catalog: Catalog,
) -> None:
    s = _srv()
    cn = assess([s], [], empty(), catalog, policy(targets=CN, currency_rates={"CNY": 0.14}))  # type: ignore[list-item]
    us = assess([s], [], empty(), catalog, policy(targets=US))  # type: ignore[list-item]
    row = cn.targets.row(0, named=True)
    cny = catalog.instances.filter(
        (pl.col("instance_type") == row["instance_type"]) & (pl.col("region") == "cn-north-1")
    )["price_hour_ondemand"][0]
    assert row["currency"] == "USD"
    assert row["price_hour"] == pytest.approx(cny * 0.14)
    assert row["compute_month"] == pytest.approx(cny * 0.14 * 730)
    # disks: the catalog's USD gp3 price (cn-north-1 falls back to us-east-1), not relabelled
    assert row["disk_month"] == pytest.approx(us.targets["disk_month"][0])
    assert cn.summary.totals[0].currency == "USD"
    assert any("from CNY to USD at 0.14" in w for w in cn.summary.warnings)
    tco = next(t for t in cn.summary.tco if t.pricing == "on_demand")
    tco_us = next(t for t in us.summary.tco if t.pricing == "on_demand")
    assert tco.currency == "USD"
    assert tco.on_prem_annual == pytest.approx(tco_us.on_prem_annual)
    # same order of magnitude as us-east-1: no -2005 % from CNY relabelled USD
    assert 0.5 < tco.cloud_annual / tco_us.cloud_annual < 2.0


def test_reporting_in_cny_converts_the_usd_disk_prices(catalog: Catalog) -> None:
    s = _srv()
    with pytest.raises(ConfigError, match="USD"):
        assess([s], [], empty(), catalog, policy(targets=CN, currency="CNY"))  # type: ignore[list-item]
    cn = assess(
        [s], [], empty(), catalog,  # type: ignore[list-item]
        policy(targets=CN, currency="CNY", currency_rates={"USD": 7.1}),
    )  # fmt: skip
    us = assess([s], [], empty(), catalog, policy(targets=US))  # type: ignore[list-item]
    row = cn.targets.row(0, named=True)
    assert row["currency"] == "CNY"
    assert row["disk_month"] == pytest.approx(us.targets["disk_month"][0] * 7.1)
    native = catalog.instances.filter(
        (pl.col("instance_type") == row["instance_type"]) & (pl.col("region") == "cn-north-1")
    )["price_hour_ondemand"][0]
    assert row["price_hour"] == pytest.approx(native)  # CNY prices untouched

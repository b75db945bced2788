"""Egress cost from observed network-out, with the catalog's tiered prices.

Tiers apply to the estate's monthly total per cloud region (as providers bill
per account); each server carries its share at the blended price. Destination:
the internet (the cloud profile's ``egress_destination``; GCP: worldwide
except China and Australia).
"""

from __future__ import annotations

import polars as pl

from skylift.catalog.loader import Catalog
from skylift.clouds import profile


def tiered_cost(total_gb: float, tiers: pl.DataFrame) -> float:
    """Cost of ``total_gb`` in one month over ``tiers`` (tier_from_gb, tier_to_gb, price_gb)."""
    cost = 0.0
    for lo, hi, price in (
        tiers.sort("tier_from_gb").select("tier_from_gb", "tier_to_gb", "price_gb").iter_rows()
    ):
        if total_gb <= lo:
            break
        top = total_gb if hi is None else min(total_gb, hi)
        cost += (top - lo) * price
    return cost


def egress_tiers(catalog: Catalog, cloud: str, region: str) -> tuple[pl.DataFrame, str]:
    """Internet egress tiers for the region (or the cloud's priced region, with a note)."""
    e = catalog.egress.filter(
        (pl.col("cloud") == cloud) & (pl.col("destination") == profile(cloud).egress_destination)
    )
    here = e.filter(pl.col("region") == region)
    if here.height or e.height == 0:
        return here, "" if here.height else f"{cloud}: no egress prices in the catalog"
    fallback = e["region"][0]
    return e.filter(
        pl.col("region") == fallback
    ), f"{cloud}: no egress prices for {region}; used {fallback}"


def egress_per_server(
    gb_month: pl.Series, catalog: Catalog, cloud: str, region: str
) -> tuple[pl.Series, str]:
    """Monthly egress cost per server (blended over the estate's tiers) and a note."""
    tiers, note = egress_tiers(catalog, cloud, region)
    total = float(gb_month.sum() or 0.0)
    if total <= 0 or tiers.height == 0:
        return pl.Series("egress_month", [0.0] * len(gb_month)), note
    blended = tiered_cost(total, tiers) / total
    return (gb_month * blended).alias("egress_month"), note

"""Disks: the cheapest tier per disk that meets size, IOPS and MB/s, per cloud.

Per disk, demand = (read + write) IOPS and MB/s × headroom; where only the
server has figures (series), they are shared out by disk size. Each cloud's
disk types, tiers and performance model are its profile's ``price_disks``
(:mod:`skylift.clouds`):

- AWS: gp3 (3,000 IOPS and 125 MB/s included; extra IOPS and MB/s priced as
  in the catalog notes: $0.005/IOPS-month, $0.04/MB/s-month; up to 16 TiB,
  16,000 IOPS and 1,000 MB/s per volume, striped beyond). Where gp3 would
  need more than 16 volumes, io2, capacity price only (its IOPS price is not
  in the catalog; the note says so).
- Azure: Premium SSD (P) and Standard SSD (E) tiers from sizing.md; the
  smallest tier of each kind meeting all three, the cheaper kind wins. Only
  P10/P20/P30 and E20/E30 have catalog prices; other tiers are priced at the
  per-GiB rate of the nearest priced tier (an estimate, flagged).
- GCP: pd-standard, pd-balanced, pd-ssd; performance grows with size, so the
  disk is sized up until it meets IOPS and MB/s (model values below), and the
  cheapest of the three wins.

Every type has per-volume limits (the profile's ``volume_limits``,
tabulated in :mod:`skylift.assess.disk_limits`): a disk
beyond them is priced as equal striped volumes (tier ``3×gp3``, with a note),
and its server is conditionally ready (``disk_striped``: block replication
moves a disk to one volume, so the data must be copied at file level); a disk
that would need more than 16 volumes is not priced and makes its server not
ready (``disk_blocker``).

Regions without storage prices use the cloud's priced region, with a note.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from skylift.catalog.loader import Catalog
from skylift.clouds import profile
from skylift.clouds.base import MAX_STRIPE
from skylift.domain.inventory import Server

DISK_SCHEMA: dict[str, pl.DataType] = {
    "server_key": pl.String(),
    "size_gib": pl.Float64(),
    "iops": pl.Float64(),
    "mbps": pl.Float64(),
}


def disks_frame(servers: Sequence[Server], sized: pl.DataFrame, factor: float) -> pl.DataFrame:
    """One row per disk with its IOPS and MB/s demand (× ``factor`` headroom).

    Disks grow by the server's ``disk_growth`` (storage forecast above the
    provisioned size), in proportion to their size.
    """
    keys: list[str] = []
    size: list[float] = []
    own_iops: list[float | None] = []
    own_mbps: list[float | None] = []
    for s in servers:
        for d in s.disks:
            keys.append(s.key)
            size.append(d.size_gib)
            i = (
                None
                if d.read_iops is None and d.write_iops is None
                else (d.read_iops or 0) + (d.write_iops or 0)
            )
            m = (
                None
                if d.read_mbps is None and d.write_mbps is None
                else (d.read_mbps or 0) + (d.write_mbps or 0)
            )
            own_iops.append(i)
            own_mbps.append(m)
    disks = pl.DataFrame(
        {"server_key": keys, "size_gib": size, "own_iops": own_iops, "own_mbps": own_mbps},
        schema={
            "server_key": pl.String,
            "size_gib": pl.Float64,
            "own_iops": pl.Float64,
            "own_mbps": pl.Float64,
        },
    )
    share = pl.col("size_gib") / pl.col("size_gib").sum().over("server_key")
    server = sized.select(
        "server_key",
        pl.col("disk_growth").fill_null(1.0),
        pl.coalesce(pl.col("disk_iops_stat") * factor, pl.lit(None, pl.Float64)).alias("srv_iops"),
        pl.coalesce(pl.col("disk_mbps_stat") * factor, pl.lit(None, pl.Float64)).alias("srv_mbps"),
    )
    return (
        disks.join(server, on="server_key", how="left")
        .with_columns(
            pl.coalesce(pl.col("srv_iops") * share, pl.col("own_iops") * factor, pl.lit(0.0)).alias(
                "iops"
            ),
            pl.coalesce(pl.col("srv_mbps") * share, pl.col("own_mbps") * factor, pl.lit(0.0)).alias(
                "mbps"
            ),
        )
        .with_columns(pl.col("size_gib") * pl.col("disk_growth"))
        .select(list(DISK_SCHEMA))
    )


@dataclass(frozen=True)
class DiskPrices:
    """Per-disk cost and tier for one cloud region, plus notes on the prices used."""

    per_server: pl.DataFrame  # server_key, disk_month, disk_tiers, disk_blocker, disk_striped
    notes: tuple[str, ...]


def _rates(catalog: Catalog, cloud: str, region: str) -> tuple[dict[str, float], str]:
    st = catalog.storage.filter(pl.col("cloud") == cloud)
    here = st.filter(pl.col("region") == region)
    note = ""
    if here.height == 0 and st.height:
        fallback = st["region"][0]
        here = st.filter(pl.col("region") == fallback)
        note = f"{cloud}: no storage prices for {region}; used {fallback}"
    return dict(
        zip(here["storage_class"].to_list(), here["price_gb_month"].to_list(), strict=True)
    ), note


def price_disks(disks: pl.DataFrame, catalog: Catalog, cloud: str, region: str) -> DiskPrices:
    """Cheapest tier per disk on ``cloud``, summed per server.

    ``disk_blocker`` names the disks no type can hold within :data:`MAX_STRIPE`
    volumes (those are not priced).
    """
    rates, note = _rates(catalog, cloud, region)
    notes = [note] if note else []
    size = disks["size_gib"].to_numpy().astype(np.float64)
    iops = disks["iops"].to_numpy().astype(np.float64)
    mbps = disks["mbps"].to_numpy().astype(np.float64)
    cloud_profile = profile(cloud)
    cost, tier, n = cloud_profile.price_disks(size, iops, mbps, rates, notes)
    limits = cloud_profile.volume_limits
    over = n > MAX_STRIPE
    label = [
        "none" if o else (f"{k}×{t} striped" if k > 1 else t)
        for t, k, o in zip(tier, n.tolist(), over.tolist(), strict=True)
    ]
    blocker = [
        f"a {z / 1024:,.1f} TiB disk ({i:,.0f} IOPS, {m:,.0f} MB/s) needs more than "
        f"{MAX_STRIPE} {cloud} volumes"
        if o
        else None
        for z, i, m, o in zip(
            size.tolist(), iops.tolist(), mbps.tolist(), over.tolist(), strict=True
        )
    ]
    kinds = [cloud_profile.disk_kind(t) for t in tier]
    condition = [
        f"a {z / 1024:,.1f} TiB disk ({i:,.0f} IOPS, {m:,.0f} MB/s) exceeds one {k} volume "
        f"({limits[k].size_gib / 1024:g} TiB, {limits[k].iops:,.0f} IOPS, "
        f"{limits[k].mbps:,.0f} MB/s): priced as {c} striped volumes"
        if c > 1 and not o and k in limits
        else None
        for z, i, m, k, c, o in zip(
            size.tolist(), iops.tolist(), mbps.tolist(), kinds, n.tolist(), over.tolist(),
            strict=True,
        )
    ]  # fmt: skip
    striped = int(((n > 1) & ~over).sum())
    if striped:
        notes.append(
            f"{cloud}: {striped} disk(s) exceed one volume's size, IOPS or throughput limit "
            "and are priced as striped volumes (RAID 0/LVM in the guest; tier 'N×type')"
        )
    if over.any():
        notes.append(
            f"{cloud}: {int(over.sum())} disk(s) need more than {MAX_STRIPE} striped volumes: "
            "not priced, their servers are not ready (rule disk-over-limit)"
        )
    per_disk = disks.select("server_key").with_columns(
        pl.Series("disk_month", np.where(over, 0.0, cost)),
        pl.Series("tier", label, dtype=pl.String),
        pl.Series("blocker", blocker, dtype=pl.String),
        pl.Series("striped", condition, dtype=pl.String),
    )
    per_server = per_disk.group_by("server_key", maintain_order=True).agg(
        pl.col("disk_month").sum(),
        pl.col("tier").str.join(",").alias("disk_tiers"),
        pl.col("blocker").drop_nulls().str.join("; ").alias("disk_blocker"),
        pl.col("striped").drop_nulls().str.join("; ").alias("disk_striped"),
    )
    per_server = per_server.with_columns(
        pl.when(pl.col(c) == "").then(None).otherwise(pl.col(c)).alias(c)
        for c in ("disk_blocker", "disk_striped")
    )
    return DiskPrices(per_server, tuple(notes))

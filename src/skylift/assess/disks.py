"""Disks: the cheapest tier per disk that meets size, IOPS and MB/s, per cloud.

Per disk, demand = (read + write) IOPS and MB/s × headroom; where only the
server has figures (series), they are shared out by disk size.

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

Every type has per-volume limits (:mod:`skylift.assess.disk_limits`): a disk
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
import numpy.typing as npt
import polars as pl

from skylift.assess.disk_limits import LIMITS, MAX_STRIPE, volumes
from skylift.catalog.loader import Catalog
from skylift.domain.inventory import Server

# Azure tiers: size GiB, IOPS, MB/s (sizing.md)
_P = [
    (4, 120, 25), (8, 120, 25), (16, 120, 25), (32, 120, 25), (64, 240, 50), (128, 500, 100),
    (256, 1100, 125), (512, 2300, 150), (1024, 5000, 200), (2048, 7500, 250), (4096, 7500, 250),
    (8192, 16000, 500), (16384, 18000, 750), (32767, 20000, 900),
]  # fmt: skip
_P_NAMES = [
    "P1",
    "P2",
    "P3",
    "P4",
    "P6",
    "P10",
    "P15",
    "P20",
    "P30",
    "P40",
    "P50",
    "P60",
    "P70",
    "P80",
]
_E = [
    (4, 120, 25), (8, 120, 25), (16, 120, 25), (32, 120, 25), (64, 240, 50), (128, 500, 60),
    (256, 500, 60), (512, 500, 60), (1024, 500, 60), (2048, 500, 60), (4096, 500, 60),
    (8192, 2000, 400), (16384, 4000, 600), (32767, 6000, 750),
]  # fmt: skip
_E_NAMES = [n.replace("P", "E") for n in _P_NAMES]
# GCP: (class, IOPS per GiB, MB/s per GiB, baseline IOPS, baseline MB/s)
_GCP = [
    ("pd-standard", 0.75, 0.12, 0.0, 0.0),
    ("pd-balanced", 6.0, 0.28, 3000.0, 140.0),
    ("pd-ssd", 30.0, 0.48, 6000.0, 240.0),
]
_GP3_IOPS, _GP3_MBPS, _GP3_MAX_IOPS, _GP3_MAX_MBPS = 3000.0, 125.0, 16000.0, 1000.0
_GP3_IOPS_PRICE, _GP3_MBPS_PRICE = 0.005, 0.04
_EPS = 1e-9
#: Tier name → volume kind of :data:`skylift.assess.disk_limits.LIMITS`.
_KIND = {**{n: "premium-ssd" for n in _P_NAMES}, **{n: "standard-ssd" for n in _E_NAMES}}

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
    if cloud == "aws":
        cost, tier, n = _aws(size, iops, mbps, rates, notes)
    elif cloud == "azure":
        cost, tier, n = _azure(size, iops, mbps, rates, notes)
    else:
        cost, tier, n = _gcp(size, iops, mbps, rates, notes)
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
    kinds = [_KIND.get(t, t) for t in tier]
    condition = [
        f"a {z / 1024:,.1f} TiB disk ({i:,.0f} IOPS, {m:,.0f} MB/s) exceeds one {k} volume "
        f"({LIMITS[k].size_gib / 1024:g} TiB, {LIMITS[k].iops:,.0f} IOPS, "
        f"{LIMITS[k].mbps:,.0f} MB/s): priced as {c} striped volumes"
        if c > 1 and not o and k in LIMITS
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


def _aws(
    size: npt.NDArray[np.float64],
    iops: npt.NDArray[np.float64],
    mbps: npt.NDArray[np.float64],
    rates: dict[str, float],
    notes: list[str],
) -> tuple[npt.NDArray[np.float64], list[str], npt.NDArray[np.int64]]:
    gp3 = rates.get("ebs-gp3", 0.08)
    io2 = rates.get("ebs-io2", 0.125)
    n = volumes("gp3", size, iops, mbps)
    per_i, per_m = iops / n, mbps / n
    extra = (
        np.maximum(per_i - _GP3_IOPS, 0) * _GP3_IOPS_PRICE
        + np.maximum(per_m - _GP3_MBPS, 0) * _GP3_MBPS_PRICE
    ) * n
    fits = n <= MAX_STRIPE
    n_io2 = volumes("io2", size, iops, mbps)
    cost = np.where(fits, size * gp3 + extra, size * io2)
    if (~fits).any():
        notes.append(
            f"aws: {int((~fits).sum())} disk(s) need io2; its IOPS price is not in the "
            "catalog (capacity only)"
        )
    return cost, np.where(fits, "gp3", "io2").tolist(), np.where(fits, n, n_io2)


def _azure(
    size: npt.NDArray[np.float64],
    iops: npt.NDArray[np.float64],
    mbps: npt.NDArray[np.float64],
    rates: dict[str, float],
    notes: list[str],
) -> tuple[npt.NDArray[np.float64], list[str], npt.NDArray[np.int64]]:
    best = np.full(len(size), np.inf)
    name = np.array([""] * len(size), dtype=object)
    count = np.ones(len(size), dtype=np.int64)
    for tiers, names, prefix in ((_P, _P_NAMES, "premium-ssd"), (_E, _E_NAMES, "standard-ssd")):
        priced = {k: v for k, v in rates.items() if k.startswith(prefix)}
        if not priced:
            continue
        n = volumes(prefix, size, iops, mbps)
        t = np.array(tiers, dtype=np.float64)
        idx = np.maximum.reduce(
            [
                np.searchsorted(t[:, 0], size / n - _EPS),
                np.searchsorted(t[:, 1], iops / n - _EPS),
                np.searchsorted(t[:, 2], mbps / n - _EPS),
            ]
        )
        idx = np.minimum(idx, len(t) - 1)
        rate = np.array(
            [_nearest_rate(priced, prefix, names[i], tiers[i][0]) for i in range(len(t))]
        )
        cost = t[idx, 0] * rate[idx] * n
        better = cost < best
        best = np.where(better, cost, best)
        name = np.where(better, np.array(names, dtype=object)[idx], name)
        count = np.where(better, n, count)
    if np.isinf(best).any():
        notes.append(f"azure: {int(np.isinf(best).sum())} disk(s) without a priced disk type")
    notes.append(
        "azure: tiers other than P10/P20/P30/E20/E30 priced at the nearest priced tier's "
        "rate per GiB (estimate)"
    )
    return np.where(np.isinf(best), 0.0, best), [str(x) for x in name], count


def _nearest_rate(priced: dict[str, float], prefix: str, tier: str, size: float) -> float:
    exact = priced.get(f"{prefix}-{tier.lower()}")
    if exact is not None:
        return exact
    sizes = {k: _tier_size(k) for k in priced}
    key = min(sizes, key=lambda k: abs(np.log2(max(sizes[k], 1)) - np.log2(max(size, 1))))
    return priced[key]


def _tier_size(storage_class: str) -> float:
    tier = storage_class.rsplit("-", 1)[-1].upper().replace("E", "P")
    return float(dict(zip(_P_NAMES, [t[0] for t in _P], strict=True)).get(tier, 128))


def _gcp(
    size: npt.NDArray[np.float64],
    iops: npt.NDArray[np.float64],
    mbps: npt.NDArray[np.float64],
    rates: dict[str, float],
    notes: list[str],
) -> tuple[npt.NDArray[np.float64], list[str], npt.NDArray[np.int64]]:
    best = np.full(len(size), np.inf)
    name = np.array([""] * len(size), dtype=object)
    count = np.ones(len(size), dtype=np.int64)
    for cls, ipg, mpg, bi, bm in _GCP:
        rate = rates.get(cls)
        if rate is None:
            continue
        n = volumes(cls, size, iops, mbps)
        need = np.maximum.reduce([size / n, (iops / n - bi) / ipg, (mbps / n - bm) / mpg])
        need = np.minimum(need, LIMITS[cls].size_gib)
        cost = need * rate * n
        better = cost < best
        best = np.where(better, cost, best)
        name = np.where(better, cls, name)
        count = np.where(better, n, count)
    return np.where(np.isinf(best), 0.0, best), [str(x) for x in name], count

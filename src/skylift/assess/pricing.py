"""Cheapest fitting instance per server for one cloud region, vectorised.

Candidates are filtered once (excluded families, burstable, architecture,
GPUs); then a grid over the distinct (vCPU, memory) sizes holds the cheapest
type at or above each point (a 2-D suffix minimum), so every server is a
``searchsorted`` away from its answer: O(servers · log types), not a scan.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import polars as pl

from skylift.assess.policy import AssessPolicy
from skylift.catalog.eligibility import EligibilityRules, allowed_expr, excluded_expr, fit_expr
from skylift.catalog.loader import PRICE_COLUMNS, Catalog
from skylift.errors import ConfigError

_EPS = 1e-6

CHOICE_SCHEMA: dict[str, pl.DataType] = {
    "server_key": pl.String(),
    "instance_type": pl.String(),
    "family": pl.String(),
    "vcpus": pl.Float64(),
    "instance_memory_gib": pl.Float64(),
    "price_hour": pl.Float64(),
    "pricing_used": pl.String(),
    "hour_on_demand": pl.Float64(),
    "hour_spot": pl.Float64(),
    "hour_commit_1y": pl.Float64(),
    "hour_commit_3y": pl.Float64(),
    "compute_month": pl.Float64(),
    "currency": pl.String(),
    "not_sized_reason": pl.String(),
}


def check_exclusions(catalog: Catalog, policy: AssessPolicy) -> None:
    """Raise :class:`ConfigError` for an excluded family no target cloud has (a typo)."""
    clouds = sorted({t.cloud for t in policy.targets})
    offers = catalog.instances.filter(pl.col("cloud").is_in(clouds))
    for name in policy.exclude_families:
        hit = offers.select(excluded_expr(name).any())
        if not hit.item():
            examples = ", ".join(f"{c}: {', '.join(catalog.families(c)[:4])}" for c in clouds)
            raise ConfigError(
                f"sizing.exclude_families: no {' / '.join(clouds)} instance family or type "
                f"starts with {name!r}",
                f"families look like {examples} …; list them with "
                "'skylift catalog show --cloud CLOUD --json'",
            )


def rules(policy: AssessPolicy) -> EligibilityRules:
    """The selection rules (:mod:`skylift.catalog.eligibility`) of ``policy``."""
    return EligibilityRules(
        classes=tuple(policy.family_classes),
        allow_burstable=policy.allow_burstable,
        exclude_families=policy.exclude_families,
        partial_gpus=policy.partial_gpus,
    )


def candidates(catalog: Catalog, cloud: str, region: str, policy: AssessPolicy) -> pl.DataFrame:
    """Instances allowed by the policy in ``cloud``/``region`` with the chosen price.

    Burstable and excluded families are dropped here; family classes,
    architecture and GPUs depend on the server (:func:`fit_expr`).
    ``price_hour`` is the policy's pricing option where the catalog has it,
    else on-demand (``pricing_used`` says which).
    """
    offers = catalog.offers(cloud, region, pricing=policy.pricing).filter(
        allowed_expr(rules(policy))
    )
    option = PRICE_COLUMNS[policy.pricing]
    return offers.with_columns(
        pl.when(pl.col(option).is_not_null())
        .then(pl.lit(policy.pricing))
        .otherwise(pl.lit("on_demand"))
        .alias("pricing_used")
    ).sort(["price_hour", "vcpus", "memory_gib", "instance_type"])


def _better(
    p_new: npt.NDArray[np.float64],
    i_new: npt.NDArray[np.int64],
    p_old: npt.NDArray[np.float64],
    i_old: npt.NDArray[np.int64],
) -> npt.NDArray[np.bool_]:
    """Where (price, index) ``new`` beats ``old``: cheaper, or as cheap and ranked first."""
    tie = (p_new == p_old) & (i_new >= 0) & ((i_old < 0) | (i_new < i_old))
    out: npt.NDArray[np.bool_] = (p_new < p_old) | tie
    return out


class _Grid:
    """Cheapest candidate index at or above each (vCPU, memory) grid point."""

    def __init__(
        self,
        vcpus: npt.NDArray[np.float64],
        mem: npt.NDArray[np.float64],
        price: npt.NDArray[np.float64],
    ) -> None:
        self.v = np.unique(vcpus)
        self.m = np.unique(mem)
        nv, nm = len(self.v), len(self.m)
        p = np.full((nv, nm), np.inf)
        idx = np.full((nv, nm), -1, dtype=np.int64)
        iv = np.searchsorted(self.v, vcpus)
        im = np.searchsorted(self.m, mem)
        for k in range(len(price) - 1, -1, -1):  # cheapest first wins ties
            if price[k] <= p[iv[k], im[k]]:
                p[iv[k], im[k]] = price[k]
                idx[iv[k], im[k]] = k
        # Equal prices: the lower candidate index wins (candidates are sorted by price,
        # vCPUs, memory, name: the documented tie-break).
        for i in range(nv - 2, -1, -1):
            better = _better(p[i + 1], idx[i + 1], p[i], idx[i])
            p[i, better] = p[i + 1, better]
            idx[i, better] = idx[i + 1, better]
        for j in range(nm - 2, -1, -1):
            better = _better(p[:, j + 1], idx[:, j + 1], p[:, j], idx[:, j])
            p[better, j] = p[better, j + 1]
            idx[better, j] = idx[better, j + 1]
        self.idx = idx

    def lookup(
        self, cpu: npt.NDArray[np.float64], mem: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.int64]:
        """Candidate index per demand pair, −1 where nothing fits."""
        out = np.full(len(cpu), -1, dtype=np.int64)
        if len(self.v) == 0:
            return out
        iv = np.searchsorted(self.v, np.round(cpu, 6) - _EPS)
        im = np.searchsorted(self.m, np.round(mem, 6) - _EPS)
        ok = (iv < len(self.v)) & (im < len(self.m))
        out[ok] = self.idx[iv[ok], im[ok]]
        return out


def choose_instances(
    sized: pl.DataFrame, catalog: Catalog, cloud: str, region: str, policy: AssessPolicy
) -> pl.DataFrame:
    """Per server: the cheapest allowed type with vCPU ≥ demand, memory ≥ demand.

    The rows allowed follow :mod:`skylift.catalog.eligibility` (architecture,
    family classes, GPUs of the source's vendor). Servers that cannot be sized
    carry ``not_sized_reason``.
    """
    cand = candidates(catalog, cloud, region, policy)
    currency = cand["currency"][0] if cand.height else "USD"
    hours = policy.uptime_hours_month * (1.0 - policy.discount_pct / 100.0)
    n = sized.height
    chosen = np.full(n, -1, dtype=np.int64)
    reason: list[str | None] = [None] * n
    keys = sized["server_key"]
    base_reason = sized["sizing_note"].to_list() if "sizing_note" in sized.columns else [""] * n
    cpu = sized["cpu_demand"].fill_null(np.nan).to_numpy().astype(np.float64)
    mem = sized["memory_demand_gib"].fill_null(np.nan).to_numpy().astype(np.float64)
    arch_of = np.where((sized["arch"] == "arm64").fill_null(False).to_numpy(), "arm64", "x86_64")
    gpus = sized["gpus"].fill_null(0).to_numpy()
    vendor = (
        sized["gpu_vendor"].fill_null("").to_numpy()
        if "gpu_vendor" in sized.columns
        else np.full(n, "", dtype=object)
    )
    undemanded = np.isnan(cpu) | np.isnan(mem)
    for i in np.flatnonzero(undemanded):
        reason[i] = base_reason[i] or "no demand computed"
    sel = rules(policy)
    kinds = {
        (str(a), int(g), str(v) if g else "") for a, g, v in zip(arch_of, gpus, vendor, strict=True)
    }
    for arch, g, v in sorted(kinds):
        rows = np.flatnonzero(
            (arch_of == arch) & (gpus == g) & ((vendor == v) if g else True) & ~undemanded
        )
        if len(rows) == 0:
            continue
        pool = cand.filter(fit_expr(sel, arch=arch, gpus=g, gpu_vendor=v or None))
        if pool.height == 0:
            what = _kind(arch, g, v or "nvidia", policy)
            extra = catalog.missing_note(cloud, region)
            for i in rows:
                reason[i] = f"no allowed {what} in {cloud}/{region}" + (
                    f" ({extra})" if extra else ""
                )
            continue
        extra = catalog.missing_note(cloud, region)
        grid = _Grid(
            pool["vcpus"].to_numpy(),
            pool["memory_gib"].to_numpy(),
            pool["price_hour"].to_numpy(),
        )
        found = grid.lookup(cpu[rows], mem[rows])
        global_idx = _pool_to_cand(cand, pool)
        chosen[rows] = np.where(found >= 0, global_idx[np.maximum(found, 0)], -1)
        big_v, big_m = float(pool["vcpus"].max()), float(pool["memory_gib"].max())  # type: ignore[arg-type]
        for i, f in zip(rows, found, strict=True):
            if f < 0:
                reason[i] = (
                    f"no fitting instance: needs {cpu[i]:.1f} vCPU / {mem[i]:.1f} GiB; "
                    f"largest allowed in {cloud}/{region}: {big_v:g} vCPU / {big_m:g} GiB"
                ) + (f" ({extra})" if extra else "")
    picked = cand.with_row_index("ci").select(
        pl.col("ci").cast(pl.Int64),
        "instance_type",
        "family",
        "vcpus",
        pl.col("memory_gib").alias("instance_memory_gib"),
        "price_hour",
        "pricing_used",
        pl.col("price_hour_ondemand").alias("hour_on_demand"),
        *[
            pl.coalesce(pl.col(PRICE_COLUMNS[o]), pl.col("price_hour_ondemand")).alias(f"hour_{o}")
            for o in ("spot", "commit_1y", "commit_3y")
        ],
    )
    return (
        pl.DataFrame({"server_key": keys, "ci": chosen, "not_sized_reason": reason})
        .join(picked, on="ci", how="left", maintain_order="left")
        .with_columns(
            (pl.col("price_hour") * hours).fill_null(0.0).alias("compute_month"),
            pl.lit(currency).alias("currency"),
        )
        .select(list(CHOICE_SCHEMA))
        .cast(CHOICE_SCHEMA)  # type: ignore[arg-type]
    )


def _kind(arch: str, gpus: int, vendor: str, policy: AssessPolicy) -> str:
    """What a server needs, for the 'no allowed …' reason."""
    if not gpus:
        return f"{arch} instances of the classes {', '.join(policy.family_classes)}"
    share = " (or GPU shares)" if policy.partial_gpus else ""
    return f"{arch} instances with ≥ {gpus} whole {vendor} GPU(s){share}"


def _pool_to_cand(cand: pl.DataFrame, pool: pl.DataFrame) -> npt.NDArray[np.int64]:
    """Row numbers of ``pool`` rows within ``cand`` (pool is a filtered, ordered subset)."""
    ids = cand.with_row_index("ci").join(
        pool.select("instance_type").with_row_index("pi"), on="instance_type", how="inner"
    )
    out = np.empty(pool.height, dtype=np.int64)
    out[ids["pi"].to_numpy()] = ids["ci"].to_numpy()
    return out

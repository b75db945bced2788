"""Demand per server: cores and memory after statistic, forecast, headroom and speed.

Performance-based (Azure Migrate's method): demand = allocated × utilisation
statistic × headroom factor (× CPU-speed multiplier for cores). The statistic
comes from the 10-minute-peak series (:mod:`skylift.assess.observed`), else from
a summary import's single figure, else the server is sized as on premises:
allocated cores and memory with no headroom (headroom is for measured demand),
with the lowest confidence (1 star) and a note. With a forecast (history ≥
``min_history_days``) the utilisation used is max(observed, forecast). As-is
sizing uses allocated cores and memory.
Seed case: 100 cores at 80 % → 80 cores before headroom.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from skylift.assess.classify import class_expr
from skylift.assess.confidence import coverage_expr, stars_expr
from skylift.assess.observed import OBSERVED_SCHEMA
from skylift.assess.policy import AssessPolicy
from skylift.domain.assessment import SizingBasis
from skylift.domain.inventory import Server

#: The sizing note of a server without utilisation data (lowest confidence).
NO_DATA_NOTE = (
    "no utilisation data: sized as on-premises (allocated cores and memory, no headroom); "
    "lowest confidence"
)
#: GB transferred per month by 1 Mbit/s sustained over 730 hours (decimal GB).
GB_PER_MBPS_MONTH = 1e6 / 8 * 3600 * 730 / 1e9

SERVER_SCHEMA: dict[str, pl.DataType] = {
    "server_key": pl.String(),
    "name": pl.String(),
    "source": pl.String(),
    "power_state": pl.String(),
    "os_name": pl.String(),
    "os_family": pl.String(),
    "os_version": pl.String(),
    "arch": pl.String(),
    "boot_type": pl.String(),
    "cores": pl.Int64(),
    "memory_gib": pl.Float64(),
    "gpus": pl.Int64(),
    "gpu_vendor": pl.String(),
    "application": pl.String(),
    "environment": pl.String(),
    "cpu_util_pct": pl.Float64(),
    "mem_util_pct": pl.Float64(),
    "net_in_mbps": pl.Float64(),
    "net_out_mbps": pl.Float64(),
    "disk_count": pl.Int64(),
    "nic_count": pl.Int64(),
    "max_disk_gib": pl.Float64(),
    "provisioned_gib": pl.Float64(),
    "used_gib": pl.Float64(),
    "disk_iops": pl.Float64(),
    "disk_mbps": pl.Float64(),
}


_GPU_VENDORS = (
    ("nvidia", ("nvidia", "tesla", "quadro", "geforce", "rtx", "a100", "h100", "h200", "v100",
                "t4", "l4", "l40", "a10", "a16", "a40", "p100", "p40", "k80", "grid")),
    ("amd", ("amd", "radeon", "instinct", "firepro", "mi25", "mi50", "mi100", "mi210",
             "mi250", "mi300")),
    ("intel", ("intel", "arc", "flex", "max 1")),
)  # fmt: skip


def gpu_vendor(server: Server) -> str | None:
    """GPU vendor of ``server`` from its ``gpu_vendor`` or ``gpu_model`` tag (lower case),
    or ``None`` when unknown (sizing then assumes NVIDIA)."""
    tags = {k.lower(): v for k, v in server.tags.items()}
    text = (tags.get("gpu_vendor") or tags.get("gpu_model") or "").strip().lower()
    if not text:
        return None
    for vendor, words in _GPU_VENDORS:
        if any(w in text for w in words):
            return vendor
    return text.split()[0]


def servers_frame(servers: Sequence[Server]) -> pl.DataFrame:
    """One row per server with the fields sizing, readiness and cost need."""
    cols: dict[str, list[object]] = {c: [] for c in SERVER_SCHEMA}
    for s in servers:
        disks = s.disks
        iops = [(d.read_iops, d.write_iops) for d in disks]
        mbps = [(d.read_mbps, d.write_mbps) for d in disks]
        has_iops = any(a is not None or b is not None for a, b in iops)
        has_mbps = any(a is not None or b is not None for a, b in mbps)
        row: dict[str, object] = {
            "server_key": s.key,
            "name": s.name,
            "source": s.source,
            "power_state": s.power_state.value,
            "os_name": s.os_name,
            "os_family": s.os_family.value,
            "os_version": s.os_version,
            "arch": s.arch.value,
            "boot_type": s.boot_type.value,
            "cores": s.cores,
            "memory_gib": None if s.memory_mib is None else s.memory_mib / 1024.0,
            "gpus": s.gpus,
            "gpu_vendor": gpu_vendor(s),
            "application": s.application,
            "environment": s.environment.value,
            "cpu_util_pct": s.cpu_util_pct,
            "mem_util_pct": s.mem_util_pct,
            "net_in_mbps": s.net_in_mbps,
            "net_out_mbps": s.net_out_mbps,
            "disk_count": len(disks),
            "nic_count": len(s.nics),
            "max_disk_gib": max((d.size_gib for d in disks), default=None),
            "provisioned_gib": s.provisioned_gib,
            "used_gib": s.used_gib,
            "disk_iops": sum((a or 0) + (b or 0) for a, b in iops) if has_iops else None,
            "disk_mbps": sum((a or 0) + (b or 0) for a, b in mbps) if has_mbps else None,
        }
        for c, v in row.items():
            cols[c].append(v)
    return pl.DataFrame(cols, schema=SERVER_SCHEMA)


def _forecast_wide(forecast: pl.DataFrame | None, min_history: float) -> pl.DataFrame:
    schema = {"server_key": pl.String(), "cpu_fc": pl.Float64(), "mem_fc": pl.Float64()}
    if forecast is None or forecast.height == 0:
        return pl.DataFrame(schema=schema)
    usable = forecast.filter(
        (pl.col("history_days") >= min_history) & pl.col("forecast").is_not_null()
    )
    cpu = usable.filter(pl.col("metric") == "cpu_pct").select(
        "server_key", pl.col("forecast").cast(pl.Float64).alias("cpu_fc")
    )
    mem = usable.filter(pl.col("metric") == "mem_pct").select(
        "server_key", pl.col("forecast").cast(pl.Float64).alias("mem_fc")
    )
    return cpu.join(mem, on="server_key", how="full", coalesce=True).cast(schema)  # type: ignore[arg-type]


def size_servers(
    servers: pl.DataFrame,
    observed: pl.DataFrame,
    policy: AssessPolicy,
    forecast: pl.DataFrame | None = None,
    storage: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Add demand, basis, coverage, confidence and utilisation class to ``servers``.

    ``storage`` (rows of ``forecast_storage``) gives ``storage_used_gib`` and
    ``storage_demand_gib`` (used + growth × horizon); without it the inventory's
    used space is both. ``disk_growth`` ≥ 1 is how much the disks must grow for
    the storage demand (disks are never planned below their provisioned size).

    Columns added: ``cpu_demand``, ``memory_demand_gib``, ``basis``,
    ``sizing_note``, ``coverage_pct``, ``confidence_stars``, ``cpu_avg_pct``,
    ``mem_avg_pct``, ``net_avg_pct``, ``utilisation_class``, ``egress_gb_month``,
    ``iops_demand``, ``mbps_demand``, ``storage_used_gib``, ``storage_demand_gib``,
    ``disk_growth``.
    """
    if observed.height == 0:
        observed = pl.DataFrame(schema=OBSERVED_SCHEMA)
    f = servers.join(observed, on="server_key", how="left", maintain_order="left").join(
        _forecast_wide(forecast, policy.min_history_days),
        on="server_key",
        how="left",
        maintain_order="left",
    )
    factor = policy.headroom_factor
    mem_gib = pl.col("memory_gib")
    series_cpu = pl.col("cpu_stat")
    series_mem = pl.coalesce(
        pl.col("mem_pct_stat"), pl.col("mem_used_stat") / 1024.0 / mem_gib * 100.0
    )
    cpu_pct = pl.max_horizontal(series_cpu, pl.col("cpu_fc")).fill_null(series_cpu)
    mem_pct = pl.max_horizontal(series_mem, pl.col("mem_fc")).fill_null(series_mem)
    forecasted = (pl.col("cpu_fc") > series_cpu) | (pl.col("mem_fc") > series_mem)
    perf = policy.method == "performance"
    has_series = series_cpu.is_not_null() | series_mem.is_not_null()
    has_summary = pl.col("cpu_util_pct").is_not_null() | pl.col("mem_util_pct").is_not_null()
    cpu_used = pl.coalesce(cpu_pct, pl.col("cpu_util_pct"))
    mem_used = pl.coalesce(mem_pct, pl.col("mem_util_pct"))
    missing = (
        pl.when(pl.col("cores").fill_null(0) <= 0)
        .then(pl.lit("no cores recorded"))
        .when(mem_gib.fill_null(0) <= 0)
        .then(pl.lit("no memory recorded"))
        .otherwise(None)
    )
    if perf:
        # headroom applies to measured demand only; an unmeasured part is the
        # allocation as on premises (Azure Migrate's "as on-premises" sizing)
        cpu_demand = (
            pl.when(cpu_used.is_null())
            .then(pl.col("cores").cast(pl.Float64))
            .otherwise(pl.col("cores") * cpu_used / 100.0 * factor * policy.cpu_speed_multiplier)
        )
        mem_demand = (
            pl.when(mem_used.is_null()).then(mem_gib).otherwise(mem_gib * mem_used / 100.0 * factor)
        )
        basis = (
            pl.when(has_series & forecasted)
            .then(pl.lit(SizingBasis.FORECAST.value))
            .when(has_series)
            .then(pl.lit(SizingBasis.PERFORMANCE.value))
            .when(has_summary)
            .then(pl.lit(SizingBasis.SUMMARY.value))
            .otherwise(pl.lit(SizingBasis.AS_IS.value))
        )
        note = (
            pl.when(~has_series & ~has_summary)
            .then(pl.lit(NO_DATA_NOTE))
            .when(cpu_used.is_null() | mem_used.is_null())
            .then(pl.lit("CPU or memory figure missing; that part sized as allocated, no headroom"))
            .otherwise(pl.lit(""))
        )
    else:
        cpu_demand = pl.col("cores").cast(pl.Float64)
        mem_demand = mem_gib
        basis = pl.lit(SizingBasis.AS_IS.value)
        note = pl.lit("")
    # the observed series when there is one, else the summary import's figures (a
    # sum_horizontal of nulls is 0, never null, so it cannot be coalesced across)
    net_avg_mbps = (
        pl.when(pl.col("net_out_avg").is_not_null())
        .then(pl.col("net_out_avg") + pl.col("net_in_avg").fill_null(0.0))
        .otherwise(pl.col("net_out_mbps") + pl.col("net_in_mbps").fill_null(0.0))
    )
    has_net = pl.col("net_out_avg").is_not_null() | pl.col("net_out_mbps").is_not_null()
    groups = _coverage_groups(observed)
    out = f.with_columns(
        pl.when(missing.is_null()).then(cpu_demand).otherwise(None).alias("cpu_demand"),
        pl.when(missing.is_null()).then(mem_demand).otherwise(None).alias("memory_demand_gib"),
        pl.when(missing.is_null())
        .then(basis)
        .otherwise(pl.lit(SizingBasis.NONE.value))
        .alias("basis"),
        pl.coalesce(missing, note).alias("sizing_note"),
        pl.when(pl.col("expected_points").is_not_null())
        .then(coverage_expr(groups))
        .otherwise(None)
        .alias("coverage_pct"),
        pl.coalesce(pl.col("cpu_avg"), pl.col("cpu_util_pct")).alias("cpu_avg_pct"),
        pl.coalesce(
            pl.col("mem_pct_avg"),
            pl.col("mem_used_avg") / 1024.0 / mem_gib * 100.0,
            pl.col("mem_util_pct"),
        ).alias("mem_avg_pct"),
        pl.when(has_net)
        .then(net_avg_mbps / policy.classes.nic_mbps * 100.0)
        .otherwise(None)
        .alias("net_avg_pct"),
        (
            pl.coalesce(pl.col("net_out_avg"), pl.col("net_out_mbps")).fill_null(0.0)
            * GB_PER_MBPS_MONTH
            * policy.egress_share_pct
            / 100.0
        ).alias("egress_gb_month"),
        (pl.coalesce(pl.col("disk_iops_stat"), pl.col("disk_iops")) * factor).alias("iops_demand"),
        (pl.coalesce(pl.col("disk_mbps_stat"), pl.col("disk_mbps")) * factor).alias("mbps_demand"),
    )
    no_data = pl.col("sizing_note") == NO_DATA_NOTE
    return _storage(out, storage).with_columns(
        pl.when(no_data)
        .then(pl.lit(1, pl.Int8))
        .otherwise(stars_expr(pl.col("coverage_pct")))
        .alias("confidence_stars"),
        class_expr(policy.classes),
    )


def _storage(sized: pl.DataFrame, storage: pl.DataFrame | None) -> pl.DataFrame:
    """Storage used now and at the horizon, and the disk growth that demand needs."""
    fc = pl.DataFrame(
        schema={"server_key": pl.String(), "_used": pl.Float64(), "_forecast": pl.Float64()}
    )
    if storage is not None and storage.height:
        fc = storage.select(
            "server_key",
            pl.col("used_now").cast(pl.Float64).alias("_used"),
            pl.col("forecast").cast(pl.Float64).alias("_forecast"),
        )
    demand = pl.coalesce(pl.col("_forecast"), pl.col("used_gib"))
    provisioned = pl.col("provisioned_gib")
    return (
        sized.join(fc, on="server_key", how="left", maintain_order="left")
        .with_columns(
            pl.coalesce(pl.col("_used"), pl.col("used_gib")).alias("storage_used_gib"),
            demand.alias("storage_demand_gib"),
            pl.when((provisioned > 0) & (demand > provisioned))
            .then(demand / provisioned)
            .otherwise(1.0)
            .alias("disk_growth"),
        )
        .drop("_used", "_forecast")
    )


def _coverage_groups(observed: pl.DataFrame) -> list[tuple[str, ...]]:
    """Coverage groups the estate has at all (a metric nobody has is not 'missing')."""
    candidates = [
        ("cpu_points",),
        ("mem_pct_points", "mem_used_points"),
        ("disk_iops_points",),
        ("disk_mbps_points",),
        ("net_out_points", "net_in_points"),
    ]
    if observed.height == 0:
        return [candidates[0], candidates[1]]
    present = [g for g in candidates if any(observed[c].null_count() < observed.height for c in g)]
    return present or [candidates[0]]

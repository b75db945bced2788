"""Utilisation classes: active / idle / zombie / unknown (retire candidates).

Azure business-case rule on window averages: zombie = CPU, memory and network
all at (or below) ``zombie_pct`` ("0 %" as displayed: ≤ 0.5 %); idle = all below the idle thresholds
(CPU 5 %, memory 5 %, network 2 % of the NIC); active otherwise; unknown when
neither CPU nor memory utilisation is known. A missing network figure is
ignored rather than guessed.
"""

from __future__ import annotations

import polars as pl

from skylift.assess.policy import ClassThresholds
from skylift.domain.assessment import UtilisationClass


def classify(
    cpu_pct: float | None, mem_pct: float | None, net_pct: float | None, t: ClassThresholds
) -> UtilisationClass:
    """Class of one server from its average utilisation (percentages)."""
    frame = pl.DataFrame(
        {"cpu_avg_pct": [cpu_pct], "mem_avg_pct": [mem_pct], "net_avg_pct": [net_pct]},
        schema={"cpu_avg_pct": pl.Float64, "mem_avg_pct": pl.Float64, "net_avg_pct": pl.Float64},
    )
    return UtilisationClass(frame.select(class_expr(t))["utilisation_class"][0])


def class_expr(t: ClassThresholds) -> pl.Expr:
    """Vectorised class from ``cpu_avg_pct``, ``mem_avg_pct``, ``net_avg_pct`` columns."""
    cpu, mem, net = pl.col("cpu_avg_pct"), pl.col("mem_avg_pct"), pl.col("net_avg_pct")

    def all_at_most(limit_cpu: float, limit_mem: float, limit_net: float, strict: bool) -> pl.Expr:
        def ok(col: pl.Expr, lim: float) -> pl.Expr:
            return col.is_null() | ((col < lim) if strict else (col <= lim))

        return ok(cpu, limit_cpu) & ok(mem, limit_mem) & ok(net, limit_net)

    z = t.zombie_pct
    return (
        pl.when(cpu.is_null() & mem.is_null())
        .then(pl.lit(UtilisationClass.UNKNOWN.value))
        .when(all_at_most(z, z, z, strict=False))
        .then(pl.lit(UtilisationClass.ZOMBIE.value))
        .when(all_at_most(t.idle_cpu_pct, t.idle_mem_pct, t.idle_net_pct, strict=True))
        .then(pl.lit(UtilisationClass.IDLE.value))
        .otherwise(pl.lit(UtilisationClass.ACTIVE.value))
        .alias("utilisation_class")
    )

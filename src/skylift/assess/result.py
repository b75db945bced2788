"""The assessment result: Polars frames for the bulk rows, typed values on demand.

``servers``: one row per server (sizing, confidence, class, strategy).
``targets``: one row per server × cloud × region (instance, cost, readiness).
Column meanings are listed in docs/assess.md; :meth:`Assessment.recommendations`
and :meth:`Assessment.sized` give the typed view of a server's rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from skylift.domain.assessment import (
    AssessmentSummary,
    Readiness,
    ReadinessResult,
    Recommendation,
    SizedServer,
    SizingBasis,
    StrategyChoice,
    UtilisationClass,
)

SERVER_COLUMNS = (
    "server_key", "name", "application", "power_state", "cost_scope", "os_name", "cores",
    "memory_gib",
    "cpu_demand", "memory_demand_gib", "basis", "sizing_note", "coverage_pct",
    "confidence_stars", "utilisation_class", "cpu_avg_pct", "mem_avg_pct", "net_avg_pct",
    "egress_gb_month", "storage_used_gib", "storage_demand_gib", "disk_growth", "db_engine",
    "strategy", "service_model", "strategy_score",
    "strategy_reason", "alternatives",
)  # fmt: skip
TARGET_COLUMNS = (
    "server_key", "cloud", "region", "instance_type", "family", "vcpus", "instance_memory_gib",
    "price_hour", "pricing_used", "hour_on_demand", "hour_spot", "hour_commit_1y",
    "hour_commit_3y", "compute_month", "disk_month", "disk_tiers", "egress_month",
    "total_month", "currency", "readiness", "readiness_rule", "readiness_reason",
    "remediation", "not_sized_reason",
)  # fmt: skip


@dataclass(frozen=True)
class Assessment:
    """Everything one ``assess`` run produced."""

    servers: pl.DataFrame
    targets: pl.DataFrame
    applications: tuple[StrategyChoice, ...]
    strategies: dict[str, StrategyChoice]
    summary: AssessmentSummary

    def sized(self, server_key: str) -> SizedServer:
        """The sizing of one server as a typed value (KeyError if unknown)."""
        rows = self.servers.filter(pl.col("server_key") == server_key)
        if rows.height == 0:
            raise KeyError(server_key)
        r = rows.row(0, named=True)
        return SizedServer(
            key=r["server_key"],
            name=r["name"],
            cores=r["cores"],
            memory_gib=r["memory_gib"],
            cpu_demand=r["cpu_demand"],
            memory_demand_gib=r["memory_demand_gib"],
            basis=SizingBasis(r["basis"]),
            coverage_pct=r["coverage_pct"],
            confidence_stars=r["confidence_stars"],
            utilisation_class=UtilisationClass(r["utilisation_class"]),
            reason=r["sizing_note"] or "",
        )

    def recommendations(self, server_key: str) -> tuple[Recommendation, ...]:
        """One typed recommendation per target region for ``server_key``."""
        out = []
        for r in self.targets.filter(pl.col("server_key") == server_key).iter_rows(named=True):
            out.append(
                Recommendation(
                    server_key=r["server_key"],
                    cloud=r["cloud"],
                    region=r["region"],
                    instance_type=r["instance_type"],
                    vcpus=r["vcpus"],
                    memory_gib=r["instance_memory_gib"],
                    price_hour=r["price_hour"],
                    pricing_used=r["pricing_used"] or "on_demand",
                    compute_month=r["compute_month"],
                    disk_month=r["disk_month"],
                    egress_month=r["egress_month"],
                    total_month=r["total_month"],
                    currency=r["currency"],
                    disk_tiers=r["disk_tiers"] or "",
                    readiness=ReadinessResult(
                        cloud=r["cloud"],
                        status=Readiness(r["readiness"]),
                        rule=r["readiness_rule"],
                        reason=r["readiness_reason"],
                        remediation=r["remediation"],
                    ),
                    not_sized_reason=r["not_sized_reason"] or "",
                )
            )
        return tuple(out)

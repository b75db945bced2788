"""The assess stage: servers + dependencies + samples + catalog + policy → Assessment."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import polars as pl

from skylift.assess.currency import STORAGE_CURRENCY, conversion_note, rate
from skylift.assess.demand import Forecaster, read_demand, wants_forecast
from skylift.assess.disks import disks_frame, price_disks
from skylift.assess.egress import egress_per_server
from skylift.assess.forecast import DemandForecast
from skylift.assess.policy import AssessPolicy
from skylift.assess.pricing import check_exclusions, choose_instances
from skylift.assess.readiness import readiness_columns
from skylift.assess.result import SERVER_COLUMNS, TARGET_COLUMNS, Assessment
from skylift.assess.scope import cost_scope_expr, is_powered_off
from skylift.assess.sizing import NO_DATA_NOTE, servers_frame, size_servers
from skylift.assess.strategy import application_strategies, strategy_frame
from skylift.assess.summary import cheapest, region_totals, tco_results
from skylift.catalog.loader import Catalog
from skylift.domain.assessment import AssessmentSummary
from skylift.domain.inventory import Dependency, Server
from skylift.domain.progress import NULL_PROGRESS, Progress
from skylift.errors import InputError

__all__ = ["Forecaster", "assess", "default_forecaster"]


def default_forecaster() -> DemandForecast:
    """The built-in demand forecast (:class:`skylift.assess.forecast.DemandForecast`)."""
    return DemandForecast()


def assess(
    servers: Sequence[Server],
    dependencies: Sequence[Dependency],
    samples: pl.LazyFrame,
    catalog: Catalog,
    policy: AssessPolicy,
    progress: Progress = NULL_PROGRESS,
    *,
    forecaster: Forecaster | None = None,
    parquet_files: Sequence[Path] = (),
) -> Assessment:
    """Size, price, check readiness, classify and choose a strategy for every server.

    ``samples`` is the long series frame (``server_key, ts, metric, value``);
    ``parquet_files`` (optional) are the files behind it, streamed when they
    are clustered by server. ``forecaster`` plugs in demand forecasting: the
    built-in one (:func:`default_forecaster`) works on the peaks of the
    sizing pass; any other callable reads ``samples`` itself. Raises
    :class:`InputError` for an empty estate and :class:`ConfigError` for a
    cloud or region not in the catalog, or for prices in a currency other
    than ``policy.currency`` without a rate in ``policy.currency_rates``.
    Powered-off servers stay out of the totals and the TCO unless
    ``policy.include_powered_off`` (column ``cost_scope`` says why).
    """
    if not servers:
        raise InputError(
            "the estate is empty: no servers to assess",
            "import an inventory first, e.g. 'skylift discover rvtools RVTools.xlsx'",
        )
    for t in policy.targets:
        catalog.check_region(t.cloud, t.region)
        rate(policy, catalog.currency(t.cloud, t.region), f"{t.cloud}/{t.region} instance prices")
    rate(policy, STORAGE_CURRENCY, "the catalog's disk and egress prices")
    check_exclusions(catalog, policy)
    frame = servers_frame(servers)
    demand = read_demand(
        samples, frame["server_key"].to_list(), policy, progress, parquet_files, forecaster
    )
    obs = demand.observed
    progress.begin("Sizing", total=len(policy.targets) + 2, unit="steps")
    sized = size_servers(frame, obs, policy, demand.forecast, demand.storage)
    disks = disks_frame(servers, sized, policy.headroom_factor)
    progress.advance()
    warnings: list[str] = list(catalog.warnings)
    per_target = []
    unsupported: set[str] | None = None
    for t in policy.targets:
        choice = choose_instances(sized, catalog, t.cloud, t.region, policy)
        dp = price_disks(disks, catalog, t.cloud, t.region)
        egress, note = egress_per_server(sized["egress_gb_month"], catalog, t.cloud, t.region)
        warnings += [n for n in (*dp.notes, note) if n and n not in warnings]
        partial = catalog.missing_note(t.cloud, t.region)
        if partial:
            warnings.append(
                partial + "; types without a price there are not considered (compare with a "
                "fully covered region such as us-east-1)"
            )
        here = catalog.currency(t.cloud, t.region)
        what = f"{t.cloud}/{t.region} instance prices"
        choice = _converted(choice, rate(policy, here, what), policy.currency)
        store_rate = rate(policy, STORAGE_CURRENCY, "disk and egress prices")
        egress = egress * store_rate
        per_server_disks = dp.per_server.with_columns(pl.col("disk_month") * store_rate)
        warnings += [
            n
            for n in (
                conversion_note(policy, here, what),
                conversion_note(policy, STORAGE_CURRENCY, "disk and egress prices"),
            )
            if n and n not in warnings
        ]
        rows = (
            choice.join(
                pl.DataFrame({"server_key": sized["server_key"], "egress_month": egress}),
                on="server_key",
                how="left",
                maintain_order="left",
            )
            .join(per_server_disks, on="server_key", how="left", maintain_order="left")
            .with_columns(
                pl.col("disk_month").fill_null(0.0),
                pl.lit(t.cloud).alias("cloud"),
                pl.lit(t.region).alias("region"),
            )
            .with_columns(
                pl.when(pl.col("instance_type").is_null())
                .then(0.0)
                .otherwise(pl.col("compute_month") + pl.col("disk_month") + pl.col("egress_month"))
                .alias("total_month"),
                pl.when(pl.col("instance_type").is_null())
                .then(0.0)
                .otherwise(pl.col("egress_month"))
                .alias("egress_month"),
            )
        )
        ready = readiness_columns(
            rows.select("server_key", "not_sized_reason", "disk_blocker", "disk_striped").join(
                sized, on="server_key", how="left", maintain_order="left"
            ),
            t.cloud,
        )
        rows = pl.concat([rows, ready], how="horizontal").select(list(TARGET_COLUMNS))
        fell_back = rows.filter(
            pl.col("instance_type").is_not_null() & (pl.col("pricing_used") != policy.pricing)
        ).height
        if fell_back:
            warnings.append(
                f"{t.cloud}/{t.region}: no {policy.pricing} prices in the catalog for "
                f"{fell_back} chosen size(s); on-demand used"
            )
        os_blocked = set(
            rows.filter(
                (pl.col("readiness") == "not_ready")
                & ~pl.col("readiness_rule").is_in(["no-fitting-size", "disk-over-limit"])
            )["server_key"].to_list()
        )
        unsupported = os_blocked if unsupported is None else unsupported & os_blocked
        per_target.append(rows)
        progress.advance()
    targets = pl.concat(per_target, how="vertical")
    classes = dict(
        zip(sized["server_key"].to_list(), sized["utilisation_class"].to_list(), strict=True)
    )
    off = frozenset(
        () if policy.include_powered_off else (s.key for s in servers if is_powered_off(s))
    )
    strat, choices = strategy_frame(
        servers, dependencies, classes, unsupported or set(), policy.goals, policy.classes, off
    )
    srv = (
        sized.join(strat, on="server_key", how="left", maintain_order="left")
        .with_columns(cost_scope_expr(policy.include_powered_off))
        .select([*SERVER_COLUMNS, "provisioned_gib"])
    )
    progress.advance()
    progress.end()
    in_scope = srv.filter(pl.col("cost_scope").is_null()).select("server_key")
    totals = region_totals(targets.join(in_scope, on="server_key", how="semi"))
    if off:
        warnings.append(
            f"{len(off)} powered-off server(s) are retire candidates, left out of the cost "
            "totals, the TCO and the migration waves (column cost_scope); "
            "--include-powered-off or assess.include_powered_off to cost and migrate them"
        )
    best, margin = cheapest(totals, policy.currency.upper())
    low = srv.filter(pl.col("coverage_pct") < policy.confidence_warn_pct).height
    if low:
        warnings.append(
            f"{low} server(s) have less than {policy.confidence_warn_pct:g} % of the expected "
            "data points: "
            "confidence is low; collect longer or size them as-is"
        )
    blind = srv.filter(pl.col("sizing_note") == NO_DATA_NOTE).height
    if blind:
        warnings.append(
            f"{blind} server(s) have no utilisation data: sized as on-premises (allocated "
            "cores and memory, no headroom), confidence 1★; import performance data to "
            "right-size them"
        )
    dups = int(obs["duplicates"].sum() or 0) if obs.height else 0
    if dups:
        warnings.append(f"{dups} duplicate sample(s) (same server, metric, time) were merged")
    grown = srv.filter(pl.col("disk_growth") > 1.0).height
    if grown:
        warnings.append(
            f"{grown} server(s) need more disk than provisioned by the storage forecast "
            f"(used + growth over {policy.forecast_horizon_days} days): their disks are "
            "priced grown (column disk_growth)"
        )
    unsized = srv.filter(pl.col("cpu_demand").is_null()).height
    if unsized:
        warnings.append(f"{unsized} server(s) could not be sized (no cores or memory recorded)")
    if policy.egress_share_pct > 0:
        warnings.append(
            f"egress assumes {policy.egress_share_pct:g} % of observed network-out leaves the "
            "cloud (policy egress_share_pct)"
        )
    if policy.method == "performance" and not wants_forecast(forecaster, policy):
        warnings.append("no demand forecast applied (sized to the observed statistic)")
    summary = AssessmentSummary(
        servers=srv.height,
        sized=srv.height - unsized,
        not_sized=unsized,
        totals=totals,
        cheapest=best,
        cheapest_margin_pct=margin,
        classes=_counts(srv["utilisation_class"]),
        strategies=_counts(srv["strategy"]),
        confidence={
            str(k): v
            for k, v in _counts(srv["confidence_stars"].cast(pl.String).fill_null("none")).items()
        },
        tco=tco_results(
            srv.filter(pl.col("cost_scope").is_null()),
            targets,
            policy,
            srv.height - in_scope.height,
        ),
        warnings=tuple(warnings),
    )
    return Assessment(
        servers=srv.drop("provisioned_gib"),
        targets=targets,
        applications=application_strategies(servers, choices),
        strategies=choices,
        summary=summary,
    )


def _converted(choice: pl.DataFrame, factor: float, currency: str) -> pl.DataFrame:
    """Instance prices × ``factor``, labelled with the reporting ``currency``."""
    money = ["price_hour", "hour_on_demand", "hour_spot", "hour_commit_1y", "hour_commit_3y",
             "compute_month"]  # fmt: skip
    return choice.with_columns(
        *[(pl.col(c) * factor) for c in money if factor != 1.0],
        pl.lit(currency.upper()).alias("currency"),
    )


def _counts(col: pl.Series) -> dict[str, int]:
    vc = col.fill_null("unknown").value_counts(sort=True)
    return {str(k): int(v) for k, v in vc.iter_rows()}

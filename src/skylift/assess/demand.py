"""One read of the utilisation series: observed statistics, demand and storage forecasts.

The built-in forecast (:class:`~skylift.assess.forecast.DemandForecast`) is fed
the 10-minute peaks the sizing pass rolls up anyway (a
:class:`~skylift.assess.observed.PeakConsumer`), so the samples are read and
rolled up once; a plugged-in forecaster reads ``samples`` itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import polars as pl

from skylift.assess.forecast import (
    DEMAND_SCHEMA,
    STORAGE_METRIC,
    STORAGE_SCHEMA,
    DemandForecast,
    forecast_storage,
)
from skylift.assess.forecast.features import RolledSeries
from skylift.assess.observed import (
    OBSERVED_SCHEMA,
    ObservedSettings,
    PeakConsumer,
    series_statistics,
    statistic_quantile,
)
from skylift.assess.policy import AssessPolicy
from skylift.domain.progress import Progress

#: ``forecast_demand(samples, metrics, statistic_quantile, horizon_days, min_history_days)``
Forecaster = Callable[[pl.LazyFrame, Sequence[str], float | None, int, float], pl.DataFrame]


@dataclass(frozen=True)
class Demand:
    """What sizing needs from the series.

    ``forecast`` has the columns of ``forecast_demand`` (None: no forecast),
    ``storage`` those of ``forecast_storage`` (servers with a ``disk_used_gib``
    series only).
    """

    observed: pl.DataFrame
    forecast: pl.DataFrame | None
    storage: pl.DataFrame


def wants_forecast(forecaster: Forecaster | None, policy: AssessPolicy) -> bool:
    """Whether the policy and the arguments ask for a forecast."""
    return (
        forecaster is not None
        and policy.forecast
        and policy.method == "performance"
        and policy.forecast_horizon_days > 0
    )


def grows_storage(forecaster: Forecaster | None, policy: AssessPolicy) -> bool:
    """Whether used storage is projected to the horizon (a linear trend, not the demand model).

    Independent of ``policy.forecast``: switching the CPU/memory forecast off
    (the default, docs/forecast.md) keeps disks sized for their growth.
    """
    return (
        forecaster is not None
        and policy.method == "performance"
        and policy.forecast_horizon_days > 0
    )


def read_demand(
    samples: pl.LazyFrame,
    server_keys: Sequence[str],
    policy: AssessPolicy,
    progress: Progress,
    parquet_files: Sequence[Path],
    forecaster: Forecaster | None,
) -> Demand:
    """Observed statistics and, when wanted, the forecasts — in one read for the built-in one."""
    no_storage = pl.DataFrame(schema=STORAGE_SCHEMA)
    if policy.method != "performance":
        return Demand(pl.DataFrame(schema=OBSERVED_SCHEMA), None, no_storage)
    wanted = wants_forecast(forecaster, policy)
    grows = grows_storage(forecaster, policy)
    fused = forecaster if grows and isinstance(forecaster, DemandForecast) else None
    stats = series_statistics(
        samples,
        server_keys,
        ObservedSettings(
            window_days=policy.window_days,
            cpu_quantile=statistic_quantile(policy.cpu_statistic),
            memory_quantile=statistic_quantile(policy.memory_statistic),
        ),
        progress,
        parquet_files,
        None if fused is None else _consumer(fused, policy, demand=wanted),
    )
    if fused is not None:
        got = stats.consumed
        demand = [*got.get("cpu_pct", []), *got.get("mem_pct", [])]
        return Demand(
            stats.observed,
            None
            if not wanted
            else pl.concat(demand).sort("server_key", "metric")
            if demand
            else pl.DataFrame(schema=DEMAND_SCHEMA),
            pl.concat(got[STORAGE_METRIC]).sort("server_key")
            if got.get(STORAGE_METRIC)
            else no_storage,
        )
    if forecaster is None or not grows:
        return Demand(stats.observed, None, no_storage)
    return Demand(
        stats.observed,
        _separate_forecast(forecaster, samples, policy) if wanted else None,
        forecast_storage(samples, policy.forecast_horizon_days),
    )


def _consumer(forecaster: DemandForecast, policy: AssessPolicy, *, demand: bool) -> PeakConsumer:
    """Forecast blocks fed by the sizing pass: storage always, CPU/memory when ``demand``."""
    args = (policy.forecast_horizon_days, policy.min_history_days)
    cq = statistic_quantile(policy.cpu_statistic)
    mq = statistic_quantile(policy.memory_statistic)
    blocks: dict[str, Callable[[RolledSeries], pl.DataFrame]] = {
        STORAGE_METRIC: partial(_storage_block, forecaster, policy.forecast_horizon_days)
    }
    if demand:
        blocks["cpu_pct"] = partial(_block, forecaster, cq, *args)
        blocks["mem_pct"] = partial(_block, forecaster, mq, *args)
    return PeakConsumer(history_days=forecaster.history_days, blocks=blocks)


def _block(
    forecaster: DemandForecast,
    quantile: float | None,
    horizon_days: int,
    min_history_days: float,
    rolled: RolledSeries,
) -> pl.DataFrame:
    return forecaster.block(rolled, quantile, horizon_days, min_history_days)


def _storage_block(
    forecaster: DemandForecast, horizon_days: int, rolled: RolledSeries
) -> pl.DataFrame:
    return forecaster.storage_block(rolled, horizon_days)


def _separate_forecast(
    forecaster: Forecaster, samples: pl.LazyFrame, policy: AssessPolicy
) -> pl.DataFrame:
    """A plugged-in forecaster reads the samples itself."""
    cq = statistic_quantile(policy.cpu_statistic)
    mq = statistic_quantile(policy.memory_statistic)
    args = (policy.forecast_horizon_days, policy.min_history_days)
    if cq == mq:
        return forecaster(samples, ["cpu_pct", "mem_pct"], cq, *args)
    return pl.concat(
        [forecaster(samples, ["cpu_pct"], cq, *args), forecaster(samples, ["mem_pct"], mq, *args)],
        how="diagonal_relaxed",
    )

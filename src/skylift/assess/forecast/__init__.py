"""Demand forecast: what each server will need over the next days, from its history.

:func:`forecast_demand` answers, per server and metric, "what will the P95 (or
the mean) of the 10-minute peaks be over the next ``horizon_days``?" — the
number right-sizing multiplies by its comfort factor. :func:`forecast_storage`
answers "how much disk will be used after ``horizon_days``?" (current data +
growth rate × time).

The method, in one paragraph (docs/forecast.md has the why and the measured
accuracy): roll raw samples up to 10-minute peaks; compute the statistic per
UTC day; fit a robust trend with a weekday profile to those daily values
(:mod:`skylift.assess.forecast.models`); shrink the slope by its uncertainty;
then take the last 30 days of peaks — which carry the daily and weekly
seasonality and the noise as they really were — re-level them along the
damped trend onto the horizon, clip to physical bounds, and compute the
statistic of that projected month. With no clear trend the forecast equals
the observed statistic, exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from skylift.assess.forecast.features import (
    DAY_S,
    F64,
    I64,
    RolledSeries,
    check_samples,
    coarser,
    daily_statistics,
    grouped_statistic,
    keyed_statistic,
    parse_rollup,
)
from skylift.assess.forecast.models import TrendSettings, damped_offset, fit_trends
from skylift.assess.forecast.stream import map_blocks
from skylift.domain.progress import NULL_PROGRESS, Progress
from skylift.errors import InputError

__all__ = [
    "DEMAND_SCHEMA",
    "METHOD_INSUFFICIENT",
    "METHOD_MODEL",
    "OBSERVATION_WINDOW_DAYS",
    "STORAGE_METRIC",
    "STORAGE_SCHEMA",
    "DemandForecast",
    "TrendSettings",
    "forecast_demand",
    "forecast_storage",
    "is_percent_metric",
]

OBSERVATION_WINDOW_DAYS = 30
METHOD_MODEL = "model"
METHOD_INSUFFICIENT = "observed-insufficient-history"
STORAGE_METRIC = "disk_used_gib"

DEMAND_SCHEMA: dict[str, pl.DataType] = {
    "server_key": pl.String(),
    "metric": pl.String(),
    "observed": pl.Float64(),
    "forecast": pl.Float64(),
    "method": pl.String(),
    "history_days": pl.Float64(),
    "trend_per_day": pl.Float64(),
}
STORAGE_SCHEMA: dict[str, pl.DataType] = {
    "server_key": pl.String(),
    "used_now": pl.Float64(),
    "growth_per_day": pl.Float64(),
    "forecast": pl.Float64(),
    "history_days": pl.Float64(),
}
STORAGE_ROLLUP_S = 3_600
#: Storage grows by accumulation: no weekday profile, no damping.
STORAGE_TREND = TrendSettings(
    fit_window_days=90, weekly_min_days=1_000_000, min_coverage=0.0, damping_per_day=1.0
)


def is_percent_metric(metric: str) -> bool:
    """Whether ``metric`` is a percentage (name ends in ``_pct``), forecast within 0–100.

    (Or up to the series' own largest peak, when its data goes beyond 100 %.)
    """
    return metric.endswith("_pct")


def forecast_demand(
    samples: pl.LazyFrame,
    metrics: Sequence[str],
    statistic_quantile: float | None,
    horizon_days: int,
    min_history_days: float = 7.0,
    rollup: str = "10m",
    *,
    settings: TrendSettings | None = None,
    progress: Progress = NULL_PROGRESS,
) -> pl.DataFrame:
    """Forecast each (server, metric)'s demand statistic over the next ``horizon_days``.

    ``samples`` is long format (``server_key``, ``ts`` datetime UTC, ``metric``,
    ``value``), irregular and gappy is fine. Samples are rolled up to
    ``rollup`` peaks first. Returns one row per (server_key, metric) present,
    sorted, with the columns of :data:`DEMAND_SCHEMA`:

    * ``observed`` — the statistic (``statistic_quantile``, e.g. 0.95, or the
      mean when it is ``None``) over the most recent 30 days of peaks;
    * ``forecast`` — the same statistic predicted over the horizon, clipped to
      0–100 for ``*_pct`` metrics (to the series' largest peak when the data
      shows more than 100 %) and to ≥ 0 otherwise; equal to ``observed``
      when the history is shorter than ``min_history_days``;
    * ``method`` — :data:`METHOD_MODEL` or :data:`METHOD_INSUFFICIENT`;
    * ``history_days`` — first to last peak, plus one roll-up interval;
    * ``trend_per_day`` — the (uncertainty-shrunk) trend applied, in the
      metric's unit per day, before damping; 0 when none is applied.

    Raises :class:`InputError` for missing columns, wrong types or bad arguments.
    Never returns NaN.
    """
    _check_arguments(statistic_quantile, horizon_days, min_history_days)
    check_samples(samples)
    rollup_s = parse_rollup(rollup)
    model = settings or TrendSettings()
    progress.begin("forecast: roll up, fit and project", unit="samples")
    parts = map_blocks(
        samples,
        metrics,
        rollup_s,
        lambda rolled: _forecast_block(
            rolled, statistic_quantile, horizon_days, min_history_days, model
        ),
        progress,
    )
    progress.end()
    if not parts:
        return pl.DataFrame(schema=DEMAND_SCHEMA)
    return pl.concat(parts).sort("server_key", "metric")


@dataclass(frozen=True)
class DemandForecast:
    """The built-in demand forecaster, as a value the assessment can carry.

    Calling it is :func:`forecast_demand` (a read of its own); the assessment
    instead feeds :meth:`block` the 10-minute peaks it already rolls up for
    sizing, so the series are read once for both. The two give the same rows.
    """

    settings: TrendSettings = field(default_factory=TrendSettings)

    def __call__(
        self,
        samples: pl.LazyFrame,
        metrics: Sequence[str],
        statistic_quantile: float | None,
        horizon_days: int,
        min_history_days: float,
    ) -> pl.DataFrame:
        """:func:`forecast_demand` with these settings and 10-minute peaks."""
        return forecast_demand(
            samples,
            metrics,
            statistic_quantile,
            horizon_days,
            min_history_days,
            settings=self.settings,
        )

    @property
    def history_days(self) -> float:
        """Days of peaks before each series' last one that :meth:`block` needs."""
        return float(max(self.settings.fit_window_days, OBSERVATION_WINDOW_DAYS))

    def block(
        self,
        rolled: RolledSeries,
        statistic_quantile: float | None,
        horizon_days: int,
        min_history_days: float,
    ) -> pl.DataFrame:
        """The :data:`DEMAND_SCHEMA` rows of a block of whole series' roll-up peaks.

        ``rolled`` must hold each series' last :attr:`history_days` at least
        (more is ignored). Raises :class:`InputError` for bad arguments.
        """
        _check_arguments(statistic_quantile, horizon_days, min_history_days)
        return _forecast_block(
            rolled, statistic_quantile, horizon_days, min_history_days, self.settings
        )

    def storage_block(self, rolled: RolledSeries, horizon_days: int) -> pl.DataFrame:
        """:data:`STORAGE_SCHEMA` rows (as :func:`forecast_storage`) of a block of peaks."""
        _check_arguments(None, horizon_days, 0.0)
        return _storage_block(coarser(rolled, STORAGE_ROLLUP_S), horizon_days, STORAGE_TREND)


def _forecast_block(
    rolled: RolledSeries,
    quantile: float | None,
    horizon_days: int,
    min_history_days: float,
    model: TrendSettings,
) -> pl.DataFrame:
    """The forecast rows of one block of whole series."""
    history = rolled.history_days()
    age_s = rolled.age_s()
    daily = daily_statistics(rolled, age_s, quantile, model.fit_window_days)
    weight = (daily.coverage >= model.min_coverage).astype(np.float64)
    anchor = rolled.anchor_day()
    fit = fit_trends(daily.group, daily.day, daily.value, weight, rolled.size, anchor, model)
    sufficient = history >= min_history_days
    slope = np.where(sufficient, fit.slope_used, 0.0)
    observed, projected = _project(rolled, age_s, history, slope, quantile, horizon_days, model)
    return pl.DataFrame(
        {
            "server_key": rolled.server_key,
            "metric": rolled.metric,
            "observed": observed,
            "forecast": np.where(sufficient, projected, observed),
            "method": np.where(sufficient, METHOD_MODEL, METHOD_INSUFFICIENT).tolist(),
            "history_days": history,
            "trend_per_day": slope + 0.0,
        },
        schema=DEMAND_SCHEMA,
    )


def _project(
    rolled: RolledSeries,
    age: I64,
    history: F64,
    slope: F64,
    quantile: float | None,
    horizon_days: int,
    model: TrendSettings,
) -> tuple[F64, F64]:
    """Observed statistic of the last 30 days, and of those days re-levelled onto the horizon.

    A peak ``a`` days before the series' last one is first moved to the level
    at the end of history (``+ slope·a``), then to its place in the horizon:
    the 30-day window is stretched over the horizon, oldest peak to its start
    and newest to its end, and the damped trend up to that place is added.
    """
    keep = age < OBSERVATION_WINDOW_DAYS * DAY_S
    everything = bool(keep.all())
    group = rolled.group if everything else rolled.group[keep]
    values = rolled.value if everything else rolled.value[keep]
    observed, _ = grouped_statistic(group, values, quantile, rolled.size)
    upper = percent_ceiling(rolled)
    # Quantiles commute with clipping, so a series without trend needs no projection.
    forecast = np.clip(observed, 0.0, upper)
    moving = slope[group] != 0.0
    if not moving.any():
        return observed, forecast
    group, values = group[moving], values[moving]
    age_days = age[keep][moving] / DAY_S
    span = np.clip(history, rolled.rollup_s / DAY_S, OBSERVATION_WINDOW_DAYS)[group]
    place = np.subtract(span, age_days)
    place /= span
    np.clip(place, 0.0, 1.0, out=place)
    place *= horizon_days
    projected = damped_offset(place, model.damping_per_day)
    projected += age_days
    projected *= slope[group]
    projected += values
    np.clip(projected, 0.0, upper[group], out=projected)
    ids, stat, _ = keyed_statistic(group, projected, quantile)
    forecast[ids] = stat
    return observed, forecast


def percent_ceiling(rolled: RolledSeries) -> F64:
    """Per series, the highest value a forecast may reach.

    ``*_pct`` metrics: 100, or the series' largest peak when the source has
    reported more than 100 % (CPU usage above the provisioned capacity, as the
    Bitbrains traces show up to 104 %) — the data is believed, not clipped.
    Other metrics: unbounded.
    """
    percent = np.array([is_percent_metric(m) for m in rolled.metric], dtype=bool)
    upper = np.full(rolled.size, np.inf)
    if percent.any() and rolled.value.size:
        peak = np.fmax.reduceat(rolled.value, rolled.starts)  # NaN-ignoring
        upper[percent] = np.fmax(100.0, peak[percent])
    return upper


def forecast_storage(
    samples: pl.LazyFrame,
    horizon_days: int,
    *,
    metric: str = STORAGE_METRIC,
    rollup: str = "1h",
    settings: TrendSettings | None = None,
    progress: Progress = NULL_PROGRESS,
) -> pl.DataFrame:
    """Forecast used storage per server: ``used_now + growth_per_day × horizon_days``.

    Reads the ``disk_used_gib`` series (or ``metric``) of ``samples``.
    ``used_now`` is the latest peak; ``growth_per_day`` is the robust linear
    trend of the daily maxima over the last 90 days, shrunk toward 0 when it is
    not clearly above the noise (0 with fewer than 5 days of history; negative
    when data shrinks). ``forecast`` is floored at 0. Columns: :data:`STORAGE_SCHEMA`,
    one row per server, sorted. Never returns NaN.
    """
    _check_arguments(None, horizon_days, 0.0)
    check_samples(samples)
    rollup_s = parse_rollup(rollup)
    model = settings or STORAGE_TREND
    progress.begin("forecast: storage growth")
    parts = map_blocks(
        samples,
        [metric],
        rollup_s,
        lambda rolled: _storage_block(rolled, horizon_days, model),
        progress,
    )
    progress.end()
    if not parts:
        return pl.DataFrame(schema=STORAGE_SCHEMA)
    return pl.concat(parts).sort("server_key")


def _storage_block(rolled: RolledSeries, horizon_days: int, model: TrendSettings) -> pl.DataFrame:
    """The storage forecast rows of one block of whole series."""
    daily = daily_statistics(rolled, rolled.age_s(), 1.0, model.fit_window_days)
    weight = (daily.coverage >= model.min_coverage).astype(np.float64)
    anchor = rolled.anchor_day()
    fit = fit_trends(daily.group, daily.day, daily.value, weight, rolled.size, anchor, model)
    used_now = rolled.value[rolled.starts + rolled.counts - 1]
    growth = fit.slope_used + 0.0
    return pl.DataFrame(
        {
            "server_key": rolled.server_key,
            "used_now": used_now,
            "growth_per_day": growth,
            "forecast": np.maximum(used_now + growth * horizon_days, 0.0),
            "history_days": rolled.history_days(),
        },
        schema=STORAGE_SCHEMA,
    )


def _check_arguments(
    statistic_quantile: float | None, horizon_days: int, min_history_days: float
) -> None:
    """Raise :class:`InputError` for arguments outside their ranges."""
    if statistic_quantile is not None and not 0.0 <= statistic_quantile <= 1.0:
        raise InputError(
            f"statistic quantile {statistic_quantile!r} is outside 0–1",
            "pass e.g. 0.95 for P95, or None for the mean",
        )
    if isinstance(horizon_days, bool) or not isinstance(horizon_days, int) or horizon_days < 1:
        raise InputError(
            f"forecast horizon {horizon_days!r} days is not a whole number ≥ 1",
            "pass the number of days to plan for, e.g. 30",
        )
    if not min_history_days >= 0:
        raise InputError(
            f"minimum history {min_history_days!r} days is negative",
            "pass e.g. 7 (days of samples needed before a trend is fitted)",
        )

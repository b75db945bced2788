"""Synthetic utilisation series with known shape, for the forecast tests."""

from __future__ import annotations

import datetime as dt

import numpy as np
import numpy.typing as npt
import polars as pl

START = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)  # a Monday
STEP_MIN = 10


def shape(
    days: npt.NDArray[np.float64],
    level: float = 30.0,
    trend: float = 0.0,
    daily: float = 0.0,
    weekend_drop: float = 0.0,
) -> npt.NDArray[np.float64]:
    """Level + linear trend + daily sine + lower weekends, at times ``days`` since START."""
    weekday = np.floor(days) % 7
    weekend = (weekday >= 5).astype(np.float64)
    return level + trend * days + daily * np.sin(2 * np.pi * days) - weekend_drop * weekend


def frame(
    server: str,
    metric: str,
    values: npt.NDArray[np.float64],
    start_day: float = 0.0,
    step_min: int = STEP_MIN,
    days: npt.NDArray[np.float64] | None = None,
) -> pl.DataFrame:
    """Long-format samples of one series: at ``days`` since START, or one every ``step_min``."""
    offsets = (
        start_day * 86_400 + np.arange(values.size) * step_min * 60
        if days is None
        else days * 86_400
    )
    ts = np.datetime64(START.replace(tzinfo=None), "us") + np.round(offsets * 1e6).astype(
        "timedelta64[us]"
    )
    return pl.DataFrame(
        {
            "server_key": pl.Series([server] * values.size, dtype=pl.String),
            "ts": pl.Series(ts).dt.replace_time_zone("UTC"),
            "metric": pl.Series([metric] * values.size, dtype=pl.String),
            "value": values,
        }
    )


def grid(days: float, step_min: int = STEP_MIN, start_day: float = 0.0) -> npt.NDArray[np.float64]:
    """Sample times in days since START."""
    n = round(days * 1440 / step_min)
    return start_day + np.arange(n) * step_min / 1440

"""The trend model of the demand forecast, fitted for many series at once.

Per series the daily statistic ``q_d`` (e.g. the day's P95 of 10-minute
peaks) is modelled as

    q_d = a + b·d + w[weekday(d)] + e_d

— a linear trend plus a day-of-week profile (weekly seasonality; daily
seasonality lives inside each day's distribution and is carried into the
forecast unchanged). It is fitted by robust least squares (Huber weights,
iteratively re-weighted, MAD scale) with backfitting of the weekday profile,
for a whole block of series at once as dense ``series × days`` NumPy
matrices: no per-series Python loop.

The slope is then shrunk toward zero by its own uncertainty
(``b · max(0, 1 − (t·se/b)²)`` with t = ``shrink_t``, a positive-part
James–Stein factor; ``se`` inflated for day-to-day autocorrelation), and set
to 0 when a single level shift explains the days much better than a line: a
trend that is not clearly there is not extrapolated. :func:`damped_offset`
projects it with a damped trend (Gardner & McKenzie), so far horizons do not
run away.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

HUBER_K = 1.345  # 95 % efficiency under normal errors
MAX_AUTOCORRELATION = 0.98
STEP_SHARE = 0.25  # a level shift must leave < a quarter of the line's squared error
_ITERATIONS = 4
_BLOCK = 32_768  # series per block: bounds memory to a few × BLOCK × days floats


@dataclass(frozen=True)
class TrendSettings:
    """Knobs of the trend model (defaults chosen on July→August Bitbrains data)."""

    fit_window_days: int = 90
    min_coverage: float = 0.8
    min_days: int = 5
    weekly_min_days: int = 14
    shrink_t: float = 3.0
    damping_per_day: float = 0.9


@dataclass(frozen=True)
class TrendFit:
    """Per-series result: the raw slope, its standard error and the slope used."""

    slope: F64
    slope_se: F64
    slope_used: F64
    days_used: I64


def fit_trends(
    group: I64,
    day: I64,
    value: F64,
    weight: F64,
    n_series: int,
    last_day: I64,
    settings: TrendSettings,
) -> TrendFit:
    """Fit the robust trend + weekday model to daily statistics of ``n_series`` series.

    ``group``/``day``/``value``/``weight`` are flat (one row per series-day);
    ``last_day[g]`` is series ``g``'s last day (days since the epoch). Days
    with weight 0 are ignored. Series with fewer than ``settings.min_days``
    usable days get slope 0. Slopes are in the value's unit per day.
    """
    slope = np.zeros(n_series)
    se = np.zeros(n_series)
    used = np.zeros(n_series, dtype=np.int64)
    span = settings.fit_window_days
    col = day - (last_day[group] - span + 1)
    ok = (col >= 0) & (col < span) & (weight > 0) & np.isfinite(value)
    group, col, value, weight = group[ok], col[ok], value[ok], weight[ok]
    # Only as many day columns as the longest history needs.
    first = int(col.min()) if col.size else span
    width = span - first
    col = col - first
    bounds = np.searchsorted(group, np.arange(0, n_series + _BLOCK, _BLOCK))
    for lo in range(0, n_series, _BLOCK):
        hi = min(lo + _BLOCK, n_series)
        rows = slice(bounds[lo // _BLOCK], bounds[lo // _BLOCK + 1])
        g = group[rows] - lo
        y = np.zeros((hi - lo, width))
        w = np.zeros((hi - lo, width))
        y[g, col[rows]] = value[rows]
        w[g, col[rows]] = weight[rows]
        days = last_day[lo:hi, None] - span + 1 + first + np.arange(width)[None, :]
        weekday = (days + 3) % 7
        b, s, n = _fit_block(y, w, weekday, settings)
        slope[lo:hi], se[lo:hi], used[lo:hi] = b, s, n
    shrunk = slope
    if settings.shrink_t > 0:
        with np.errstate(divide="ignore", invalid="ignore"):
            factor = np.where(slope != 0, 1.0 - (settings.shrink_t * se / slope) ** 2, 0.0)
        shrunk = slope * np.clip(np.nan_to_num(factor, nan=0.0), 0.0, 1.0)
    return TrendFit(slope, se, shrunk, used)


def _fit_block(y: F64, w0: F64, weekday: I64, settings: TrendSettings) -> tuple[F64, F64, I64]:
    """Robust line + weekday backfitting on a dense block; returns slope, se, days."""
    n_rows, span = y.shape
    t = np.arange(span, dtype=np.float64)[None, :]
    valid = w0 > 0
    days = valid.sum(axis=1)
    enough = days >= settings.min_days
    first = np.where(valid.any(axis=1), valid.argmax(axis=1), span)
    weekly = (span - first >= settings.weekly_min_days) & enough
    profile = np.zeros((n_rows, 7))
    robust = np.ones_like(y)
    slope = np.zeros(n_rows)
    resid = np.zeros_like(y)
    stt = np.zeros(n_rows)
    for _ in range(_ITERATIONS):
        w = w0 * robust
        season = np.take_along_axis(profile, weekday, axis=1)
        target = y - season
        sw = w.sum(axis=1)
        safe_sw = np.where(sw > 0, sw, 1.0)
        t_bar = (w * t).sum(axis=1) / safe_sw
        y_bar = (w * target).sum(axis=1) / safe_sw
        dt = t - t_bar[:, None]
        stt = (w * dt * dt).sum(axis=1)
        sty = (w * dt * (target - y_bar[:, None])).sum(axis=1)
        slope = np.where(stt > 0, sty / np.where(stt > 0, stt, 1.0), 0.0)
        line = y_bar[:, None] + slope[:, None] * dt
        detrended = y - line
        wd = np.zeros((n_rows, 7))
        wr = np.zeros((n_rows, 7))
        for k in range(7):
            on = weekday == k
            wd[:, k] = (w * on).sum(axis=1)
            wr[:, k] = (w * detrended * on).sum(axis=1)
        prof = wr / np.where(wd > 0, wd, 1.0)
        prof = np.where(wd > 0, prof, 0.0)
        centre = (prof * wd).sum(axis=1) / safe_sw
        profile = np.where(weekly[:, None], prof - centre[:, None], 0.0)
        resid = detrended - np.take_along_axis(profile, weekday, axis=1)
        robust = _huber_weights(resid, valid)
    w = w0 * robust
    params = 2 + np.where(weekly, 6, 0)
    dof = np.maximum(w0.sum(axis=1) - params, 1.0)
    sigma2 = (w * resid * resid).sum(axis=1) / dof
    # Day-to-day residuals are autocorrelated (regime shifts, not white noise):
    # inflate the variance by the AR(1) factor (1 + ρ)/(1 − ρ).
    rho = _lag1_autocorrelation(resid, valid)
    inflation = (1.0 + rho) / (1.0 - rho)
    se = np.sqrt(np.where(stt > 0, inflation * sigma2 / np.where(stt > 0, stt, 1.0), 0.0))
    deseasoned = y - np.take_along_axis(profile, weekday, axis=1)
    line_sse = (w0 * resid * resid).sum(axis=1)
    # A single level shift that explains the days better than a line is not a trend.
    stepped = _step_sse(deseasoned, w0, settings.min_days) < STEP_SHARE * line_sse
    slope = np.where(enough & ~stepped, slope, 0.0)
    se = np.where(enough & ~stepped, se, 0.0)
    return slope, se, days.astype(np.int64)


def _step_sse(y: F64, w: F64, min_side: int) -> F64:
    """Smallest weighted squared error of a two-level (one break) fit of each row.

    Each side of the break needs ``min_side`` days with data; rows where no
    break qualifies get +inf. Vectorised with cumulative sums over the days.
    """
    valid = (w > 0).astype(np.float64)
    cw, cy, cn = np.cumsum(w, axis=1), np.cumsum(w * y, axis=1), np.cumsum(valid, axis=1)
    tw, ty, tn = cw[:, -1:], cy[:, -1:], cn[:, -1:]
    total_sq = (w * y * y).sum(axis=1, keepdims=True)
    left_w, left_y, left_n = cw[:, :-1], cy[:, :-1], cn[:, :-1]
    right_w, right_y, right_n = tw - left_w, ty - left_y, tn - left_n
    ok = (left_n >= min_side) & (right_n >= min_side) & (left_w > 0) & (right_w > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        sse = total_sq - left_y**2 / left_w - right_y**2 / right_w
    best: F64 = np.where(ok, sse, np.inf).min(axis=1, initial=np.inf)
    return best


def _lag1_autocorrelation(resid: F64, valid: npt.NDArray[np.bool_]) -> F64:
    """Lag-1 autocorrelation of each row's residuals over consecutive valid days, in [0, 0.98]."""
    pair = valid[:, 1:] & valid[:, :-1]
    now = np.where(pair, resid[:, 1:], 0.0)
    before = np.where(pair, resid[:, :-1], 0.0)
    energy = np.where(valid, resid * resid, 0.0).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = (now * before).sum(axis=1) / energy
    clipped: F64 = np.clip(np.nan_to_num(rho, nan=0.0), 0.0, MAX_AUTOCORRELATION)
    return clipped


def _huber_weights(resid: F64, valid: npt.NDArray[np.bool_]) -> F64:
    """Huber weights ``min(1, k·scale/|r|)`` with scale = 1.4826 × MAD of valid residuals."""
    scale = 1.4826 * _row_median(np.abs(resid), valid)
    limit = HUBER_K * scale[:, None]
    abs_r = np.abs(resid)
    with np.errstate(divide="ignore", invalid="ignore"):
        weights = np.where(abs_r > limit, limit / abs_r, 1.0)
    # Zero scale (most residuals exactly 0) → keep plain least squares.
    return np.where((scale[:, None] > 0) & valid, weights, 1.0)


def _row_median(values: F64, valid: npt.NDArray[np.bool_]) -> F64:
    """Median of each row's valid entries (0 for a row without any), as ``np.nanmedian``.

    One sort of the matrix with invalid entries pushed to the end, instead of
    NumPy's per-row masked median.
    """
    ordered = np.sort(np.where(valid, values, np.inf), axis=1)
    n = valid.sum(axis=1)
    rows = np.arange(values.shape[0])
    low = ordered[rows, np.maximum((n - 1) // 2, 0)]
    high = ordered[rows, n // 2]
    return np.where(n > 0, (low + high) / 2.0, 0.0)


def damped_offset(u_days: F64, damping_per_day: float) -> F64:
    """Cumulative damped-trend multiplier after ``u`` days: Σ φ^j for j = 1..u (continuous).

    Equals ``u`` when φ = 1; tends to φ/(1 − φ) days of trend as ``u`` grows.
    """
    phi = damping_per_day
    if phi >= 1.0:
        return np.asarray(u_days, dtype=np.float64)
    out: F64 = np.multiply(u_days, np.log(phi))
    np.exp(out, out=out)
    np.subtract(1.0, out, out=out)
    out *= phi / (1.0 - phi)
    return out

"""How figures are written in the report: money, sizes, rates, durations."""

from __future__ import annotations


def money(value: float | None, currency: str = "USD") -> str:
    """``12,345 USD`` (no cents above 100)."""
    if value is None:
        return "–"
    return f"{value:,.0f} {currency}" if abs(value) >= 100 else f"{value:,.2f} {currency}"


def size(nbytes: float) -> str:
    """Bytes in binary units: ``1.5 GiB``."""
    n = float(nbytes)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1024
    return f"{n:,.1f} PiB"  # pragma: no cover - the loop returns at TiB


def rate(bps: float) -> str:
    """Bytes per second as ``12.3 MiB/s``."""
    return size(bps) + "/s"


def duration(seconds: float | None) -> str:
    """``1 h 05 min``, ``4 min 10 s`` or ``12 s``; ``–`` when unknown."""
    if seconds is None:
        return "–"
    s = round(seconds)
    if s >= 3600:
        return f"{s // 3600} h {s % 3600 // 60:02d} min"
    if s >= 60:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s} s"


def pct(value: float | None) -> str:
    """``12.5 %``."""
    return "–" if value is None else f"{value:.1f} %"

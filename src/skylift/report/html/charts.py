"""Apache ECharts option documents for the report's charts (declarative; ECharts draws).

Each function returns the option dict of one chart type the report uses; the
page hands it to ``echarts.init(...).setOption``. Animation is off so a large
report opens at once and prints (PDF) as shown.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

#: Colours of the migration states and severities (also used in tables).
STATE_COLOURS = {
    "not_started": "#b0b7c3",
    "transferring": "#2e86c1",
    "transferred": "#48c9b0",
    "cut_over": "#8e44ad",
    "verified": "#27ae60",
    "failed": "#c0392b",
}
#: Distinct colours for up to 14 categories (move groups); ECharts' own palette has 9.
CATEGORY_COLOURS = (
    "#5470c6", "#91cc75", "#fac858", "#ee6666", "#73c0de", "#3ba272", "#fc8452",
    "#9a60b4", "#ea7ccc", "#2f4554", "#c23531", "#bda29a", "#6e7074", "#b0b7c3",
)  # fmt: skip
SEVERITY_COLOURS = {
    "critical": "#7b241c",
    "high": "#c0392b",
    "medium": "#e67e22",
    "low": "#f1c40f",
    "info": "#5dade2",
}


def _base(title: str = "") -> dict[str, Any]:
    return {
        "animation": False,
        "title": {"text": title, "left": "center", "textStyle": {"fontSize": 13}},
        "tooltip": {"trigger": "item"},
        "grid": {"left": 60, "right": 24, "top": 48, "bottom": 48, "containLabel": True},
    }


def bar(
    categories: Sequence[str],
    series: Mapping[str, Sequence[float]],
    title: str = "",
    stacked: bool = False,
    horizontal: bool = False,
    unit: str = "",
    colours: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Bars per category, one series per key (stacked if asked)."""
    label: dict[str, Any] = {"interval": 0}
    if not horizontal:
        label["rotate"] = 30 if len(categories) > 4 else 0
    cat_axis = {"type": "category", "data": list(categories), "axisLabel": label}
    val_axis = {"type": "value", "name": unit}
    opt = _base(title) | {
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"bottom": 0, "type": "scroll"},
        "xAxis": val_axis if horizontal else cat_axis,
        "yAxis": cat_axis if horizontal else val_axis,
        "series": [
            {
                "name": name,
                "type": "bar",
                "data": [round(float(v), 2) for v in values],
                **({"stack": "total"} if stacked else {}),
                **({"itemStyle": {"color": colours[name]}} if colours and name in colours else {}),
            }
            for name, values in series.items()
        ],
    }
    return opt


def pie(
    values: Mapping[str, float], title: str = "", colours: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Shares of a whole (one series)."""
    return _base(title) | {
        "legend": {"bottom": 0, "type": "scroll"},
        "series": [
            {
                "type": "pie",
                "radius": ["35%", "65%"],
                "data": [
                    {
                        "name": k,
                        "value": round(float(v), 2),
                        **(
                            {"itemStyle": {"color": colours[k]}} if colours and k in colours else {}
                        ),
                    }
                    for k, v in values.items()
                    if v
                ],
            }
        ],
    }


def lines(
    x: Sequence[str | float],
    series: Mapping[str, Sequence[float | None]],
    title: str = "",
    unit: str = "",
    marks: Mapping[str, Sequence[tuple[str | float, float, str]]] | None = None,
    x_name: str = "",
    value_x: bool = False,
) -> dict[str, Any]:
    """Lines over ``x``; ``marks`` puts labelled points (break-even) on a series."""
    out = []
    for name, values in series.items():
        s: dict[str, Any] = {
            "name": name,
            "type": "line",
            "showSymbol": len(x) <= 40,
            "data": (
                [[xi, v] for xi, v in zip(x, values, strict=True)]
                if value_x
                else [None if v is None else round(float(v), 2) for v in values]
            ),
        }
        if marks and marks.get(name):
            s["markPoint"] = {
                "symbol": "pin",
                "symbolSize": 28,
                "label": {"show": False},
                "data": [
                    {"name": label, "coord": [mx, round(my, 2)], "value": label}
                    for mx, my, label in marks[name]
                ],
            }
        out.append(s)
    return _base(title) | {
        "tooltip": {"trigger": "axis"},
        "legend": {"bottom": 0, "type": "scroll"},
        "xAxis": {"type": "value", "name": x_name}
        if value_x
        else {"type": "category", "data": list(x), "name": x_name},
        "yAxis": {"type": "value", "name": unit},
        "series": out,
    }


def gantt(
    rows: Sequence[tuple[str, float, float, float]], title: str = "", unit: str = "hours"
) -> dict[str, Any]:
    """Waves as horizontal bars: (label, start, transfer, cutover) — offset, then two phases."""
    labels = [r[0] for r in rows][::-1]
    start = [round(r[1], 2) for r in rows][::-1]
    transfer = [round(r[2], 2) for r in rows][::-1]
    cutover = [round(r[3], 2) for r in rows][::-1]
    return _base(title) | {
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"bottom": 0, "data": ["transfer", "cutover"]},
        "xAxis": {"type": "value", "name": unit},
        "yAxis": {"type": "category", "data": labels},
        "series": [
            {
                "name": "start",
                "type": "bar",
                "stack": "w",
                "data": start,
                "itemStyle": {"color": "transparent"},
                "tooltip": {"show": False},
                "emphasis": {"disabled": True},
            },
            {"name": "transfer", "type": "bar", "stack": "w", "data": transfer},
            {"name": "cutover", "type": "bar", "stack": "w", "data": cutover},
        ],
    }


def scatter(
    points: Sequence[tuple[str, float, float, float]],
    title: str = "",
    x_name: str = "",
    y_name: str = "",
) -> dict[str, Any]:
    """One series per point (label, x, y, size): the trade-off of a few options."""
    return _base(title) | {
        "legend": {"bottom": 0},
        "xAxis": {"type": "value", "name": x_name, "scale": True},
        "yAxis": {"type": "value", "name": y_name, "scale": True},
        "series": [
            {
                "name": label,
                "type": "scatter",
                "symbolSize": 14 + 10 * size,
                "data": [[x, y, size]],
                "label": {"show": True, "formatter": label, "position": "top"},
            }
            for label, x, y, size in points
        ],
    }


def graph(
    nodes: Sequence[tuple[str, str, int, float]],
    edges: Sequence[tuple[str, str, float]],
    categories: Sequence[str],
    title: str = "",
) -> dict[str, Any]:
    """A force-laid-out graph: nodes (id, label, category index, size), edges (a, b, weight).

    Up to 100 nodes the layout is computed before the page is shown (stable, prints as
    seen); above, it settles in animation frames so the page opens at once.
    """
    return _base(title) | {
        "color": list(CATEGORY_COLOURS),
        "legend": {"bottom": 0, "type": "scroll", "data": list(categories)},
        "series": [
            {
                "type": "graph",
                "layout": "force",
                "roam": True,
                "draggable": True,
                "force": {
                    "repulsion": 220,
                    "gravity": 0.08,
                    "edgeLength": [30, 140],
                    "layoutAnimation": len(nodes) > 100,
                },
                "categories": [{"name": c} for c in categories],
                "label": {"show": len(nodes) <= 80, "position": "right", "fontSize": 10},
                "lineStyle": {"opacity": 0.5, "curveness": 0.1},
                "edgeSymbol": ["none", "arrow"],
                "edgeSymbolSize": 5,
                "data": [
                    {"id": i, "name": label, "category": cat, "symbolSize": round(size, 1)}
                    for i, label, cat, size in nodes
                ],
                "links": [
                    {"source": a, "target": b, "value": w, "lineStyle": {"width": min(4, 0.5 + w)}}
                    for a, b, w in edges
                ],
            }
        ],
    }


def usage(
    x: Sequence[str],
    stats: Mapping[str, Sequence[float | None]],
    allocations: Mapping[str, tuple[float | None, str]],
    unit: str,
    description: str = "",
    over_time: Mapping[str, Sequence[float | None]] | None = None,
) -> dict[str, Any]:
    """Usage over ``x`` (bucket ends) against allocations: the p95 shaded, p50 and max
    as lines (a statistic without any value is left out); each allocation (name →
    value, note) a labelled dashed line — a step line of its value at each bucket's end
    where ``over_time`` has one with any value (the value holds through the bucket),
    else flat at ``value``.
    ``description`` is what a screen reader hears (ECharts' aria label); the title is
    the figure's caption."""
    style: dict[str, dict[str, Any]] = {
        "p95": {"areaStyle": {"opacity": 0.25}, "lineStyle": {"width": 1}},
        "p50": {"lineStyle": {"width": 1}},
        "max": {"lineStyle": {"width": 1, "type": "dotted"}},
    }
    series: list[dict[str, Any]] = [
        {"name": name, "type": "line", "showSymbol": False, **style.get(name, {}),
         "data": [None if v is None else round(float(v), 3) for v in values]}
        for name, values in stats.items()
        if any(v is not None for v in values)
    ]  # fmt: skip
    colours = ("#7f8c8d", "#27ae60")
    steps = {
        name: [None if v is None else round(float(v), 3) for v in values]
        for name, values in (over_time or {}).items()
        if any(v is not None for v in values)
    }
    for i, (name, (value, note)) in enumerate(allocations.items()):
        colour = colours[i % len(colours)]
        line = {"type": "dashed", "width": 2, "color": colour}
        if name in steps:
            last = next(v for v in reversed(steps[name]) if v is not None)
            label = f"{name}{' ' + note if note else ''}: {last:.3g} {unit}"
            series.append({
                "name": name, "type": "line", "step": "start", "showSymbol": False,
                "itemStyle": {"color": colour}, "lineStyle": line, "data": steps[name],
                "endLabel": {"show": True, "formatter": label, "align": "right",
                             "verticalAlign": "bottom", "offset": [-6, -4]},
            })  # fmt: skip
            continue
        if value is None:
            continue
        label = f"{name}{' ' + note if note else ''}: {value:.3g} {unit}"
        series.append({
            "name": name, "type": "line", "data": [], "itemStyle": {"color": colour},
            "lineStyle": line,
            "markLine": {"symbol": "none", "silent": True, "lineStyle": line,
                         "label": {"formatter": label, "position": "insideEndTop"},
                         "data": [{"yAxis": round(float(value), 3)}]},
        })  # fmt: skip
    aria: dict[str, Any] = {"enabled": True}
    if description:
        aria["label"] = {"description": description}
    # the axis reaches every allocation (ECharts scales to the data only)
    top = max(
        [float(v) for vals in (*stats.values(), *steps.values()) for v in vals if v is not None]
        + [float(v) for v, _ in allocations.values() if v is not None],
        default=0.0,
    )
    return _base() | {
        "aria": aria,
        "grid": {"left": 48, "right": 16, "top": 28, "bottom": 40, "containLabel": True},
        "tooltip": {"trigger": "axis"},
        "legend": {"bottom": 0},
        "xAxis": {"type": "category", "data": list(x)},
        "yAxis": {"type": "value", "name": unit, "min": 0, "max": nice_ceiling(top * 1.05)},
        "series": series,
    }


def nice_ceiling(x: float) -> float:
    """The smallest 1, 2, 2.5 or 5 × 10^k at or above ``x`` (an axis maximum)."""
    if x <= 0:
        return 1.0
    base = 10.0 ** math.floor(math.log10(x))
    return next(m * base for m in (1.0, 2.0, 2.5, 5.0, 10.0, 20.0) if m * base >= x)

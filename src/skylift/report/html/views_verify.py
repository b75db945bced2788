"""``skylift verify service`` runs in the Transfers-and-verification section: per run,
source-vs-target latency (p50/p95/p99 and the histogram), throughput and error rate,
the thresholds with the verdict, the failed checks and the security findings."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from skylift.report.html import charts
from skylift.report.html.model import Chart, LoadSide, ServiceCheck, ServiceLoad, Table

#: runs drawn as charts (newest first); every run stays in the tables
CHARTED_RUNS = 3
SIDE_COLOURS = {"source": "#5470c6", "target": "#fc8452"}


def _when(c: ServiceCheck) -> str:
    return c.started_at[:19].replace("T", " ")


def _yes(flag: bool) -> str:
    return "passed" if flag else "FAILED"


def _bucket(bound: float, previous: float) -> str:
    return f"> {previous:g} ms" if bound >= 1e11 else f"≤ {bound:g} ms"


def _histogram(load: ServiceLoad) -> tuple[list[str], dict[str, list[float]]]:
    """Share of requests (%) per latency bucket, both sides on the same buckets."""
    bounds = sorted({b for b, _ in load.source.histogram} | {b for b, _ in load.target.histogram})
    shares: dict[str, list[float]] = {}
    for name, side in (("source", load.source), ("target", load.target)):
        counts = dict(side.histogram)
        total = max(1, sum(counts.values()))
        shares[name] = [100.0 * counts.get(b, 0) / total for b in bounds]
    used = [i for i, b in enumerate(bounds) if any(s[i] for s in shares.values())]
    if not used:
        return [], {}
    keep = range(used[0], used[-1] + 1)  # from the first to the last bucket with requests
    labels = [_bucket(bounds[i], bounds[i - 1] if i else 0.0) for i in keep]
    return labels, {k: [v[i] for i in keep] for k, v in shares.items()}


def _pair(source: float, target: float) -> dict[str, list[float]]:
    return {"source": [source], "target": [target]}


def run_charts(index: int, c: ServiceCheck) -> list[Chart]:
    """The charts of one run with a load comparison (none without one)."""
    load = c.load
    if load is None:
        return []
    s, t = load.source, load.target
    run = f"{_when(c)} → {c.target} (performance {_yes(load.passed)})"
    cid = f"service-{index}"

    def latency(side: LoadSide) -> list[float]:
        return [side.p50_ms, side.p95_ms, side.p99_ms]

    out = [
        Chart(
            f"{cid}-latency",
            f"Latency, source vs target: {run}",
            charts.bar(
                ["p50", "p95", "p99"],
                {"source": latency(s), "target": latency(t)},
                unit="ms",
                colours=SIDE_COLOURS,
            ),
        )
    ]
    labels, shares = _histogram(load)
    if labels:
        out.append(
            Chart(
                f"{cid}-histogram",
                f"Latency histogram (% of requests): {run}",
                charts.bar(labels, shares, unit="% of requests", colours=SIDE_COLOURS),
            )
        )
    out += [
        Chart(
            f"{cid}-throughput",
            f"Throughput: {run}",
            charts.bar(
                ["throughput"],
                _pair(s.throughput, t.throughput),
                unit="req/s",
                colours=SIDE_COLOURS,
            ),
            height=260,
        ),
        Chart(
            f"{cid}-errors",
            f"Error rate: {run}",
            charts.bar(
                ["error rate"],
                _pair(100 * s.error_rate, 100 * t.error_rate),
                unit="%",
                colours=SIDE_COLOURS,
            ),
            height=260,
        ),
    ]
    return out


def service_charts(checks: Sequence[ServiceCheck]) -> list[Chart]:
    """Charts of the newest runs that measured load (at most :data:`CHARTED_RUNS`)."""
    loaded = [c for c in checks if c.load is not None][:CHARTED_RUNS]
    return [ch for i, c in enumerate(loaded) for ch in run_charts(i, c)]


def _arrow(a: float, b: float, fmt: str) -> str:
    return f"{a:{fmt}} → {b:{fmt}}"


RUN_COLUMNS = (
    "started", "source", "target", "verdict", "functional", "performance", "security",
    "checks ok", "findings", "p95 ms source → target", "req/s source → target",
)  # fmt: skip
LOAD_COLUMNS = (
    "started", "target", "verdict", "performance", "p50 ms", "p95 ms", "p99 ms",
    "req/s", "error rate %", "thresholds", "problems",
)  # fmt: skip


def _load_row(c: ServiceCheck, load: ServiceLoad) -> tuple[str, ...]:
    s, t = load.source, load.target
    return (
        _when(c), c.target, _yes(c.passed), _yes(load.passed),
        _arrow(s.p50_ms, t.p50_ms, ".1f"), _arrow(s.p95_ms, t.p95_ms, ".1f"),
        _arrow(s.p99_ms, t.p99_ms, ".1f"), _arrow(s.throughput, t.throughput, ".0f"),
        _arrow(100 * s.error_rate, 100 * t.error_rate, ".2f"),
        load.thresholds, "; ".join(load.problems) or "–",
    )  # fmt: skip


def performance_table(checks: Sequence[ServiceCheck]) -> Table:
    """Per run with load: verdict, figures source → target, thresholds and what failed."""
    rows = [_load_row(c, c.load) for c in checks if c.load is not None]
    title = "Service load vs thresholds (skylift verify service; source → target)"
    return Table("service-performance", title, LOAD_COLUMNS, rows)


def runs_table(checks: Sequence[ServiceCheck]) -> Table:
    """Every run: verdict per area, checks passed, findings, p95 and req/s."""
    rows = [
        (
            _when(c), c.source, c.target, _yes(c.passed),
            _yes(c.functional), _yes(c.performance), _yes(c.security),
            f"{c.checks - c.checks_failed}/{c.checks}", c.findings,
            _arrow(*c.p95_ms, ".0f") if c.p95_ms else "–",
            _arrow(*c.throughput, ".0f") if c.throughput else "–",
        )
        for c in checks
    ]  # fmt: skip
    title = "Service verification (skylift verify service; newest first)"
    return Table("service-checks", title, RUN_COLUMNS, rows)


Items = Callable[[ServiceCheck], tuple[tuple[str, str, str, str], ...]]
#: per-item tables: id, title, columns after (started, target), the items of a run
_ITEMS: tuple[tuple[str, str, tuple[str, ...], Items], ...] = (
    ("service-failed-checks", "Service failed checks (skylift verify service)",
     ("check", "kind", "problems", "from"), lambda c: c.failed_checks),
    ("service-findings", "Service security findings (skylift verify service)",
     ("severity", "rule", "title", "where"), lambda c: c.security_findings),
)  # fmt: skip


def service_tables(checks: Sequence[ServiceCheck]) -> list[Table]:
    """The runs, their load against the thresholds, failed checks and security findings
    (each table only when it has rows, the runs always)."""
    tables = [runs_table(checks), performance_table(checks)]
    for table_id, title, columns, items in _ITEMS:
        rows = [(_when(c), c.target, *item) for c in checks for item in items(c)]
        tables.append(Table(table_id, title, ("started", "target", *columns), rows))
    return [t for i, t in enumerate(tables) if i == 0 or t.rows]

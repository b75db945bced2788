"""Transfers and verification, and migration tracking (per server, per wave, overall)."""

from __future__ import annotations

from skylift.domain.tracking import STATE_ORDER
from skylift.report.html import charts, views_verify
from skylift.report.html.fmt import duration, rate, size
from skylift.report.html.model import (
    Card,
    Chart,
    ReportInputs,
    Section,
    Table,
    missing,
)


def transfers(inputs: ReportInputs) -> Section:
    """Each run's bytes, throughput over time, failures and verify result."""
    snap = inputs.tracking
    runs = [r for r in snap.runs] if snap is not None else []
    if not runs and not inputs.service_checks:
        return missing(
            "transfers",
            "Transfers and verification",
            "no transfer has run in this workspace",
            "skylift transfer SRC DST --wave N",
        )
    verified = {s.server: s for s in snap.servers} if snap is not None else {}
    rows = []
    for r in runs:
        states = {verified[k].state.value for k in r.servers if k in verified}
        rows.append(
            (
                r.started_at.strftime("%Y-%m-%d %H:%M:%S"),
                r.kind,
                r.source,
                r.destination,
                r.wave,
                len(r.servers),
                r.state,
                size(r.bytes_done),
                r.objects_done,
                r.failed,
                rate(
                    r.bytes_done
                    / max(0.001, ((r.finished_at or r.updated_at) - r.started_at).total_seconds())
                ),
                ", ".join(sorted(states)) or "–",
                r.reason,
            )
        )
    series = {}
    for r in runs[:8]:
        if r.samples:
            series[f"{r.started_at:%H:%M:%S} {r.destination}"] = r.samples
    charts_ = []
    if series:
        # One line per run: MiB/s over seconds since its start.
        opt = charts.lines([], {}, unit="MiB/s", x_name="seconds", value_x=True)
        opt["series"] = [
            {
                "name": name,
                "type": "line",
                "showSymbol": False,
                "data": [[t, round(bps / 1048576, 2)] for t, _, bps in samples],
            }
            for name, samples in series.items()
        ]
        charts_.append(Chart("transfers-throughput", "Throughput over time", opt))
    total = sum(r.bytes_done for r in runs)
    tables = [
        Table(
            "transfer-runs",
            "Runs (newest first)",
            ("started", "kind", "source", "destination", "wave", "servers", "state", "moved",
             "objects", "failed", "average", "server states", "reason"),
            rows,
        )
    ]  # fmt: skip
    cards = [
        Card("Runs", str(len(runs))),
        Card("Moved", size(total)),
        Card(
            "Failed runs",
            str(sum(1 for r in runs if r.state == "failed")),
            tone="bad" if any(r.state == "failed" for r in runs) else "",
        ),
    ]
    checks = inputs.service_checks
    if checks:
        ok = sum(1 for c in checks if c.passed)
        cards.append(Card("Service checks passed", f"{ok} of {len(checks)}",
                          tone="good" if ok == len(checks) else "bad"))  # fmt: skip
        tables += views_verify.service_tables(checks)
        charts_ += views_verify.service_charts(checks)
    return Section(
        "transfers",
        "Transfers and verification",
        cards=tuple(cards),
        charts=tuple(charts_),
        tables=tuple(tables),
    )


def tracking(inputs: ReportInputs, live: bool = False) -> Section:
    """Every server's migration state, per wave and overall; live runs with rate and ETA."""
    snap = inputs.tracking
    if snap is None or not snap.servers:
        return missing(
            "tracking",
            "Migration tracking",
            "no planned or tracked server yet (a plan gives the servers and waves)",
            "skylift plan",
        )
    states = [s.value for s in STATE_ORDER]
    waves = [f"wave {w.wave}" for w in snap.waves]
    per_wave = (
        charts.bar(
            waves,
            {
                s: [w.counts.get(st, 0) for w in snap.waves]
                for s, st in zip(states, STATE_ORDER, strict=True)
            },
            stacked=True,
            horizontal=True,
            colours=charts.STATE_COLOURS,
        )
        if waves
        else None
    )
    overall = charts.pie(
        {s.value: float(snap.overall.get(s, 0)) for s in STATE_ORDER}, colours=charts.STATE_COLOURS
    )
    charts_ = [Chart("tracking-overall", "Overall", overall)]
    if per_wave is not None:
        charts_.append(
            Chart("tracking-waves", "Per wave", per_wave, height=max(240, 60 + 30 * len(waves)))
        )
    done = snap.overall.get(STATE_ORDER[4], 0)
    active = snap.active
    cards = [
        Card("Servers", f"{len(snap.servers):,}"),
        Card(
            "Verified",
            f"{done:,}",
            f"{100 * done / max(1, len(snap.servers)):.0f} %",
            "good" if done else "",
        ),
        Card(
            "Failed",
            f"{snap.overall.get(STATE_ORDER[5], 0):,}",
            tone="bad" if snap.overall.get(STATE_ORDER[5]) else "",
        ),
    ]
    for r in active:
        cards.append(
            Card(
                f"Running: {r.destination}",
                f"{r.percent:.0f} %",
                f"{rate(r.rate_bps)}, ETA {duration(r.eta_s)}",
                "",
            )
        )
    rows = [
        (
            s.name,
            s.wave,
            s.state.value,
            s.reason,
            s.origin,
            s.at.strftime("%Y-%m-%d %H:%M:%S") if s.at else "",
        )
        for s in snap.servers
    ]
    return Section(
        "tracking",
        "Migration tracking",
        cards=tuple(cards),
        charts=tuple(charts_),
        tables=(
            Table(
                "tracking-servers",
                "Servers",
                ("server", "wave", "state", "reason", "recorded by", "at"),
                rows,
            ),
        ),
        notes=("Updated live." if live else f"As of {snap.at:%Y-%m-%d %H:%M:%S} UTC.",),
    )

"""The plan (waves as a Gantt chart, the deployment-strategy trade-off) and security sections."""

from __future__ import annotations

from collections import Counter

from skylift.report.html import charts
from skylift.report.html.model import Card, Chart, ReportInputs, Section, Table, missing


def plan(inputs: ReportInputs) -> Section:
    """Waves with their reasons and schedule; the strategy decision as a chart."""
    p = inputs.plan
    if p is None:
        return missing("plan", "Plan", "no migration plan yet", "skylift plan")
    rows = [
        (
            f"wave {w.number}" + (" (pilot)" if w.pilot else ""),
            w.start_hour,
            w.transfer_hours,
            max(0.0, w.end_hour - w.start_hour - w.transfer_hours),
        )
        for w in p.waves
    ]
    charts_ = [
        Chart(
            "plan-gantt",
            f"Schedule: {len(p.waves)} waves over {p.total_hours / 24:.1f} days",
            charts.gantt(rows),
            height=max(240, 60 + 32 * len(p.waves)),
        )
    ]
    d = inputs.decision
    if d is not None:
        charts_.append(
            Chart(
                "plan-tradeoff",
                "Deployment strategy trade-off (time vs cost; bubble = risk)",
                charts.scatter(
                    [(o.name, o.time_hours, o.cost, o.risk) for o in d.options],
                    x_name="hours",
                    y_name=inputs.currency,
                ),
            )
        )
        scores = sorted(d.choice.scores, key=lambda s: s.rank or 99)
        charts_.append(
            Chart(
                "plan-topsis",
                "TOPSIS closeness (weights "
                + ", ".join(f"{k}={v:g}" for k, v in d.choice.weights.items())
                + "); "
                f"chosen: {d.choice.chosen or 'none'}",
                charts.bar([s.name for s in scores], {"closeness": [s.closeness for s in scores]}),
            )
        )
    wave_rows = [
        (
            w.number,
            w.name,
            len(w.servers),
            round(w.data_gib, 1),
            "yes" if w.production else "no",
            w.risk,
            w.strategy or "",
            round(w.start_hour, 1),
            round(w.end_hour, 1),
            "; ".join(w.reasons),
            "; ".join(w.risks),
        )
        for w in p.waves
    ]
    tables = [
        Table(
            "plan-waves",
            "Waves",
            (
                "wave",
                "name",
                "servers",
                "data GiB",
                "production",
                "risk",
                "strategy",
                "start h",
                "end h",
                "reasons",
                "risks",
            ),
            wave_rows,
        )
    ]
    if p.decommission:
        tables.append(
            Table(
                "plan-retire",
                "Decommission (not migrated)",
                ("server", "reason"),
                [(x.name, x.reason) for x in p.decommission],
            )
        )
    if p.relaxations:
        tables.append(
            Table(
                "plan-relaxed",
                "Constraints relaxed",
                ("constraint", "detail"),
                [(r.constraint, r.detail) for r in p.relaxations],
            )
        )
    notes: tuple[str, ...] = ()
    if d is None:
        notes = ("Deployment strategy options: run 'skylift plan decide --seed-example'.",)
    return Section(
        "plan",
        "Plan",
        cards=(
            Card("Waves", str(len(p.waves))),
            Card("Servers planned", f"{sum(len(w.servers) for w in p.waves):,}"),
            Card("Duration", f"{p.total_hours / 24:.1f} days", f"{p.lanes} lane(s)"),
            Card("Decommission", f"{len(p.decommission):,}"),
        ),
        charts=tuple(charts_),
        tables=tuple(tables),
        notes=notes,
    )


def security(inputs: ReportInputs) -> Section:
    """Findings by severity and rule, each with file:line."""
    scan = inputs.scan
    if scan is None:
        return missing(
            "security", "Security", "no scan recorded in this workspace", "skylift scan PATH"
        )
    order = ("critical", "high", "medium", "low", "info")
    sev = Counter(f.severity.value for f in scan.findings)
    rules = Counter(f.rule_id for f in scan.findings)
    top = rules.most_common(15)
    rows = [
        (
            f.severity.value,
            f.rule_id,
            f.title,
            f"{f.location.path or f.location.resource or ''}"
            + (f":{f.location.line}" if f.location.line else ""),
            f.message,
            f.tool,
        )
        for f in sorted(scan.findings, key=lambda f: (order.index(f.severity.value), f.rule_id))
    ]
    when = f" (scan of {inputs.scan_at:%Y-%m-%d %H:%M} UTC)" if inputs.scan_at else ""
    return Section(
        "security",
        "Security",
        cards=tuple(
            Card(
                s,
                str(sev.get(s, 0)),
                tone="bad" if s in ("critical", "high") and sev.get(s) else "",
            )
            for s in order
        ),
        charts=(
            Chart(
                "security-severity",
                "Findings by severity",
                charts.bar(
                    list(order),
                    {s: [sev.get(s, 0) if s == k else 0 for k in order] for s in order},
                    stacked=True,
                    colours=charts.SEVERITY_COLOURS,
                ),
            ),
            Chart(
                "security-rules",
                "Findings by rule (top 15)",
                charts.bar(
                    [r for r, _ in top][::-1],
                    {"findings": [n for _, n in top][::-1]},
                    horizontal=True,
                ),
                height=max(240, 40 + 22 * len(top)),
            ),
        ),
        tables=(
            Table(
                "security-findings",
                "Findings" + when,
                ("severity", "rule", "title", "where", "message", "tool"),
                rows,
            ),
        ),
        notes=tuple(f"not run: {s}" for s in scan.skipped),
    )

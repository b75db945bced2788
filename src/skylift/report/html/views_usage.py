"""Usage vs allocation over time per VM and container (the Optimize section, #21).

Per workload two charts — CPU in cores, memory in GiB — of each bucket's p95
(shaded), p50 and maximum, with the current allocation as a step line where
Prometheus had it over time (kube-state-metrics requests; a VM's CPUs and
MemTotal), else flat at the run's value, and the recommended one flat; the
page builds a data table from the same option documents (the fallback for
screen readers and copying). The worst :data:`SHOWN_PER_KIND`
VMs and containers (:mod:`skylift.optimize.ranking`) are drawn at once; every
workload is listed in a filterable index whose rows open their charts — in the
report from :data:`EMBEDDED_PER_KIND` per kind embedded (parsed only when
opened), in the dashboard from the server, one at a time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from skylift.optimize.ranking import RISK, container_score, vm_score
from skylift.report.html import charts
from skylift.report.html.model import Chart, Table, UsageBlock, UsagePanel

#: Drawn when the section opens, per kind (VMs, containers).
SHOWN_PER_KIND = 3
#: The report embeds this many per kind (worst first); the dashboard serves any.
EMBEDDED_PER_KIND = 50
_ORDER = ("p95", "p50", "max")


def panel_id(kind: str, key: str) -> str:
    """The id a panel is known by in the page (and asked for from the dashboard)."""
    return f"{kind}:{key}"


def _mib_to_gib(v: float | None) -> float | None:
    return None if v is None else v / 1024.0


def _allocations(
    kind: str, row: Mapping[str, Any]
) -> tuple[str, dict[str, dict[str, tuple[float | None, str]]]]:
    """The workload's name and, per resource, the allocations to draw (name → value, note)."""
    if kind == "vm":
        t = (row.get("targets") or [{}])[0]
        note = f"{t.get('recommended_type') or '–'}"
        if t.get("cloud"):
            note += f" ({t['cloud']} {t['region']})"
        cpu = {"current": (row["cores"], ""), "recommended": (t.get("recommended_vcpus"), note)}
        mem = {"current": (row["memory_gib"], ""),
               "recommended": (t.get("recommended_memory_gib"), note)}  # fmt: skip
        return row["server"], {"cpu": cpu, "memory": mem}
    cur, rec = row.get("current") or {}, row.get("recommended") or {}
    return f"{row['namespace']}/{row['container']}", {
        "cpu": {"current": (cur.get("cpu_request"), "request"),
                "recommended": (rec.get("cpu_request"), "request")},
        "memory": {"current": (_mib_to_gib(cur.get("memory_request_mib")), "request"),
                   "recommended": (_mib_to_gib(rec.get("memory_request_mib")), "request")},
    }  # fmt: skip


def panel(entry: Mapping[str, Any], row: Mapping[str, Any]) -> UsagePanel:
    """One workload's charts from its stored series (``entry``) and its result row."""
    kind = entry["kind"]
    name, alloc = _allocations(kind, row)
    start, bucket = float(entry["start"]), int(entry["bucket_s"])
    points = len(entry["values"]["cpu"]["max"])
    labels = [
        datetime.fromtimestamp(start + bucket * (i + 1), UTC).strftime("%Y-%m-%d %H:%M")
        for i in range(points)
    ]
    pid = panel_id(kind, entry["key"])
    hours = bucket / 3600
    out = []
    for res, what, unit in (("cpu", "CPU", "cores"), ("memory", "memory", "GiB")):
        stats = {s: entry["values"][res][s] for s in _ORDER}
        current = [v for v in entry["values"][res].get("current", []) if v is not None]
        title = f"{name} — {what} ({unit})"
        peak = max((v for v in stats["max"] if v is not None), default=None)
        said = [
            f"{k}{' ' + note if note else ''}: {v:.3g} {unit}"
            for k, (v, note) in alloc[res].items()
            if v is not None
        ]
        if current and min(current) != max(current):
            said.append(f"current over the window from {min(current):.3g} to {max(current):.3g}")
        desc = (
            f"{title}: p50, p95 and maximum of each {hours:g}-hour bucket from {labels[0]} "
            f"to {labels[-1]} UTC; peak {'none' if peak is None else f'{peak:g} {unit}'}; "
            + "; ".join(said) + ". The data table under the charts lists every value."
        )  # fmt: skip
        over_time = {"current": entry["values"][res].get("current", [])}
        option = charts.usage(labels, stats, alloc[res], unit, desc, over_time)
        out.append(Chart(f"{pid}#{res}", title, option))
    caption = f"{name}: p50, p95 and maximum of each {hours:g}-hour bucket (UTC)"
    return UsagePanel(pid, name, tuple(out), caption)


def _why(kind: str, row: Mapping[str, Any], currency: str) -> tuple[str, float | None]:
    """What ranks the workload (in words) and its saving (VM: per month; container: %)."""
    if kind == "vm":
        if row.get("reason"):
            return row["reason"], None
        savings = [t["saving_month"] or 0.0 for t in row["targets"]]
        worst, best = min(savings, default=0.0), max(savings, default=0.0)
        if worst < 0:
            return (
                f"under-allocated: the recommended size costs {-worst:,.0f} {currency}/month more",
                worst,
            )
        return f"saves up to {best:,.0f} {currency}/month", best
    if row.get("flags"):
        return "risk: " + "; ".join(row["flags"]), None
    if not row.get("recommended"):
        return row.get("reason") or "no recommendation", None
    freed = round(50 * container_score(row), 1)
    return f"frees {freed:.0f} % of its requests (CPU and memory averaged)", freed


def usage_block(
    run: Mapping[str, Any],
    usage: Sequence[Mapping[str, Any]],
    source: str,
    currency: str,
) -> UsageBlock | None:
    """The usage-over-time block of the Optimize section (None: the run stored no series,
    e.g. a run from before they were kept)."""
    if not usage:
        return None
    rows: dict[str, Mapping[str, Any]] = {}
    ranked: list[tuple[float, str, str, str, Mapping[str, Any]]] = []
    for v in run.get("vms", []):
        pid = panel_id("vm", v["server_key"])
        rows[pid] = v
        ranked.append((vm_score(v), pid, "VM", v["server"], v))
    for c in run.get("containers", []):
        pid = panel_id("container", f"{c['namespace']}/{c['container']}")
        rows[pid] = c
        ranked.append(
            (container_score(c), pid, "container", f"{c['namespace']}/{c['container']}", c)
        )
    scores = {pid: sc for sc, pid, *_ in ranked}
    panels: dict[str, list[UsagePanel]] = {"vm": [], "container": []}
    for e in sorted(usage, key=lambda e: -scores.get(panel_id(e["kind"], e["key"]), -2.0)):
        pid = panel_id(e["kind"], e["key"])
        if pid in rows:
            panels[e["kind"]].append(panel(e, rows[pid]))
    shown = tuple(p for k in ("vm", "container") for p in panels[k][:SHOWN_PER_KIND])
    embedded = tuple(
        p for k in ("vm", "container") for p in panels[k][SHOWN_PER_KIND:EMBEDDED_PER_KIND]
    )
    reachable = {p.id for p in (*shown, *embedded)}
    ranked.sort(key=lambda r: (-r[0], r[3]))
    index_rows = []
    links: list[str | None] = []
    for score, pid, kind, name, row in ranked:
        why, figure = _why("vm" if kind == "VM" else "container", row, currency)
        ok = source == "fetch" or pid in reachable
        chart = "open" if ok else "in skylift serve"
        ranked_by = "risk" if score >= RISK else "saving" if score >= 0 else "no recommendation"
        index_rows.append((name, kind, ranked_by, why, figure, chart))
        links.append(pid if ok else None)
    index = Table(
        "optimize-usage-index", "Usage over time: every VM and container (click a row)",
        ("workload", "kind", "ranked by", "why", "saving (VM: /month; container: %)", "chart"),
        index_rows, usage=links,
    )  # fmt: skip
    note = (
        f"Drawn: the {SHOWN_PER_KIND} worst VMs and containers (risks first, then savings). "
        + ("Any other opens from the index below."
           if source == "fetch" else
           f"The report embeds the {EMBEDDED_PER_KIND} worst of each kind; the dashboard "
           "(skylift serve) opens any.")
    )  # fmt: skip
    return UsageBlock(shown, index, embedded, source, note)


def find_row(run: Mapping[str, Any], kind: str, key: str) -> Mapping[str, Any] | None:
    """The result row of one workload of the run (for the dashboard's on-demand panel)."""
    if kind == "vm":
        return next((v for v in run.get("vms", []) if v["server_key"] == key), None)
    return next(
        (c for c in run.get("containers", []) if f"{c['namespace']}/{c['container']}" == key), None
    )

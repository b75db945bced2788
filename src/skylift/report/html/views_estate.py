"""Sections about the estate as discovered: summary, inventory, dependencies."""

from __future__ import annotations

from collections import Counter
from itertools import pairwise

from skylift.report.html import charts
from skylift.report.html.fmt import money, pct
from skylift.report.html.model import Card, Chart, ReportInputs, Section, Table, missing

#: The dependency graph draws servers up to this many; above it, move groups.
GRAPH_SERVER_LIMIT = 300
#: Move groups drawn as nodes when servers are too many to draw (the rest: one node).
GRAPH_GROUP_LIMIT = 150
#: Move groups drawn in their own colour; the rest share "other groups".
GRAPH_CATEGORIES = 12


def _bucket(value: float | None, edges: tuple[float, ...], unit: str) -> str:
    if value is None:
        return "unknown"
    for lo, hi in pairwise(edges):
        if value < hi:
            return f"{lo:g}–{hi:g} {unit}" if lo else f"< {hi:g} {unit}"
    return f"≥ {edges[-1]:g} {unit}"


def _storage_gib(inputs: ReportInputs) -> float:
    return sum(d.size_gib for s in inputs.servers for d in s.disks)


def summary(inputs: ReportInputs) -> Section:
    """Headline figures from every stage that has run, its top risks and confidence."""
    if not inputs.servers:
        return missing(
            "summary",
            "Summary",
            "the workspace has no servers yet",
            "skylift discover rvtools EXPORT.xlsx",
        )
    apps = {s.application for s in inputs.servers if s.application}
    cards = [
        Card("Servers", f"{len(inputs.servers):,}"),
        Card("Storage", f"{_storage_gib(inputs) / 1024:,.1f} TiB", "provisioned disks"),
        Card("Applications", f"{len(apps):,}"),
    ]
    charts_: list[Chart] = []
    risks: list[str] = []
    notes: list[str] = []
    a = inputs.assessment
    if a is not None:
        s = a.summary
        if s.cheapest:
            margin = (
                f"{s.cheapest_margin_pct:.1f} % cheaper than the next cloud"
                if s.cheapest_margin_pct
                else ""
            )
            cards.append(Card("Recommended", s.cheapest, margin, "good"))
        best: dict[str, float] = {}
        for t in s.totals:
            best[t.cloud] = min(best.get(t.cloud, t.total_month), t.total_month)
        five: dict[str, float] = {}
        for tco in s.tco:
            five[tco.cloud] = min(five.get(tco.cloud, tco.with_cloud_5y), tco.with_cloud_5y)
        for cloud, month in sorted(best.items()):
            note = (
                f"5 years with migration: {money(five[cloud], inputs.currency)}"
                if cloud in five
                else ""
            )
            cards.append(Card(f"{cloud} per month", money(month, inputs.currency), note))
        ready: Counter[str] = Counter()
        for t in s.totals:
            ready["ready"] += t.ready
            ready["conditionally ready"] += t.conditional
            ready["not ready"] += t.not_ready
            ready["unknown"] += t.unknown
        regions = max(1, len(s.totals))
        charts_.append(
            Chart(
                "summary-readiness",
                "Readiness (servers, averaged over target regions)",
                charts.pie({k: v / regions for k, v in ready.items()}),
            )
        )
        stars = {f"{k} ★": float(v) for k, v in sorted(s.confidence.items())}
        if stars:
            charts_.append(
                Chart(
                    "summary-confidence",
                    "Confidence of the sizing (servers by stars)",
                    charts.pie(stars),
                )
            )
        risks += list(s.warnings[:5])
        notes.append(
            f"Figures rest on assessment run {a.run_id} ({a.created_at:%Y-%m-%d %H:%M} UTC); "
            f"{s.sized:,} of {s.servers:,} servers sized."
        )
    else:
        notes.append("No assessment yet: run 'skylift assess' for costs, readiness and strategy.")
    if inputs.plan is not None:
        for w in inputs.plan.waves:
            risks += [f"wave {w.number}: {r}" for r in w.risks[:2]]
    if inputs.scan is not None:
        bad = [f for f in inputs.scan.findings if f.severity.value in ("critical", "high")]
        risks += [f"{f.severity.value}: {f.title} ({f.location.path or ''})" for f in bad[:3]]
    with_util = sum(
        1 for s in inputs.servers if s.key in inputs.with_series or s.cpu_util_pct is not None
    )
    notes.append(
        f"Utilisation data for {with_util:,} of {len(inputs.servers):,} servers "
        f"({pct(100 * with_util / len(inputs.servers))})."
    )
    tables: tuple[Table, ...] = ()
    if risks:
        tables = (Table("summary-risks", "Top risks", ("risk",), [(r,) for r in risks[:10]]),)
    return Section(
        "summary",
        "Summary",
        cards=tuple(cards),
        charts=tuple(charts_),
        tables=tables,
        notes=tuple(notes),
    )


def inventory(inputs: ReportInputs) -> Section:
    """The server table and OS, size, power and utilisation charts."""
    servers = inputs.servers
    if not servers:
        return missing(
            "inventory",
            "Inventory",
            "no inventory imported",
            "skylift discover rvtools EXPORT.xlsx",
        )
    classes: dict[str, str] = {}
    if inputs.assessment is not None:
        frame = inputs.assessment.servers.select("server_key", "utilisation_class")
        classes = {k: str(v) for k, v in frame.iter_rows()}
    os_count = Counter(s.os_family.value for s in servers)
    cores = Counter(_bucket(s.cores, (0, 2, 4, 8, 16, 32), "cores") for s in servers)
    mem = Counter(
        _bucket(
            (s.memory_mib or 0) / 1024 if s.memory_mib else None, (0, 4, 8, 16, 32, 64, 128), "GiB"
        )
        for s in servers
    )
    power = Counter(s.power_state.value for s in servers)
    util = Counter(classes.get(s.key, "not assessed") for s in servers)
    rows = []
    for s in servers:
        rows.append(
            (
                s.name,
                s.os_name or s.os_family.value,
                s.power_state.value,
                s.cores,
                round(s.memory_mib / 1024, 1) if s.memory_mib else None,
                round(sum(d.size_gib for d in s.disks), 1),
                s.application or "",
                s.environment.value,
                classes.get(s.key, ""),
                None if s.cpu_util_pct is None else round(s.cpu_util_pct, 1),
            )
        )
    idle = util.get("idle", 0) + util.get("zombie", 0)
    cards = (
        Card("Servers", f"{len(servers):,}"),
        Card(
            "Powered off",
            f"{power.get('off', 0):,}",
            "decommission candidates",
            "warn" if power.get("off") else "",
        ),
        Card(
            "Idle or zombie",
            f"{idle:,}" if classes else "–",
            "from the assessment" if classes else "run skylift assess",
            "warn" if idle else "",
        ),
    )
    return Section(
        "inventory",
        "Inventory",
        cards=cards,
        charts=(
            Chart("inventory-os", "Operating systems", charts.pie(dict(os_count.most_common()))),
            Chart(
                "inventory-cores",
                "Size: cores",
                charts.bar(
                    sorted(cores, key=_order),
                    {"servers": [cores[k] for k in sorted(cores, key=_order)]},
                ),
            ),
            Chart(
                "inventory-memory",
                "Size: memory",
                charts.bar(
                    sorted(mem, key=_order), {"servers": [mem[k] for k in sorted(mem, key=_order)]}
                ),
            ),
            Chart(
                "inventory-usage",
                "Power state and utilisation class",
                charts.bar(
                    ["power", "utilisation"],
                    {
                        name: [power.get(name, 0), util.get(name, 0)]
                        for name in (
                            "on",
                            "off",
                            "suspended",
                            "active",
                            "idle",
                            "zombie",
                            "unknown",
                            "not assessed",
                        )
                        if power.get(name) or util.get(name)
                    },
                    stacked=True,
                    horizontal=True,
                ),
            ),
        ),
        tables=(
            Table(
                "servers",
                "Servers",
                (
                    "name",
                    "OS",
                    "power",
                    "cores",
                    "memory GiB",
                    "disk GiB",
                    "application",
                    "environment",
                    "utilisation",
                    "CPU %",
                ),
                rows,
            ),
        ),
    )


def _order(label: str) -> tuple[int, float]:
    """Buckets in numeric order; 'unknown' last."""
    digits = "".join(ch if ch.isdigit() or ch == "." else " " for ch in label).split()
    if not digits:
        return (2, 0.0)
    return (
        1 if label.startswith("≥") else 0,
        float(digits[0]) if not label.startswith("<") else -1.0,
    )


def dependencies(inputs: ReportInputs) -> Section:
    """The dependency graph coloured by move group (servers, or groups when large)."""
    if not inputs.dependencies:
        return missing(
            "dependencies",
            "Dependencies",
            "no dependency data imported",
            "skylift discover deps CONNECTIONS.csv",
        )
    plan = inputs.plan
    group_of: dict[str, str] = {}
    wave_of: dict[str, int] = {}
    if plan is not None:
        for g in plan.groups:
            group_of.update(dict.fromkeys(g.servers, g.id))
        for wv in plan.waves:
            wave_of.update(dict.fromkeys(wv.servers, wv.number))
    names = {s.key: s.name for s in inputs.servers}
    edges = [(d.source_key, d.target_key, d.strength) for d in inputs.dependencies if d.target_key]
    external = sum(1 for d in inputs.dependencies if not d.target_key)
    keys = sorted({k for a, b, _ in edges for k in (a, b)})
    notes = [
        f"{len(inputs.dependencies):,} connections; {external:,} go to addresses "
        "outside the inventory (not drawn)."
    ]
    if plan is None:
        notes.append("Colours by application: run 'skylift plan' to colour by move group.")
        app_of = {s.key: s.application for s in inputs.servers if s.application}
        group_of = {k: app_of.get(k, "no application") for k in keys}
    if len(keys) <= GRAPH_SERVER_LIMIT:
        sizes = Counter(group_of.get(k, "unplanned") for k in keys)
        top = [g for g, _ in sizes.most_common(GRAPH_CATEGORIES)]
        cats = [*top, "other groups"]
        degree = Counter(k for a, b, _ in edges for k in (a, b))
        nodes = [
            (
                k,
                names.get(k, k),
                cats.index(group_of.get(k, "unplanned"))
                if group_of.get(k, "unplanned") in top
                else len(top),
                6 + min(14, degree[k]),
            )
            for k in keys
        ]
        merged: dict[tuple[str, str], float] = {}
        for a, b, w in edges:
            merged[(a, b)] = merged.get((a, b), 0) + w
        chart = charts.graph(nodes, [(a, b, w) for (a, b), w in merged.items()], cats)
        title = "Dependencies between servers, coloured by move group"
    else:
        gcount = Counter(group_of.get(k, k) for k in keys)
        shown = {g for g, _ in gcount.most_common(GRAPH_GROUP_LIMIT)}
        other = f"{len(gcount) - len(shown)} smaller groups"

        def node(group: str) -> str:
            return group if group in shown else other

        gw = {node(g): wave_of.get(k, 0) for k, g in group_of.items()}
        sizes = Counter(node(g) for g in gcount.elements())
        waves = sorted({gw.get(g, 0) for g in sizes})
        cats = [f"wave {w}" if w else "not planned" for w in waves]
        nodes = [
            (g, f"{g} ({n})", waves.index(gw.get(g, 0)), 6 + min(30, n**0.5 * 3))
            for g, n in sizes.items()
        ]
        merged = {}
        for a, b, w in edges:
            ga, gb = node(group_of.get(a, a)), node(group_of.get(b, b))
            if ga != gb:
                merged[(ga, gb)] = merged.get((ga, gb), 0) + w
        chart = charts.graph(nodes, [(a, b, min(w, 5)) for (a, b), w in merged.items()], cats)
        title = f"Dependencies between move groups ({len(keys):,} servers; coloured by wave)"
        notes.append(
            f"More than {GRAPH_SERVER_LIMIT} servers: each node is a move group; the "
            f"{GRAPH_GROUP_LIMIT} largest of {len(gcount):,} are drawn, the rest as one node."
        )
    rows = [
        (
            names.get(d.source_key, d.source_key),
            names.get(d.target_key or "", d.target_ip or "?"),
            d.port,
            d.protocol,
            d.strength,
            group_of.get(d.source_key, ""),
            group_of.get(d.target_key or "", ""),
        )
        for d in inputs.dependencies
    ]
    return Section(
        "dependencies",
        "Dependencies",
        cards=(
            Card("Connections", f"{len(inputs.dependencies):,}"),
            Card("Servers connected", f"{len(keys):,}"),
        ),
        charts=(Chart("dependency-graph", title, chart, height=560),),
        tables=(
            Table(
                "dependency-table",
                "Connections",
                ("from", "to", "port", "protocol", "strength", "from group", "to group"),
                rows,
            ),
        ),
        notes=tuple(notes),
    )

"""The latest ``skylift decompose`` run: proposed services, their ties, the score card."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from skylift.report.html import charts
from skylift.report.html.model import Card, Chart, ReportInputs, Section, Table, missing


def decompose(inputs: ReportInputs) -> Section:
    """Score cards, a service diagram (crossing calls as edges) and the services table."""
    run: Mapping[str, Any] | None = inputs.decomposition
    if not run:
        return missing("decompose", "Decompose", "no decompose run in this workspace",
                       "skylift decompose SOURCE")  # fmt: skip
    services = run["services"]
    score = run["score"]
    cards = [Card("services", str(len(services)), f"{run['classes']} classes; {run['criterion']}")]
    for key, label, better in (("sm", "SM", "higher"), ("icp", "ICP", "lower"),
                               ("bcp", "BCP", "lower"), ("ifn", "IFN", "lower"),
                               ("ned", "NED", "lower")):  # fmt: skip
        value = score[key]
        cards.append(Card(label, "-" if value is None else f"{value:.3f}", f"{better} is better"))
    owner = {c: s["name"] for s in services for c in s["classes"]}
    crossing: Counter[tuple[str, str]] = Counter()
    for s in services:
        for call in s["calls_out"]:
            a, b = call["call"].split(" -> ")
            crossing[(owner.get(a, s["name"]), owner.get(b, "?"))] += call["weight"]
    names = [s["name"] for s in services]
    nodes = [(s["name"], s["name"], i, 10 + 3 * len(s["classes"]) ** 0.5)
             for i, s in enumerate(services)]  # fmt: skip
    edges = [(a, b, round(w, 2)) for (a, b), w in crossing.items() if b in names]
    chart = Chart("decompose-services", "Proposed services and the calls between them",
                  charts.graph(nodes, edges, names))  # fmt: skip
    table = Table(
        "decompose-services", "Services",
        ("service", "classes", "entry points", "owns tables", "shares tables", "calls out"),
        [(s["name"], len(s["classes"]), len(s["entry_points"]), ", ".join(s["owned_tables"]),
          ", ".join(s["shared_tables"]), len(s["calls_out"])) for s in services],
        details=["; ".join(s["classes"][:40]) for s in services],
    )  # fmt: skip
    moves = [f"move {m['class']}: service {m['from'] + 1} → {m['to'] + 1} cuts {m['cut']}"
             for m in run.get("moves", [])]  # fmt: skip
    return Section("decompose", "Decompose", cards=tuple(cards), charts=(chart,),
                   tables=(table,), notes=(f"Source: {run['source']}.", *moves))  # fmt: skip

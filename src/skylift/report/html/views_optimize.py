"""The latest ``skylift optimize`` run: savings, usage vs allocation per VM and container."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from skylift.report.html import charts
from skylift.report.html.model import Card, Chart, ReportInputs, Section, Table, missing
from skylift.report.html.views_usage import usage_block

_MAX_BARS = 40


def optimize(inputs: ReportInputs) -> Section:
    """Cards for the savings, a usage-vs-allocation chart, and the VM and container tables."""
    run: Mapping[str, Any] | None = inputs.optimization
    if not run:
        return missing(
            "optimize", "Optimize", "no optimize run in this workspace",
            "skylift optimize --prometheus URL",
        )  # fmt: skip
    totals = run["totals"]
    cards = [
        Card(f"VMs on {region}", f"{c['saving_month']:,.0f} {inputs.currency}/month",
             f"{c['current_month']:,.0f} → {c['recommended_month']:,.0f}",
             "good" if c["saving_month"] > 0 else "")
        for region, c in totals["vm_saving_month"].items()
    ]  # fmt: skip
    nodes = run.get("nodes") or {}
    if nodes:
        now, new = nodes["current"]["monthly_cost"], nodes["recommended"]["monthly_cost"]
        cards.append(Card(
            f"Kubernetes nodes ({nodes['cloud']})",
            f"{nodes['saving_month']:,.0f} {inputs.currency}/month", f"{now:,.0f} → {new:,.0f}",
        ))  # fmt: skip
    cards.append(Card("flagged containers", str(totals["flagged"]), "throttling or OOM kills",
                      "warn" if totals["flagged"] else ""))  # fmt: skip
    rec = [c for c in run["containers"] if c["recommended"]][:_MAX_BARS]
    chart = []
    if rec:
        names = [f"{c['namespace']}/{c['container']}" for c in rec]
        opt = charts.bar(names, {
            "memory used (peak)": [c["memory_max_mib"] or 0 for c in rec],
            "memory requested now": [c["current"]["memory_request_mib"] or 0 for c in rec],
            "memory recommended": [c["recommended"]["memory_request_mib"] for c in rec],
        }, unit="MiB")  # fmt: skip
        chart.append(Chart("optimize-memory", "Containers: memory used vs allocated", opt))
    vms = Table(
        "optimize-vms", "VMs: observed usage and recommended size",
        ("server", "cores", "GiB", "CPU stat %", "memory stat %", "days", "cloud", "now",
         "recommended", "saving/month", "note"),
        [(v["server"], v["cores"], v["memory_gib"], v["cpu_stat_pct"], v["mem_stat_pct"],
          v["covered_days"], t["cloud"], t["current_type"], t["recommended_type"],
          t["saving_month"], v["reason"] or t["note"])
         for v in run["vms"] for t in v["targets"]],
    )  # fmt: skip
    cont = Table(
        "optimize-containers", "Containers: requests and limits",
        ("namespace", "container", "days", "CPU peak", "CPU req now", "CPU req rec",
         "memory peak MiB", "memory now MiB", "memory rec MiB", "notes"),
        [(c["namespace"], c["container"], c["covered_days"], c["cpu_max"],
          c["current"]["cpu_request"], (c["recommended"] or {}).get("cpu_request"),
          c["memory_max_mib"], c["current"]["memory_request_mib"],
          (c["recommended"] or {}).get("memory_request_mib"),
          "; ".join([c["reason"], *c["flags"]]).strip("; "))
         for c in run["containers"]],
    )  # fmt: skip
    usage = usage_block(run, inputs.usage, inputs.usage_source, inputs.currency)
    return Section(
        "optimize", "Optimize", cards=tuple(cards), charts=tuple(chart), tables=(vms, cont),
        usage=usage,
        notes=(f"From {run['prometheus']} over {run['window_days']:g} days (run {run['run']}).",
               *run.get("warnings", [])[:10]),
    )  # fmt: skip

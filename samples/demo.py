"""`make demo`: run the skylift pipeline, as far as it exists, on the bundled sample estate.

Every step is the real CLI command a user would type, printed before it runs,
in a fresh workspace under build/demo.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "estate"
WORKSPACE = ROOT / "build" / "demo"
APP = ROOT / "samples" / "app"
SKYLIFT = [sys.executable, "-m", "skylift", "--workspace", str(WORKSPACE)]
# Wide tables when the output is not a terminal (CI logs, `make demo | less`).
ENV = {**os.environ, "COLUMNS": os.environ.get("COLUMNS", "150")}


def step(title: str, *args: str, env: dict[str, str] | None = None) -> None:
    """Print and run one CLI command; stop the demo if it fails."""
    print(f"\n=== {title}\n$ skylift {shlex.join(args)}", flush=True)
    result = subprocess.run([*SKYLIFT, *args], check=False, env={**ENV, **(env or {})})
    if result.returncode != 0:
        sys.exit(f"demo step failed: skylift {shlex.join(args)} (exit {result.returncode})")


def main() -> None:
    """Build the demo workspace and walk the pipeline."""
    if WORKSPACE.exists():
        shutil.rmtree(WORKSPACE)
    WORKSPACE.parent.mkdir(parents=True, exist_ok=True)
    print(f"=== init\n$ skylift init {WORKSPACE} --project demo-ecommerce", flush=True)
    subprocess.run(
        [sys.executable, "-m", "skylift", "init", str(WORKSPACE), "--project", "demo-ecommerce"],
        check=True,
    )
    steps: list[tuple[str, list[str]]] = []
    rvtools = SAMPLE / "rvtools.xlsx"
    if rvtools.exists():
        steps.append(("discover: RVTools export", ["discover", "rvtools", str(rvtools)]))
    perf = SAMPLE / "perf.parquet"
    if perf.exists():
        steps.append(("discover: 30 days of utilisation", ["discover", "perf", str(perf)]))
    deps = SAMPLE / "dependencies.csv"
    if deps.exists():
        steps.append(("discover: dependencies", ["discover", "deps", str(deps)]))
    steps.append(("inventory", ["inventory", "--limit", "15"]))
    steps += [
        (
            "assess: right-size on AWS, Azure and GCP, cost, readiness, strategy",
            ["assess", "--top", "15", "--xlsx", str(WORKSPACE / "assessment.xlsx")],
        ),
        (
            "catalog: what an Azure Dsv5 with 2+ vCPUs costs in eastus",
            [
                "catalog",
                "show",
                "--cloud",
                "azure",
                "--region",
                "eastus",
                "--min-vcpus",
                "2",
                "--family",
                "Dsv5",
                "--limit",
                "5",
            ],
        ),
        (
            "plan: groups, waves with reasons, schedule, strategy per wave",
            [
                "plan",
                "--gantt",
                str(WORKSPACE / "waves.svg"),
                "--csv",
                str(WORKSPACE / "waves.csv"),
                "--mgn-csv",
                str(WORKSPACE / "mgn-import.csv"),
            ],
        ),
        ("plan: why is prd-mysql01 where it is?", ["plan", "--explain", "prd-mysql01"]),
        ("plan: the seed's deployment-strategy example", ["plan", "decide", "--seed-example"]),
        ("plan: pack the container workloads onto node pools", ["plan", "pack"]),
        (
            "generate: Dockerfiles, Kubernetes, Helm, Terraform, Ansible, monitoring (validated)",
            [
                "generate",
                str(APP),
                "--compose",
                str(APP / "docker-compose.yml"),
                "--application",
                "Shop",
                "--environment",
                "production",
                "--out",
                str(WORKSPACE / "target"),
                "--check",
            ],
        ),
        (
            "scan: secrets, misconfiguration and policies in the app and the generated target",
            ["scan", str(APP), str(WORKSPACE / "target"), "--fail-on", "critical"],
        ),
        (
            "transfer: move wave 1's data to a local 'cloud' folder (tracked per server)",
            ["transfer", str(APP), str(WORKSPACE / "cloud" / "app"), "--wave", "1"],
        ),
        (
            "verify: prove it arrived intact (content checksums)",
            ["verify", str(APP), str(WORKSPACE / "cloud" / "app"), "--checksum"],
        ),
    ]
    for title, args in steps:
        step(title, *args)
    from demo_relay import relay_steps  # samples/: one receiver, two local network paths

    with relay_steps(WORKSPACE) as (relay, relay_env):
        for title, args in relay:
            step(title, *args, env=relay_env)
    from demo_database import database_steps  # samples/: two local PostgreSQL servers

    with database_steps() as (db_steps, db_env):
        for title, args in db_steps:
            step(title, *args, env=db_env)
    from demo_service import service_steps  # samples/: the shop, source and migrated copy

    with service_steps(WORKSPACE) as (svc_steps, svc_env):
        for title, args in svc_steps:
            step(title, *args, env=svc_env)
    from demo_optimize import optimize_steps  # samples/: Prometheus with the estate utilisation

    with optimize_steps(WORKSPACE) as opt_steps:
        for title, args in opt_steps:
            step(title, *args)
    # samples/app is two modules (nothing to split): decompose the vendored Spring PetClinic.
    monolith = ROOT / "tests" / "fixtures" / "monoliths" / "petclinic"
    step("decompose: propose services for a monolith", "decompose", str(monolith))
    report = WORKSPACE / "report.html"
    step(
        "report: the whole migration in one offline HTML file (and XLSX with Excel charts)",
        *("report", "--out", str(report), "--xlsx", str(WORKSPACE / "report.xlsx")),
    )
    print("\nDemo finished. Workspace:", WORKSPACE)
    print(f"Report: {report}  (open it in a browser; live view: skylift -w {WORKSPACE} serve)")


if __name__ == "__main__":
    main()

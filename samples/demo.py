"""`make demo`: run the skylift pipeline, as far as it exists, on the bundled sample estate.

Every step is the real CLI command a user would type, printed before it runs,
in a fresh workspace under build/demo.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "estate"
WORKSPACE = ROOT / "build" / "demo"
SKYLIFT = [sys.executable, "-m", "skylift", "--workspace", str(WORKSPACE)]


def step(title: str, *args: str) -> None:
    """Print and run one CLI command; stop the demo if it fails."""
    print(f"\n=== {title}\n$ skylift {shlex.join(args)}", flush=True)
    result = subprocess.run([*SKYLIFT, *args], check=False)
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
    for title, args in steps:
        step(title, *args)
    print("\nDemo finished. Workspace:", WORKSPACE)


if __name__ == "__main__":
    main()

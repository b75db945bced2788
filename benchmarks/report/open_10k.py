"""Claim: the report of a 10,000-server workspace opens in Chromium in < 3 s and stays < 20 MB.

Builds (once, cached under build/bench/report-10k/) a workspace from the sample
estate generator with 10,000 VMs and 2 days of utilisation, runs discover,
assess and plan, then times ``skylift report`` and opens the file from
``file://`` in Debian's headless Chromium (Playwright) ``--runs`` times:
navigation to "every chart and table drawn" (the page sets
``body[data-ready]``), plus the JS heap. There is no peer tool for this
claim: the figures are printed against the issue's budgets.

    .venv/bin/python benchmarks/report/open_10k.py            # ~3 min cold, ~40 s cached
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

from skylift.report.pdf import BROWSER_FLAGS

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / "build" / "bench" / "report-10k"
FLAGS = list(BROWSER_FLAGS)


def skylift(ws: Path, *args: str) -> None:
    """Run one CLI command on ``ws`` (quietly); stop the benchmark if it fails."""
    cmd = [sys.executable, "-m", "skylift", "--workspace", str(ws), *args]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


def build(vms: int) -> Path:
    """The cached workspace (generator → discover → assess → plan)."""
    ws = CACHE / f"ws-{vms}"
    if (ws / ".skylift" / "plans" / "latest.json").exists():
        return ws
    estate = CACHE / f"estate-{vms}"
    gen = [sys.executable, str(ROOT / "samples" / "generate_estate.py"), "--out", str(estate)]
    subprocess.run([*gen, "--vms", str(vms), "--days", "2", "--seed", "7"], check=True)
    subprocess.run(
        [sys.executable, "-m", "skylift", "init", str(ws)], check=True, stdout=subprocess.DEVNULL
    )
    skylift(ws, "discover", "rvtools", str(estate / "rvtools.xlsx"))
    skylift(ws, "discover", "perf", str(estate / "perf.parquet"))
    skylift(ws, "discover", "deps", str(estate / "dependencies.csv"))
    skylift(ws, "assess", "--top", "0")
    skylift(ws, "plan")
    return ws


def main() -> None:
    """Build or reuse the workspace, write the report, open it ``--runs`` times."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vms", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    ws = build(args.vms)
    out = CACHE / f"report-{args.vms}.html"
    t0 = time.perf_counter()
    skylift(ws, "report", "--out", str(out))
    write_s = time.perf_counter() - t0
    size_mb = out.stat().st_size / 1e6
    opens: list[float] = []
    heaps: list[float] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        for _ in range(args.runs):
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            t = time.perf_counter()
            page.goto(out.as_uri())
            page.wait_for_selector("body[data-ready='1']", timeout=60_000)
            opens.append(time.perf_counter() - t)
            heaps.append(page.evaluate("performance.memory.usedJSHeapSize") / 1e6)
            page.close()
        browser.close()
    load = Path("/proc/loadavg").read_text().split()[:3]
    median = statistics.median(opens)
    print(f"servers: {args.vms:,}; skylift report wrote {size_mb:.1f} MB in {write_s:.1f} s")
    print(f"open to drawn: median {median:.2f} s (runs {', '.join(f'{o:.2f}' for o in opens)})")
    print(f"JS heap after drawing: median {statistics.median(heaps):.1f} MB")
    print(f"vs budget: open {median / 3.0:.2f}x of 3 s, file {size_mb / 20.0:.2f}x of 20 MB")
    print(f"load average: {' '.join(load)}")


if __name__ == "__main__":
    main()

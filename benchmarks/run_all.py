"""`make bench`: run every benchmark script, one after the other, with its defaults.

Each script measures one claim (and its peer, in the same run) and prints the
figures; the results that were published are in docs/benchmarks.md. Run on an
otherwise idle machine: the scripts compare wall time. Pass script names to run
a subset: ``.venv/bin/python benchmarks/run_all.py plan_scale scan_tree``.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def scripts() -> list[Path]:
    """Every benchmark script (a module with a ``main``), sorted by path."""
    found = [
        p
        for p in sorted(HERE.rglob("*.py"))
        if p.name not in ("__init__.py", "run_all.py") and "def main(" in p.read_text()
    ]
    return found


def main() -> None:
    """Run the selected scripts; exit non-zero if any failed."""
    wanted = set(sys.argv[1:])
    failed: list[str] = []
    for path in scripts():
        if wanted and path.stem not in wanted:
            continue
        rel = path.relative_to(HERE.parent)
        print(f"\n=== {rel}", flush=True)
        t0 = time.perf_counter()
        code = subprocess.run([sys.executable, str(path)], check=False).returncode
        print(f"--- {rel}: exit {code} in {time.perf_counter() - t0:.0f} s", flush=True)
        if code:
            failed.append(str(rel))
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()

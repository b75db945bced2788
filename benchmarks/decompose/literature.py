"""skylift decompose, static analysis only, on every vendored monolith.

Runs ``decompose`` on the sources in tests/fixtures/monoliths with the default
criterion and with k=5, each with the refinement stage (the default) and
without it (Louvain only), and prints SM, ICP, BCP, IFN, NED per app (definitions:
the Mono2Micro artifact's, see skylift.decompose.metrics). Without traces the
metrics are taken on skylift's own static graph and entry points, so they are
not comparable with published figures; the like-for-like comparison (same
runtime evidence, same metric code) is benchmarks/decompose/published.py.
Lower is better for ICP, BCP, IFN, NED; higher for SM.

    .venv/bin/python benchmarks/decompose/literature.py     (~35 s at load 5)
"""

from __future__ import annotations

import os
from pathlib import Path

from skylift.decompose.run import decompose

APPS = [
    "daytrader", "daytrader7", "acmeair", "acmeair_monolithic", "plants", "jpetstore", "petclinic",
    "microblog", "bakerydemo",
]  # fmt: skip
ROOT = Path(__file__).parents[2] / "tests" / "fixtures" / "monoliths"


def main() -> None:
    print(f"load average: {os.getloadavg()[0]:.2f}")
    print(
        f"{'app':<18} {'k':>9} {'run':>8} {'classes':>7} {'SM':>6} {'ICP':>6} {'BCP':>6} "
        f"{'IFN':>6} {'NED':>6}"
    )
    for app in APPS:
        for k in (None, 5):
            for refined in (False, True):
                d = decompose(ROOT / app, k=k, refined=refined)
                s = d.score
                label = f"{len(d.services)} auto" if k is None else "5"
                run = "refined" if refined else "Louvain"
                print(f"{app:<18} {label:>9} {run:>8} {d.units:>7} {s.sm:6.3f} {s.icp:6.3f} "
                      f"{s.bcp or 0:6.3f} {s.ifn:6.2f} {s.ned:6.3f}")  # fmt: skip


if __name__ == "__main__":
    main()

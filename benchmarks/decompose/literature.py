"""skylift decompose on the monoliths of the literature, beside the published numbers.

Runs ``decompose`` (static only: no traces are vendored) on the vendored
sources in tests/fixtures/monoliths with the default criterion and with k=5,
prints SM, ICP, BCP, IFN, NED per app, and for DayTrader the ICP and BCP that
the CARGO artifact publishes for Mono2Micro, CoGCN, FoSCI, MEM and CARGO
(README of github.com/vikramnitin9/tackle-data-gravity-insights, "RQ3",
commit 007bec4f; DayTrader 7 there, DayTrader 8 here). The other apps' tables
(CARGO paper Table 1, Mono2Micro paper §5) were not available offline: none
are printed rather than guessed. Lower is better for ICP, BCP, IFN, NED.

    .venv/bin/python benchmarks/decompose/literature.py     (~2 s)
"""

from __future__ import annotations

import os
from pathlib import Path

from skylift.decompose.run import decompose

APPS = ["daytrader", "acmeair", "plants", "jpetstore", "petclinic", "microblog", "bakerydemo"]
ROOT = Path(__file__).parents[2] / "tests" / "fixtures" / "monoliths"
# (ICP, BCP) on DayTrader, from the CARGO artifact README (RQ3 table, first row of Table 1).
PUBLISHED_DAYTRADER = {
    "Mono2Micro": (0.596, 2.308), "Mono2Micro+CARGO": (0.053, 2.498),
    "CoGCN": (0.157, 1.399), "CoGCN+CARGO": (0.047, 1.824),
    "FoSCI": (0.481, 2.545), "FoSCI+CARGO": (0.077, 2.192),
    "MEM": (0.041, 2.227), "MEM+CARGO": (0.074, 2.496), "CARGO": (0.004, 1.382),
}  # fmt: skip


def main() -> None:
    print(f"load average: {os.getloadavg()[0]:.2f}")
    print(
        f"{'app':<11} {'k':>9} {'classes':>7} {'SM':>6} {'ICP':>6} {'BCP':>6} {'IFN':>6} {'NED':>6}"
    )
    ours = {}
    for app in APPS:
        for k in (None, 5):
            d = decompose(ROOT / app, k=k)
            s = d.score
            label = f"{len(d.services)} auto" if k is None else "5"
            print(f"{app:<11} {label:>9} {d.units:>7} {s.sm:6.3f} {s.icp:6.3f} "
                  f"{s.bcp or 0:6.3f} {s.ifn:6.2f} {s.ned:6.3f}")  # fmt: skip
            ours[(app, k)] = s
    print("\nDayTrader, published (ICP, BCP) vs skylift (lower is better):")
    for k in (None, 5):
        s = ours[("daytrader", k)]
        for name, (icp, bcp) in PUBLISHED_DAYTRADER.items():
            print(f"  k={k or 'auto'} vs {name:<17} ICP {s.icp:.3f}/{icp:.3f} = {s.icp / icp:5.2f}x"
                  f"   BCP {s.bcp or 0:.3f}/{bcp:.3f} = {(s.bcp or 0) / bcp:4.2f}x")  # fmt: skip


if __name__ == "__main__":
    main()

"""Read Bitbrains (GWA-T-12) trace files as :class:`~skylift.optimize.testing.openmetrics.Trace`.

Format (see the traces' README): ``;``+tab separated, one header line; the
``Timestamp [ms]`` column holds epoch **seconds**. Samples are sorted and
de-duplicated; ``shift_to`` moves the trace so its last sample is at that time.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np

from skylift.optimize.testing.openmetrics import Trace


def read_trace(
    path: Path, name: str, shift_to: float | None = None, days: float | None = None
) -> Trace:
    """One VM's trace (``days``: only the first that many days)."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt") as fh:
        next(fh)
        rows = np.array([[float(x) for x in line.split(";")] for line in fh if line.strip()])
    rows = rows[np.argsort(rows[:, 0], kind="stable")]
    rows = rows[np.concatenate(([True], np.diff(rows[:, 0]) > 0))]
    if days is not None:
        rows = rows[rows[:, 0] < rows[0, 0] + days * 86400]
    t = rows[:, 0]
    if shift_to is not None:
        t = t + (shift_to - t[-1])
    cores = max(1, int(rows[:, 1].max()))
    mem_total = float(rows[:, 5].max()) * 1024
    return Trace(
        name=name,
        t=t,
        cores=cores,
        cpu_pct=rows[:, 4],
        mem_used=np.minimum(rows[:, 6] * 1024, mem_total),
        mem_total=mem_total,
        disk_bps=(rows[:, 7] + rows[:, 8]) * 1024,
        net_bps=(rows[:, 9] + rows[:, 10]) * 1024,
    )

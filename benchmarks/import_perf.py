"""Claim: utilisation time series import runs at ≥ 2 M values/s on 2 cores.

Data: 10,000 servers × 30 days × hourly × 6 metrics = 43.2 M values, long format
(server NAME, ISO-8601 timestamp, metric, value), as CSV (~2.4 GB) and as Parquet,
cached under build/bench/perf/. Each run imports into a workspace that already
holds the 10,000 servers (inserted with ImportBatch + StateStore.apply_import):
``Workspace.discover("perf", …)`` end to end — read, validate, map names to keys,
sort, fold duplicates, write zstd Parquet, publish in the state store.

Peer, in the same run: the straightforward pandas script — ``pd.read_csv`` (or
``pd.read_parquet``), ``pd.to_datetime(utc=True)``, map each row's name to a key
with the same ServerIndex (``Series.map(index.lookup)``), ``to_parquet``. The peer
does less (no validation, no sort, no de-duplication). Ratio printed =
peer / skylift for wall seconds, CPU seconds and peak RSS. Every measurement runs
in its own child process so its peak RSS (ru_maxrss) and CPU seconds (user +
system, all threads) are its own. ``values/cpu-s`` is the figure that stays
stable on a shared machine; on an idle one wall values/s is at least that
(Polars reads, sorts and compresses on several threads).

Run: .venv/bin/python benchmarks/import_perf.py [--servers 10000] [--days 30] [--skip-peer]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
METRICS = ("cpu_pct", "mem_pct", "disk_read_mbps", "disk_write_mbps", "net_in_mbps", "net_out_mbps")
START = datetime(2026, 10, 1, tzinfo=UTC)


def _name(i: int) -> str:
    return f"srv-{i:05d}"


def make_data(folder: Path, servers: int, days: int) -> tuple[Path, Path]:
    """Write (or reuse) the CSV and Parquet inputs; rows ordered server, time, metric."""
    import numpy as np
    import polars as pl

    folder.mkdir(parents=True, exist_ok=True)
    csv, parquet = folder / f"perf-{servers}x{days}.csv", folder / f"perf-{servers}x{days}.parquet"
    if csv.exists() and parquet.exists():
        return csv, parquet
    end = START + timedelta(hours=days * 24 - 1)
    stamps = pl.datetime_range(START, end, "1h", time_unit="us", eager=True).alias("timestamp")
    frame = (
        pl.DataFrame({"server": [_name(i) for i in range(servers)]})
        .join(pl.DataFrame({"timestamp": stamps}), how="cross")
        .join(pl.DataFrame({"metric": list(METRICS)}), how="cross")
    )
    rng = np.random.default_rng(1)
    frame = frame.with_columns(value=pl.Series(np.round(rng.random(frame.height) * 100, 3)))
    frame.write_parquet(parquet)
    frame.with_columns(pl.col("timestamp").dt.strftime("%Y-%m-%dT%H:%M:%SZ")).write_csv(csv)
    return csv, parquet


def _usage() -> dict[str, float]:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return {"cpu_s": ru.ru_utime + ru.ru_stime, "peak_rss_mib": ru.ru_maxrss / 1024}


def _workspace(tmp: Path, servers: int) -> object:
    from skylift.domain.imports import ImportBatch
    from skylift.domain.inventory import Server
    from skylift.workspace import Workspace

    ws = Workspace.init(tmp / "ws", project="bench")
    batch = ImportBatch(
        format="bench",
        files=(),
        servers=tuple(
            Server(key=f"uuid-{i:05d}", name=_name(i), source="bench") for i in range(servers)
        ),
    )
    ws.store.apply_import(batch, datetime.now(UTC))
    return ws


def child_skylift(path: Path, servers: int) -> dict[str, float]:
    """Import ``path`` with skylift into a workspace holding the servers; measure."""
    from skylift.workspace import Workspace

    with tempfile.TemporaryDirectory(dir=ROOT / "build") as tmp:
        ws = _workspace(Path(tmp), servers)
        assert isinstance(ws, Workspace)
        before = _usage()
        start = time.perf_counter()
        summary = ws.discover("perf", [path])
        seconds = time.perf_counter() - start
        usage = _usage()
        ws.close()
    return {
        "seconds": seconds,
        "cpu_s": usage["cpu_s"] - before["cpu_s"],
        "peak_rss_mib": usage["peak_rss_mib"],
        "values": summary.series_rows,
    }


def child_pandas(path: Path, servers: int) -> dict[str, float]:
    """The straightforward pandas script; measure."""
    import pandas as pd

    from skylift.workspace import Workspace

    with tempfile.TemporaryDirectory(dir=ROOT / "build") as tmp:
        ws = _workspace(Path(tmp), servers)
        assert isinstance(ws, Workspace)
        index = ws.store.server_index()
        before = _usage()
        start = time.perf_counter()
        df = pd.read_csv(path) if path.suffix == ".csv" else pd.read_parquet(path)
        df["ts"] = pd.to_datetime(df["timestamp"], utc=True)
        df["server_key"] = df["server"].map(index.lookup)
        out = df[["server_key", "ts", "metric", "value"]]
        out.to_parquet(Path(tmp) / "out.parquet", compression="zstd")
        seconds = time.perf_counter() - start
        usage = _usage()
        ws.close()
    return {
        "seconds": seconds,
        "cpu_s": usage["cpu_s"] - before["cpu_s"],
        "peak_rss_mib": usage["peak_rss_mib"],
        "values": len(out),
    }


def run_child(kind: str, path: Path, servers: int) -> dict[str, float]:
    """Run one measurement in a fresh interpreter and return its JSON result."""
    proc = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--path", str(path), "--servers", str(servers)],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    """Generate the inputs, run skylift and the peer on CSV and Parquet, print a table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--servers", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--skip-peer", action="store_true")
    parser.add_argument("--child", choices=("skylift", "pandas"))
    parser.add_argument("--path", type=Path)
    args = parser.parse_args()
    if args.child:
        fn = child_skylift if args.child == "skylift" else child_pandas
        print(json.dumps(fn(args.path, args.servers)))
        return
    (ROOT / "build").mkdir(exist_ok=True)
    t0 = time.perf_counter()
    csv, parquet = make_data(ROOT / "build" / "bench" / "perf", args.servers, args.days)
    values = args.servers * args.days * 24 * len(METRICS)
    size_csv, size_pq = csv.stat().st_size / 1e9, parquet.stat().st_size / 1e6
    ready = time.perf_counter() - t0
    print(
        f"inputs: {values:,} values; CSV {size_csv:.2f} GB, Parquet {size_pq:.0f} MB; {ready:.0f} s"
    )
    print(
        f"{'run':<18}{'seconds':>9}{'cpu s':>8}{'values/s':>12}{'values/cpu-s':>14}{'RSS MiB':>9}"
    )
    results: dict[str, dict[str, float]] = {}
    for fmt, path in (("CSV", csv), ("Parquet", parquet)):
        for kind in ("skylift", "pandas"):
            if kind == "pandas" and args.skip_peer:
                continue
            r = run_child(kind, path, args.servers)
            assert int(r["values"]) == values, r
            results[f"{kind} {fmt}"] = r
            rate, per_cpu = values / r["seconds"], values / r["cpu_s"]
            print(f"{kind + ' ' + fmt:<18}{r['seconds']:>9.1f}{r['cpu_s']:>8.1f}{rate:>12,.0f}"
                  f"{per_cpu:>14,.0f}{r['peak_rss_mib']:>9,.0f}", flush=True)  # fmt: skip
    for fmt in ("CSV", "Parquet"):
        if f"pandas {fmt}" in results:
            peer, ours = results[f"pandas {fmt}"], results[f"skylift {fmt}"]
            print(
                f"ratio {fmt}: pandas/skylift wall {peer['seconds'] / ours['seconds']:.1f}x, "
                f"CPU {peer['cpu_s'] / ours['cpu_s']:.1f}x, "
                f"peak RSS {peer['peak_rss_mib'] / ours['peak_rss_mib']:.1f}x"
            )


if __name__ == "__main__":
    main()

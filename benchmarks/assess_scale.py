"""Assess at scale: 100,000 servers × 30 days of hourly samples × 4 metrics, 3 clouds × 2 regions.

Generates the data directly as Parquet in a temporary workspace (sorted by
server, as ``skylift discover perf`` writes it), then runs the assess stage in
a child process and reports its wall time, CPU time and peak RSS
(targets: < 60 s, < 6 GB on the 2-core CI machine). In the same run, a
straightforward per-server pandas loop (resample to 10-minute peaks, P95,
filter the catalog per region) sizes a 5,000-server subset, skylift sizes the
same subset, and the ratio and the agreement of the chosen instance types are
printed. The assessment runs as ``skylift assess`` does by default — with the
demand forecast (12-month horizon, fed the sizing pass's 10-minute peaks) —
and again without it (``--forecast on|off|both``, default both). The machine
is shared: each run reports wall and CPU time and the 1-minute load average
before and after it.

    .venv/bin/python benchmarks/assess_scale.py
    .venv/bin/python benchmarks/assess_scale.py --servers 20000 --subset 1000 --forecast on
    .venv/bin/python benchmarks/assess_scale.py --data /tmp/assess-data   # keep, reuse the data
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

HOURS = 30 * 24
METRICS = ("cpu_pct", "mem_pct", "disk_read_iops", "net_out_mbps")
TARGETS = (
    ("aws", "us-east-1"), ("aws", "cn-north-1"), ("azure", "eastus"), ("azure", "westeurope"),
    ("gcp", "us-central1"), ("gcp", "europe-west1"),
)  # fmt: skip
CORES = np.array([2, 4, 8, 16, 32])


def key(i: int) -> str:
    """Server key of index ``i``."""
    return f"srv-{i:06d}"


def write_series(path: Path, n: int, batch: int = 2000) -> int:
    """Hourly samples of 4 metrics for servers 0..n-1 (deterministic per batch)."""
    t0 = np.datetime64("2026-10-01T00:00:00", "us").astype(np.int64)
    ts_one = t0 + np.arange(HOURS, dtype=np.int64) * 3_600_000_000
    daily = (1 + 0.3 * np.sin(np.arange(HOURS) / 24 * 2 * np.pi))[None, None, :]
    metrics = pa.array(list(METRICS))
    schema = pa.schema([("server_key", pa.string()), ("ts", pa.timestamp("us", tz="UTC")),
                        ("metric", pa.string()), ("value", pa.float64())])  # fmt: skip
    rows = 0
    with pq.ParquetWriter(path, schema, compression="zstd") as w:
        for s0 in range(0, n, batch):
            m = min(batch, n - s0)
            rng = np.random.default_rng(s0)
            base = rng.uniform(1, 60, size=(m, 1, 1))
            vals = np.clip(base * daily + rng.gamma(2.0, 2.0, size=(m, 4, HOURS)), 0, 100)
            kidx = np.repeat(np.arange(m, dtype=np.int32), 4 * HOURS)
            names = [key(i) for i in range(s0, s0 + m)]
            midx = np.tile(np.repeat(np.arange(4, dtype=np.int32), HOURS), m)
            tbl = pa.table({
                "server_key": pa.DictionaryArray.from_arrays(kidx, pa.array(names)),
                "ts": pa.array(np.tile(ts_one, m * 4), pa.timestamp("us", tz="UTC")),
                "metric": pa.DictionaryArray.from_arrays(midx, metrics),
                "value": vals.reshape(-1),
            })  # fmt: skip
            w.write_table(tbl.cast(schema), row_group_size=1_000_000)
            rows += tbl.num_rows
    return rows


def servers(n: int) -> list[object]:
    """n servers with deterministic sizes (cores 2–32, 4 GiB per core, one disk)."""
    from skylift.domain.inventory import Disk, Server

    out = []
    for i in range(n):
        cores = int(CORES[i % len(CORES)])
        out.append(
            Server(
                key=key(i), name=key(i), source="bench", cores=cores, memory_mib=cores * 4096.0,
                os_family="linux" if i % 3 else "windows",
                os_name="Ubuntu Linux (64-bit)" if i % 3 else "Microsoft Windows Server 2019",
                power_state="on", disks=(Disk(name="d0", size_gib=100.0 + (i % 7) * 50),),
            )
        )  # fmt: skip
    return out


def child(n: int, series: Path, forecast: bool) -> None:
    """Run the assess stage on n servers and print wall, CPU, RSS as JSON."""
    import polars as pl

    from skylift.assess.policy import AssessPolicy, TargetRegion
    from skylift.assess.run import assess, default_forecaster
    from skylift.catalog.loader import load_catalog

    t = time.perf_counter()
    srv = servers(n)
    catalog = load_catalog()
    setup = time.perf_counter() - t
    policy = AssessPolicy(targets=tuple(TargetRegion(cloud=c, region=r) for c, r in TARGETS))
    load0 = os.getloadavg()[0]
    wall0, cpu0 = time.perf_counter(), time.process_time()
    samples = pl.scan_parquet(series)
    result = assess(srv, [], samples, catalog, policy, parquet_files=[series],  # type: ignore[arg-type]
                    forecaster=default_forecaster() if forecast else None)  # fmt: skip
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    aws = result.targets.filter((pl.col("cloud") == "aws") & (pl.col("region") == "us-east-1"))
    basis = result.servers["basis"].value_counts()
    print(json.dumps({
        "servers": n, "setup_s": setup, "wall_s": wall, "cpu_s": cpu, "forecast": forecast,
        "load_before": load0, "load": os.getloadavg()[0],
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "sized": result.summary.sized, "cheapest": result.summary.cheapest,
        "basis": {str(k): int(v) for k, v in basis.iter_rows()},
        "choice": dict(zip(aws["server_key"], aws["instance_type"], strict=True)),
    }))  # fmt: skip


def run_child(n: int, series: Path, forecast: bool) -> dict[str, object]:
    """Run :func:`child` in a fresh interpreter (clean RSS measurement)."""
    mode = "on" if forecast else "off"
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(n), str(series), mode],
        capture_output=True,
        text=True,
        check=True,
    )
    data: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return data


def pandas_loop(n: int, series: Path) -> tuple[float, dict[str, str | None]]:
    """The straightforward way: one server at a time with pandas."""
    import pandas as pd

    from skylift.catalog.loader import load_catalog

    t = time.perf_counter()
    df = pd.read_parquet(series)
    cat = load_catalog().instances.to_pandas()
    cands = {
        (c, r): cat[(cat.cloud == c) & (cat.region == r) & ~cat.burstable & (cat.arch == "x86_64")]
        for c, r in TARGETS
    }
    choice: dict[str, str | None] = {}
    for i, (k, g) in enumerate(df.groupby("server_key", sort=True)):
        cores = float(CORES[i % len(CORES)])
        stats = {}
        for metric, gm in g.groupby("metric"):
            s = gm.set_index("ts")["value"].resample("10min").max().dropna()
            s = s[s.index > s.index.max() - pd.Timedelta(days=30)]
            stats[metric] = s.quantile(0.95)
        cpu = cores * stats["cpu_pct"] / 100 * 1.3
        mem = cores * 4 * stats["mem_pct"] / 100 * 1.3
        for (c, r), cand in cands.items():
            fit = cand[(cand.vcpus >= cpu - 1e-6) & (cand.memory_gib >= mem - 1e-6)]
            best = fit.nsmallest(1, "price_hour_ondemand")
            if (c, r) == ("aws", "us-east-1"):
                choice[str(k)] = None if best.empty else str(best.instance_type.iloc[0])
    return time.perf_counter() - t, choice


def main() -> None:
    """Generate, measure, compare, print."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--servers", type=int, default=100_000)
    ap.add_argument("--subset", type=int, default=5_000)
    ap.add_argument("--forecast", choices=("on", "off", "both"), default="both")
    ap.add_argument("--data", type=Path, help="keep the generated series here and reuse them")
    ap.add_argument("--child", nargs=3, metavar=("N", "SERIES", "FORECAST"))
    args = ap.parse_args()
    if args.child:
        child(int(args.child[0]), Path(args.child[1]), args.child[2] == "on")
        return
    from skylift.workspace import Workspace

    modes = {"on": [True], "off": [False], "both": [True, False]}[args.forecast]
    with tempfile.TemporaryDirectory(prefix="assess-bench-") as tmp:
        ws = Workspace.init(Path(tmp) / "ws", project="bench")
        ws.close()
        series_dir = args.data or ws.state_dir / "series"
        series_dir.mkdir(parents=True, exist_ok=True)
        full = series_dir / f"full-{args.servers}.parquet"
        sub = series_dir / f"subset-{args.subset}.parquet"
        t = time.perf_counter()
        for path, n in ((full, args.servers), (sub, args.subset)):
            if not path.exists():
                write_series(path.with_suffix(".tmp"), n)
                path.with_suffix(".tmp").rename(path)
        took = time.perf_counter() - t
        rows = pq.ParquetFile(full).metadata.num_rows
        print(f"{args.servers:,} servers, {rows:,} samples ready in {took:.0f} s")
        big = {fc: run_child(args.servers, full, fc) for fc in modes}
        small = {fc: run_child(args.subset, sub, fc) for fc in modes}
        peer_s, peer_choice = pandas_loop(args.subset, sub)
    print("\n| measure | " + " | ".join(_mode(fc) for fc in modes) + " |")
    print("| --- |" + " --- |" * len(modes))
    rows_out = [
        (f"assess {args.servers:,} servers × {len(TARGETS)} regions, wall", "wall_s", "{:.1f} s"),
        ("same, CPU time (all threads)", "cpu_s", "{:.1f} s"),
        ("1-minute load average before / after (2 cores)", None, ""),
        ("same, peak RSS (child process)", "peak_rss_mb", "{:.2f} GiB"),
        ("servers sized to the forecast", None, ""),
    ]
    for label, field, fmt in rows_out:
        cells = []
        for fc in modes:
            b = big[fc]
            if field == "peak_rss_mb":
                cells.append(fmt.format(float(b[field]) / 1024))  # type: ignore[arg-type]
            elif field is not None:
                cells.append(fmt.format(b[field]))
            elif label.startswith("1-minute"):
                cells.append(f"{b['load_before']:.2f} / {b['load']:.2f}")
            else:
                basis = b["basis"]
                assert isinstance(basis, dict)
                cells.append(f"{basis.get('forecast', 0):,}")
        print(f"| {label} | " + " | ".join(cells) + " |")
    cells = []
    for fc in modes:
        ours = small[fc]["choice"]
        assert isinstance(ours, dict)
        agree = sum(1 for k, v in peer_choice.items() if ours.get(k) == v) / max(
            1, len(peer_choice)
        )
        wall = float(small[fc]["wall_s"])  # type: ignore[arg-type]
        cells.append(
            f"{wall:.2f} s / {peer_s:.1f} s = **{peer_s / wall:.0f}×**; same AWS choice {agree:.1%}"
        )
    label = f"{args.subset:,}-server subset: skylift / pandas per-server loop"
    print(f"| {label} | " + " | ".join(cells) + " |")
    for fc in modes:
        b = big[fc]
        print(f"{_mode(fc)}: sized {b['sized']:,}; cheapest {b['cheapest']}; setup "
              f"{b['setup_s']:.1f} s (building Server objects, not timed)")  # fmt: skip


def _mode(forecast: bool) -> str:
    return "forecast on (default)" if forecast else "forecast off"


if __name__ == "__main__":
    main()

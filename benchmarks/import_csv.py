"""Claim: a 100,000-server Azure Migrate / AWS / skylift-servers CSV is parsed, validated
and written to the state store end to end in well under a minute, at a small multiple
of the cost of merely reading the file with pandas.

Peer: ``pandas.read_csv`` of the same file (what ad-hoc migration scripts do: read,
no validation, no typed model, nothing stored), timed in the same run. Printed per
format: skylift parse-only and end-to-end wall and CPU seconds, peak RSS, and the
ratio skylift CPU / pandas CPU. Each measurement runs in its own child process so its
peak RSS is its own; CPU seconds are printed because the machine may be shared.

Files are generated deterministically (seeded) and cached under build/bench/.

Run: .venv/bin/python benchmarks/import_csv.py [--servers 100000]
     [--formats azure-csv,aws-csv,servers]
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OS_NAMES = (
    "Microsoft Windows Server 2019 (64-bit)",
    "CentOS 7 (64-bit)",
    "Ubuntu Linux (64-bit)",
    "Red Hat Enterprise Linux 8 (64-bit)",
)


def _usage() -> dict[str, float]:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return {"cpu_s": ru.ru_utime + ru.ru_stime, "peak_rss_mib": ru.ru_maxrss / 1024}


def _row(fmt: str, i: int, r: random.Random) -> dict[str, object]:
    name = f"srv{i:07d}"
    ip = f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}"
    cores, mem = r.choice((2, 4, 8, 16)), r.choice((4096, 8192, 16384, 32768))
    os_name = r.choice(OS_NAMES)
    if fmt == "azure-csv":
        return {
            "*Server name": name, "IP addresses": ip, "*Cores": cores, "*Memory (In MB)": mem,
            "*OS name": os_name, "OS architecture": "x64",
            "CPU utilization percentage": r.randint(1, 95),
            "Memory utilization percentage": r.randint(1, 95),
            "Network In throughput": round(r.random() * 10, 2),
            "Network Out throughput": round(r.random() * 10, 2), "Boot type": "BIOS",
            "Disk 1 size (In GB)": 100, "Disk 1 read throughput (MB per second)": 5,
            "Disk 1 write ops (operations per second)": 40,
            "Disk 2 size (In GB)": r.choice((200, 500, 1000)),
        }  # fmt: skip
    if fmt == "aws-csv":
        return {
            "ExternalId": f"ext-{i}", "IPAddress": ip, "HostName": f"{name}.corp.local",
            "CPU.NumberOfProcessors": 1, "CPU.NumberOfLogicalCores": cores, "OS.Name": os_name,
            "RAM.TotalSizeInMB": mem, "RAM.UsedSizeInMB.Avg": mem // 2,
            "CPU.UsagePct.Avg": r.randint(1, 95), "CPU.UsagePct.Max": 99,
            "DiskReadsPerSecondInKB.Avg": 1500, "NetworkReadsPerSecondInKB.Avg": 2500,
            "NetworkWritesPerSecondInKB.Avg": 1200, "Applications": "Billing, CRM",
            "Tags": "env:prod, owner:ops",
        }  # fmt: skip
    return {
        "name": name, "cores": cores, "memory_mib": mem, "os": os_name, "environment": "prod",
        "application": f"app{i % 500}", "ip_addresses": ip, "disk_1_gib": 100,
        "disk_1_used_gib": 40, "disk_2_gib": 500, "services": "443:nginx", "owner": "ops",
    }  # fmt: skip


def make_file(fmt: str, n: int) -> Path:
    """Write (once) an ``n``-row CSV of ``fmt`` under build/bench/."""
    out = ROOT / "build" / "bench" / f"{fmt}-{n}.csv"
    if out.exists():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    r = random.Random(42)
    header = list(_row(fmt, 0, random.Random(0)))
    tmp = out.with_suffix(".tmp")
    with tmp.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=header)
        w.writeheader()
        for i in range(n):
            w.writerow(_row(fmt, i, r))
    tmp.replace(out)
    return out


def child_skylift(fmt: str, path: Path, parse_only: bool) -> dict[str, float]:
    """Parse (or import into a fresh workspace) and measure."""
    from skylift.inventory.base import ImportContext, get_importer
    from skylift.workspace import Workspace

    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace.init(Path(tmp) / "ws", project="bench")
        start, cpu0 = time.perf_counter(), _usage()["cpu_s"]
        if parse_only:
            servers = len(get_importer(fmt).parse([path], ImportContext()).servers)
        else:
            servers = ws.discover(fmt, [path]).servers_created
        seconds = time.perf_counter() - start
        usage = _usage()
        ws.close()
    return _measured(seconds, usage["cpu_s"] - cpu0, usage["peak_rss_mib"], servers)


def child_pandas(path: Path) -> dict[str, float]:
    """The peer: pandas.read_csv of the whole file."""
    import pandas as pd

    start, cpu0 = time.perf_counter(), _usage()["cpu_s"]
    frame = pd.read_csv(path)
    seconds = time.perf_counter() - start
    usage = _usage()
    return _measured(seconds, usage["cpu_s"] - cpu0, usage["peak_rss_mib"], len(frame))


def _measured(seconds: float, cpu_s: float, rss: float, servers: int) -> dict[str, float]:
    return {"seconds": seconds, "cpu_s": cpu_s, "peak_rss_mib": rss, "servers": servers}


def _in_child(*args: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", *args], capture_output=True, text=True, check=True
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    """Generate, measure in child processes, print a table and the ratios."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--servers", type=int, default=100_000)
    ap.add_argument("--formats", default="azure-csv,aws-csv,servers")
    ap.add_argument("--child", nargs="+")
    args = ap.parse_args()
    if args.child:
        kind, *rest = args.child
        if kind == "pandas":
            print(json.dumps(child_pandas(Path(rest[0]))))
        else:
            print(json.dumps(child_skylift(rest[0], Path(rest[1]), kind == "parse")))
        return
    print(f"{args.servers:,} servers per file")
    print(f"{'format':10} {'measure':22} {'wall s':>8} {'cpu s':>8} {'peak MiB':>9}")
    for fmt in args.formats.split(","):
        path = make_file(fmt, args.servers)
        peer = _in_child("pandas", str(path))
        parse = _in_child("parse", fmt, str(path))
        full = _in_child("import", fmt, str(path))
        assert parse["servers"] == full["servers"] == peer["servers"] == args.servers
        for label, m in (
            ("pandas.read_csv (peer)", peer),
            ("skylift parse", parse),
            ("skylift import (e2e)", full),
        ):
            wall, cpu, rss = m["seconds"], m["cpu_s"], m["peak_rss_mib"]
            print(f"{fmt:10} {label:22} {wall:8.2f} {cpu:8.2f} {rss:9.0f}")
        print(
            f"{fmt:10} ratio cpu: parse/peer {parse['cpu_s'] / peer['cpu_s']:.1f}x, "
            f"e2e/peer {full['cpu_s'] / peer['cpu_s']:.1f}x; "
            f"e2e {args.servers / full['seconds']:,.0f} servers/s wall"
        )


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    main()

"""Claim: a 100,000-VM RVTools export is imported end to end (all sheets → state store)
in < 60 s with bounded memory.

Peer: pandas.read_excel(engine="openpyxl") reading only the vInfo sheet (what most
RVTools scripts do), timed in the same run; the ratio printed is
peer time / skylift end-to-end time. Each measurement runs in its own child process
so its peak RSS (ru_maxrss) is its own. CPU seconds are printed beside wall seconds
because the benchmark machine may be shared.

The workbook (samples/rvtools_writer.sample_vm: 2 disks, 1–2 NICs, 2 partitions per
VM, 94 vInfo columns incl. 4 custom attributes, 1 % templates) is cached under
build/bench/.

Also measured: python-calamine vs openpyxl read_only iterating vInfo (why skylift
reads with calamine).

Run: .venv/bin/python benchmarks/import_rvtools.py [--vms 100000] [--skip-peer]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _usage() -> dict[str, float]:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return {"cpu_s": ru.ru_utime + ru.ru_stime, "peak_rss_mib": ru.ru_maxrss / 1024}


def child_skylift(path: Path, parse_only: bool) -> dict[str, float]:
    """Import ``path`` into a fresh workspace (or only parse it) and measure."""
    from skylift.inventory.base import ImportContext
    from skylift.inventory.rvtools.importer import RVToolsImporter
    from skylift.workspace import Workspace

    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace.init(Path(tmp) / "ws", project="bench")
        start = time.perf_counter()
        cpu0 = _usage()["cpu_s"]
        if parse_only:
            batch = RVToolsImporter().parse([path], ImportContext())
            servers, rows = len(batch.servers), batch.rows_read
        else:
            summary = ws.discover("rvtools", [path])
            servers, rows = summary.servers_created, summary.rows_read
        seconds = time.perf_counter() - start
        usage = _usage()
        ws.close()
    return {
        "seconds": seconds,
        "cpu_s": usage["cpu_s"] - cpu0,
        "peak_rss_mib": usage["peak_rss_mib"],
        "servers": servers,
        "rows": rows,
    }


def child_pandas(path: Path) -> dict[str, float]:
    """The peer: pandas + openpyxl reading the vInfo sheet only."""
    import pandas as pd

    start = time.perf_counter()
    cpu0 = _usage()["cpu_s"]
    frame = pd.read_excel(path, sheet_name="vInfo", engine="openpyxl")
    seconds = time.perf_counter() - start
    usage = _usage()
    return {
        "seconds": seconds,
        "cpu_s": usage["cpu_s"] - cpu0,
        "peak_rss_mib": usage["peak_rss_mib"],
        "rows": len(frame),
    }


def child_reader(path: Path, reader: str) -> dict[str, float]:
    """Iterate every row of vInfo with one xlsx reader (the choice behind skylift's)."""
    start = time.perf_counter()
    cpu0 = _usage()["cpu_s"]
    n = 0
    if reader == "calamine":
        import python_calamine as pc

        wb = pc.CalamineWorkbook.from_path(str(path))
        for _ in wb.get_sheet_by_name("vInfo").iter_rows():
            n += 1
    else:
        import openpyxl

        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        for _ in book["vInfo"].iter_rows(values_only=True):
            n += 1
        book.close()
    seconds = time.perf_counter() - start
    usage = _usage()
    return {
        "seconds": seconds,
        "cpu_s": usage["cpu_s"] - cpu0,
        "peak_rss_mib": usage["peak_rss_mib"],
        "rows": n,
    }


def _run(mode: str, path: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(path)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def workbook(n: int) -> Path:
    """The cached n-VM workbook (generated on first use)."""
    sys.path.insert(0, str(ROOT))
    from samples.rvtools_writer import sample_hosts, sample_vm, write_rvtools_xlsx

    path = ROOT / "build" / "bench" / f"rvtools_{n}.xlsx"
    if not path.exists():
        start = time.perf_counter()
        tmp = path.with_suffix(".tmp.xlsx")
        write_rvtools_xlsx(tmp, [sample_vm(i) for i in range(n)], sample_hosts())
        tmp.replace(path)
        print(f"generated {path.name} in {time.perf_counter() - start:.0f} s", flush=True)
    return path


def main() -> None:
    """Generate (once), measure skylift and the peer, print figures and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vms", type=int, default=100_000)
    parser.add_argument("--skip-peer", action="store_true")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        mode, p = args.child
        path = Path(p)
        if mode == "pandas":
            result = child_pandas(path)
        elif mode in ("calamine", "openpyxl"):
            result = child_reader(path, mode)
        else:
            result = child_skylift(path, parse_only=mode == "parse")
        print(json.dumps(result))
        return

    path = workbook(args.vms)
    size_mib = path.stat().st_size / 2**20
    print(f"workbook: {args.vms:,} VMs, {size_mib:.0f} MiB ({path})", flush=True)
    rows: list[tuple[str, dict[str, float]]] = []
    for label, mode in (
        ("skylift discover rvtools (all sheets, into the state store)", "skylift"),
        ("skylift RVToolsImporter.parse only (no DB write)", "parse"),
    ):
        r = _run(mode, path)
        rows.append((label, r))
        print(
            f"{label}: {r['seconds']:.1f} s wall, {r['cpu_s']:.1f} s CPU, "
            f"{r['rows'] / r['seconds']:,.0f} rows/s, {r['servers']:,.0f} servers, "
            f"peak RSS {r['peak_rss_mib']:,.0f} MiB",
            flush=True,
        )
    if not args.skip_peer:
        for reader, label in (("calamine", "python-calamine"), ("openpyxl", "openpyxl read_only")):
            r = _run(reader, path)
            print(
                f"reader {label}, vInfo rows only: {r['seconds']:.1f} s wall, "
                f"{r['cpu_s']:.1f} s CPU, peak RSS {r['peak_rss_mib']:,.0f} MiB",
                flush=True,
            )
        peer = _run("pandas", path)
        print(
            f"peer pandas.read_excel(openpyxl), vInfo only: {peer['seconds']:.1f} s wall, "
            f"{peer['cpu_s']:.1f} s CPU, {peer['rows']:,.0f} rows, "
            f"peak RSS {peer['peak_rss_mib']:,.0f} MiB",
            flush=True,
        )
        e2e = rows[0][1]
        print(
            f"ratio: peer reading 1 sheet / skylift importing all sheets = "
            f"{peer['seconds'] / e2e['seconds']:.2f}x wall, {peer['cpu_s'] / e2e['cpu_s']:.2f}x CPU"
        )


if __name__ == "__main__":
    main()

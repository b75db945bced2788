"""Claim: at matched modes skylift's client uses no more CPU per byte than rclone's and s5cmd's.

Run: flock /tmp/skylift-bench.lock .venv/bin/python benchmarks/transfer/cpu_per_byte.py
     [--repeat 3] [--modes parts,put] [--peers rclone,s5cmd] [--pause 0.5]
     [--baseline-src OLD_TREE/src]

The matched modes of ``pinned_defaults.py --only matched`` (50 MiB parts, 5
in flight per file: s5cmd's defaults; and one PUT per file), on loopback,
``rclone serve s3`` pinned to core 0 (objects on /dev/shm) and each client to
core 1, with the client's user+sys CPU from ``getrusage``. Two data sets: the
large set (96 MiB + 200 MiB) and twice it (4 files, 592 MiB; skylift ``-j``
scaled so that each file still has 5 parts in flight, as the peers do), so
the CPU splits into a fixed part (start-up, loading an SDK) and a part per
byte: *marginal* = (CPU for 592 MiB - CPU for 296 MiB) / 296 MiB.

skylift runs twice: at its defaults, and with ``sign_payload: true`` —
which SHA-256-hashes every body for the SigV4 signature, as s5cmd (every
PUT) and rclone (multipart parts) do on plain HTTP. skylift's default skips
that hash on loopback and over https (docs/transfer.md, Integrity), so the
second run is the same work as the peers'.

Least client CPU of ``--repeat`` runs per tool and set (the tools take turns
going first); ratios are peer CPU / skylift CPU (> 1: skylift uses less).
With ``--baseline-src`` another tree's skylift (``PYTHONPATH``) takes turns
too, as the tool ``baseline`` (an A/B of a change on the same server and load;
its medians are printed too: least-of-N alone moves with the load).
Prints ``uptime`` at the start and the end.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pinned_defaults import CLIENT_CORE, MATCHED, SERVER_CORE, _s5cmd, _uptime
from s3_vs_rclone import BIN, MIB, Run, _make, _server, _timed, bench_env, write_workspace

MODES = {"parts": "50 MiB parts, 5 per file", "put": "one PUT per file"}
SIZES = (96 * MIB, 200 * MIB)


def _files(root: Path, copies: int) -> Path:
    """``copies`` × (96 MiB + 200 MiB) of random bytes under ``root``."""
    root.mkdir(parents=True)
    for c in range(copies):
        for size in SIZES:
            with open(root / f"f{c}-{size // MIB}.bin", "wb") as fh:
                for _ in range(size // (8 * MIB)):
                    fh.write(os.urandom(8 * MIB))
    return root


def main() -> None:
    """Measure each tool's client CPU on 296 and 592 MiB in the matched modes; print tables."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--modes", default="parts", help="parts,put")
    parser.add_argument("--peers", default="rclone,s5cmd")
    parser.add_argument("--pause", type=float, default=0.5, help="seconds after os.sync()")
    parser.add_argument("--baseline-src", default="", help="another tree's src folder")
    args = parser.parse_args()
    peers = [p for p in args.peers.split(",") if p]
    modes = [MODES[m] for m in args.modes.split(",") if m]
    print(f"start: {_uptime()}", flush=True)
    work = Path(tempfile.mkdtemp(prefix="skylift-cpu-"))
    shm = Path("/dev/shm")
    server_base = shm if shm.is_dir() and os.access(shm, os.W_OK) else work
    env0 = {**bench_env(work), "AWS_REGION": "us-east-1"}
    with contextlib.ExitStack() as stack:
        stack.callback(shutil.rmtree, work, ignore_errors=True)
        pid, endpoint, data = stack.enter_context(_server(server_base, SERVER_CORE))
        env = {**env0, "RCLONE_CONFIG_BENCH_ENDPOINT": endpoint}
        spaces = {"skylift": work / "ws", "skylift signed": work / "ws-signed"}
        baseline = ["baseline"] if args.baseline_src else []
        other = str(Path(args.baseline_src).resolve())
        if baseline:
            spaces["baseline"] = work / "ws-baseline"
        for name, ws in spaces.items():
            ws.mkdir()
            write_workspace(ws, endpoint)
            if name == "skylift signed":
                with open(ws / "skylift.yaml", "a") as fh:
                    fh.write("    sign_payload: 'true'\n")

        def argv(tool: str, src: Path, prefix: str, mode: str, files: int) -> list[str]:
            if tool == "rclone":
                return [str(BIN / "rclone"), "copy", str(src), f"bench:bucket/{prefix}",
                        *MATCHED[mode]["rclone"]]  # fmt: skip
            if tool == "s5cmd":
                return [_s5cmd(), "--endpoint-url", endpoint, "cp", *MATCHED[mode]["s5cmd"],
                        f"{src}/*", f"s3://bucket/{prefix}/"]  # fmt: skip
            flags = list(MATCHED[mode]["skylift"])
            if "-j" in flags:  # 5 parts in flight per file, as the peers send them
                flags[flags.index("-j") + 1] = str(5 * files)
            return [str(BIN / "skylift"), "--workspace", str(spaces[tool]), "transfer",
                    str(src), f"s3://bucket/{prefix}", *flags]  # fmt: skip

        def once(tool: str, src: Path, mode: str, files: int) -> Run:
            prefix = f"{tool.replace(' ', '-')}-{time.monotonic_ns()}"
            os.sync()
            time.sleep(args.pause)
            tree = {"PYTHONPATH": other} if tool in baseline else {}
            run = _timed([*CLIENT_CORE, *argv(tool, src, prefix, mode, files)], env | tree, pid)
            shutil.rmtree(data / "bucket" / prefix, ignore_errors=True)
            return run

        warm = _make(work / "warm", 200, 1024)
        for tool in ("skylift", "skylift signed", *baseline, *peers):
            once(tool, warm, MODES["put"], 1)
        tools = ["skylift", "skylift signed", *baseline, *peers]
        best: dict[tuple[str, str, int], Run] = {}
        cpus: dict[tuple[str, str, int], list[float]] = {}
        for copies in (1, 2):
            src = _files(work / f"src{copies}", copies)
            for mode in modes:
                for r in range(args.repeat):
                    order = tools[r % len(tools) :] + tools[: r % len(tools)]
                    for tool in order:
                        run = once(tool, src, mode, 2 * copies)
                        print(f"  {296 * copies} MiB {mode} {tool}: {run[0]:.2f} s, "
                              f"CPU {run[1]:.2f} s, server CPU {run[2]:.2f} s, "
                              f"load {run[3]:.2f}", flush=True)  # fmt: skip
                        key = (tool, mode, copies)
                        cpus.setdefault(key, []).append(run[1])
                        if key not in best or run[1] < best[key][1]:
                            best[key] = run
            shutil.rmtree(src)
    print(f"end: {_uptime()}")
    print("\nloopback; least client CPU of", args.repeat, "runs; CPU ms per MiB sent; "
          "marginal = (CPU 592 MiB - CPU 296 MiB) / 296 MiB; fixed = CPU 296 MiB - "
          "296 × marginal; ratio = peer / skylift (> 1: skylift uses less)")  # fmt: skip
    print("| mode | tool | CPU s, 296 MiB | CPU s, 592 MiB | ms/MiB (296) | marginal ms/MiB "
          "| fixed s | vs skylift (296) | vs skylift (marginal) | vs skylift signed (296) "
          "| vs skylift signed (marginal) |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for mode in modes:
        stats = {}
        for tool in tools:
            c1, c2 = best[(tool, mode, 1)][1], best[(tool, mode, 2)][1]
            marginal = (c2 - c1) / 296
            stats[tool] = (c1, c2, 1000 * c1 / 296, 1000 * marginal, c1 - 296 * marginal)
        for tool in tools:
            c1, c2, per, marg, fixed = stats[tool]
            cells = ""
            for ref in ("skylift", "skylift signed"):
                r1, _, _, rm, _ = stats[ref]
                compared = tool in peers or tool in baseline
                cells += f" {c1 / r1:.2f}× | {marg / rm:.2f}× |" if compared else " | |"
            print(f"| {mode} | {tool} | {c1:.2f} | {c2:.2f} | {per:.2f} | {marg:.2f} | "
                  f"{fixed:.2f} |{cells}")  # fmt: skip
    for mode in modes if baseline else ():
        for copies in (1, 2):
            this, base = (statistics.median(cpus[t, mode, copies]) for t in ("skylift", *baseline))
            print(f"median client CPU, {mode}, {296 * copies} MiB: this tree {this:.3f} s, "
                  f"baseline {base:.3f} s ({1000 * (this - base):+.0f} ms)")  # fmt: skip


if __name__ == "__main__":
    main()

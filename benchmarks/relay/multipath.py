"""Claims of the multipath relay (issue #18), measured with their peers in the same run.

Run: flock /tmp/skylift-bench.lock .venv/bin/python benchmarks/relay/multipath.py [--mib 96]
     [--repeat N]   (best of N runs per measurement; ~1 min for N=1, ~2 min for N=2)

Re-runs itself inside a private network namespace (``unshare -n``; root) where
``tc`` HTB gives two paths 200 and 50 Mbit/s (sum 250 Mbit/s = 31.25 MB/s) and
a third port 200 Mbit/s for rclone; the machine's own loopback is never shaped.
Receivers (``skylift relay serve``) and ``rclone serve s3`` run as separate
processes; the relay sender runs in this process (``run_relay``), each run
against a fresh receiver (empty chunk store) unless dedup is the point.

1. incompressible (random bytes, --mib MiB in 8 files): relay over both paths;
   relay over the fast path alone (the seed's rule: the single fastest path);
   rclone copy to ``rclone serve s3`` over a 200 Mbit/s path (rclone's defaults).
   Claim: relay goodput >= 90 % of the summed path rates.
2. compressible: generated web-server access logs and CSV (made here by a
   seeded generator, not a public data set), same size: effective throughput
   (source bytes / s) over both paths vs the raw 31.25 MB/s. Claim: >= 2.5x.
3. re-send after 1 % of the bytes changed (5 contiguous edits of ~1/500 of the
   set each, in 5 files, random data): bytes on the wire / data set. Claim: <= 3 %.
4. ``--plan-only`` prediction for run 1 vs its measured time. Claim: within 15 %.

Prints ``uptime`` at the start and the end, a table and one JSON line.
``--only-compressible`` measures claim 2 alone (with its peers).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from skylift.domain.transfer import TransferOptions
from skylift.relay.run import plan_relay, run_relay
from skylift.relay.testing.paths import (
    free_port,
    in_private_netns,
    netns_command,
    shape,
    wait_port,
)
from skylift.relay.values import RelayCredentials

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
MIB = 1 << 20
RATES = {"fast": 200.0, "slow": 50.0}
SUM_BPS = sum(RATES.values()) * 1e6 / 8
S3_KEY, S3_SECRET = "AKBENCH", "SKBENCH123456"


def uptime() -> str:
    """The load average line."""
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()


def random_set(folder: Path, total: int, files: int, seed: int) -> Path:
    """``files`` files of random bytes, ``total`` bytes in all."""
    rng = random.Random(seed)
    folder.mkdir(parents=True)
    for i in range(files):
        (folder / f"part-{i:03d}.bin").write_bytes(rng.randbytes(total // files))
    return folder


def text_set(folder: Path, total: int, seed: int) -> Path:
    """Access logs (3/4) and a CSV of orders (1/4): seeded, realistic field variety."""
    rng = random.Random(seed)
    folder.mkdir(parents=True)
    paths = [f"/api/v1/{r}/{{}}" for r in ("items", "orders", "users", "carts", "search")]
    agents = ["Mozilla/5.0 (X11; Linux x86_64)", "curl/8.5.0", "Go-http-client/2.0"]
    day = 0
    written = 0
    while written < total * 3 // 4:
        lines = []
        for _ in range(20000):
            ip = f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(256)}"
            path = rng.choice(paths).format(rng.randrange(100000))
            status = rng.choice((200, 200, 200, 201, 304, 404, 500))
            lines.append(
                f"{ip} - - [07/Dec/2026:{rng.randrange(24):02d}:{rng.randrange(60):02d}:"
                f'{rng.randrange(60):02d} +0000] "GET {path} HTTP/1.1" {status} '
                f'{rng.randrange(20000)} "-" "{rng.choice(agents)}" rt={rng.random():.3f}\n'
            )
        blob = "".join(lines).encode()
        with (folder / f"access-{day // 10:02d}.log").open("ab") as fh:
            fh.write(blob)
        written += len(blob)
        day += 1
    with (folder / "orders.csv").open("w") as fh:
        fh.write("order_id,customer_id,sku,quantity,unit_price,currency,created_at,status\n")
        while written < total:
            rows = "".join(
                f"{rng.randrange(10**9)},{rng.randrange(10**6)},SKU-{rng.randrange(50000):05d},"
                f"{rng.randrange(1, 9)},{rng.randrange(100, 99999) / 100:.2f},EUR,"
                f"2026-12-{rng.randrange(1, 29):02d}T{rng.randrange(24):02d}:00:00Z,"
                f"{rng.choice(('paid', 'shipped', 'open'))}\n"
                for _ in range(20000)
            )
            fh.write(rows)
            written += len(rows)
    return folder


def edit_one_percent(folder: Path, seed: int) -> int:
    """Overwrite 5 contiguous regions (1 % of the set in all) in 5 files; bytes changed."""
    rng = random.Random(seed)
    files = sorted(folder.iterdir())
    total = sum(f.stat().st_size for f in files)
    size = total // 100 // 5
    for path in rng.sample(files, 5):
        data = bytearray(path.read_bytes())
        at = rng.randrange(0, len(data) - size)
        data[at : at + size] = rng.randbytes(size)
        path.write_bytes(bytes(data))
    return size * 5


class Receivers:
    """Fresh ``skylift relay serve`` processes on shaped ports."""

    def __init__(self, root: Path, ports: dict[str, int]) -> None:
        self.root, self.ports = root, ports
        self.token = root / "token"
        self.token.write_text(secrets.token_urlsafe(32))
        self.creds = RelayCredentials(token=self.token.read_text())

    @contextlib.contextmanager
    def serve(self, name: str) -> Iterator[Path]:
        """A receiver on both relay ports writing to a new folder; yields the folder."""
        dest = self.root / f"rx-{name}"
        listen = [a for p in self.ports.values() for a in ("--listen", f"127.0.0.1:{p}")]
        cli = [sys.executable, "-c", "from skylift.cli.app import main; main()"]
        proc = subprocess.Popen(
            [*cli, "relay", "serve", "--dest", str(dest), "--token-file", str(self.token), *listen]
        )
        try:
            for port in self.ports.values():
                wait_port(port)
            yield dest
        finally:
            proc.terminate()
            proc.wait(10)

    def url(self, *names: str) -> str:
        """The relay URL over the named paths."""
        return "relay://" + ",".join(f"127.0.0.1:{self.ports[n]}" for n in names) + "/data"

    def cpu_ceiling(self, src: Path, journal: Path) -> float:
        """Bytes/s of one relay run over an unshaped loopback port (what the CPU allows)."""
        port = free_port()
        saved, self.ports = self.ports, {"open": port}
        try:
            with self.serve("open"):
                result = self.send(src, ("open",), journal)
        finally:
            self.ports = saved
        return sum(f.stat().st_size for f in src.iterdir()) / float(result["elapsed_s"])

    def best(self, src: Path, names: tuple[str, ...], tag: str, repeat: int) -> dict[str, Any]:
        """The fastest of ``repeat`` runs, each to a fresh receiver (empty chunk store)."""
        runs = []
        for i in range(repeat):
            with self.serve(f"{tag}-{i}"):
                runs.append(self.send(src, names, self.root / f"j-{tag}-{i}"))
        return min(runs, key=lambda r: float(r["elapsed_s"]))

    def send(self, src: Path, names: tuple[str, ...], journal: Path) -> dict[str, Any]:
        """One relay run; its result as a dict."""
        result = run_relay(str(src), self.url(*names), TransferOptions(), journal, self.creds)
        assert result.ok, result.failures
        return result.model_dump()


def rclone_copy(src: Path, root: Path, port: int) -> float:
    """Seconds for ``rclone copy SRC`` into ``rclone serve s3`` over the shaped ``port``."""
    data = root / "rclone-data"
    auth = ["--auth-key", f"{S3_KEY},{S3_SECRET}"]
    (data / "bucket").mkdir(parents=True)
    serve = subprocess.Popen(
        [str(BIN / "rclone"), "serve", "s3", "--addr", f"127.0.0.1:{port}", *auth, str(data)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    env = {
        **os.environ,
        "RCLONE_CONFIG_B_TYPE": "s3",
        "RCLONE_CONFIG_B_PROVIDER": "Other",
        "RCLONE_CONFIG_B_ENDPOINT": f"http://127.0.0.1:{port}",
        "RCLONE_CONFIG_B_ACCESS_KEY_ID": S3_KEY,
        "RCLONE_CONFIG_B_SECRET_ACCESS_KEY": S3_SECRET,
    }
    try:
        wait_port(port)
        started = time.perf_counter()
        subprocess.run(
            [str(BIN / "rclone"), "copy", str(src), "b:bucket/x", "--config", "/dev/null"],
            env=env,
            check=True,
        )
        return time.perf_counter() - started
    finally:
        serve.terminate()
        serve.wait(10)


def compressible(
    rx: Receivers, size: int, root: Path, repeat: int, rclone_port: int
) -> dict[str, Any]:
    """Claim 2: generated logs and CSV over both paths, the fast path alone, and rclone."""
    text = text_set(root / "text", size, seed=2)
    tm = rx.best(text, ("fast", "slow"), "text-multi", repeat)
    ts = rx.best(text, ("fast",), "text-single", repeat)
    rclone_text_s = min(rclone_copy(text, root / f"r2-{i}", rclone_port) for i in range(repeat))
    return {
        "data": "generated access logs + orders CSV (seeded, benchmarks/relay/multipath.py)",
        "multi_s": tm["elapsed_s"],
        "effective_Bps": size / tm["elapsed_s"],
        "effective_vs_raw_sum": size / tm["elapsed_s"] / SUM_BPS,
        "wire_ratio": tm["bytes_on_wire"] / size,
        "compression_level": tm["compression_level"],
        "single_fast_path_s": ts["elapsed_s"],
        "rclone_fast_path_s": rclone_text_s,
    }


def measure(mib: int, root: Path, repeat: int = 1) -> dict[str, Any]:
    """Every figure of the module docstring."""
    ports = {"fast": free_port(), "slow": free_port()}
    rclone_port = free_port()
    shape({ports["fast"]: RATES["fast"], ports["slow"]: RATES["slow"], rclone_port: 200})
    rx = Receivers(root, ports)
    size = mib * MIB
    incompressible = random_set(root / "random", size, 8, seed=1)
    out: dict[str, Any] = {"mib": mib, "sum_of_path_rates_Bps": SUM_BPS}
    with rx.serve("plan"):
        plan = plan_relay(str(incompressible), rx.url("fast", "slow"), TransferOptions(), rx.creds)
    out["predicted_s"] = plan.predicted_seconds
    out["predicted_fastest_path_s"] = plan.predicted_seconds_fastest_path
    out["probed_Bps"] = {p.path: p.bandwidth_bps for p in plan.paths}
    multi = rx.best(incompressible, ("fast", "slow"), "multi", repeat)
    single = rx.best(incompressible, ("fast",), "single", repeat)
    rclone_s = min(
        rclone_copy(incompressible, root / f"r1-{i}", rclone_port) for i in range(repeat)
    )
    out["cpu_ceiling_Bps"] = rx.cpu_ceiling(incompressible, root / "j0")
    out["incompressible"] = {
        "multi_s": multi["elapsed_s"],
        "multi_goodput_Bps": size / multi["elapsed_s"],
        "goodput_vs_sum": size / multi["elapsed_s"] / SUM_BPS,
        "single_fast_path_s": single["elapsed_s"],
        "rclone_fast_path_s": rclone_s,
        "multi_vs_single": single["elapsed_s"] / multi["elapsed_s"],
        "multi_vs_rclone": rclone_s / multi["elapsed_s"],
        "paths": [{k: p[k] for k in ("path", "bytes_sent", "rtt_ms")} for p in multi["paths"]],
        "predicted_vs_measured": plan.predicted_seconds / multi["elapsed_s"],
    }
    out["compressible"] = compressible(rx, size, root, repeat, rclone_port)
    resend = random_set(root / "resend", size // 2, 16, seed=3)
    with rx.serve("resend"):
        rx.send(resend, ("fast", "slow"), root / "j5")
        changed = edit_one_percent(resend, seed=4)
        again = rx.send(resend, ("fast", "slow"), root / "j5")
    out["one_percent_changed"] = {
        "set_bytes": size // 2,
        "changed_bytes": changed,
        "wire_bytes": again["bytes_on_wire"],
        "wire_vs_set": again["bytes_on_wire"] / (size // 2),
        "files_resent": again["transferred"],
    }
    return out


def main() -> None:
    """Re-run inside a network namespace, then measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=96, help="size of each data set")
    parser.add_argument("--repeat", type=int, default=1, help="best of N runs per measurement")
    parser.add_argument(
        "--only-compressible", action="store_true", help="claim 2 alone (~20 s per repeat)"
    )
    args = parser.parse_args()
    if not in_private_netns():
        code = subprocess.run(
            netns_command([sys.executable, __file__, *sys.argv[1:]]), cwd=REPO, check=False
        ).returncode
        raise SystemExit(code)
    print(uptime(), flush=True)
    root = Path(tempfile.mkdtemp(prefix="relay-bench-"))
    out: dict[str, Any]
    try:
        if args.only_compressible:
            ports = {"fast": free_port(), "slow": free_port()}
            rclone_port = free_port()
            shape({ports["fast"]: 200, ports["slow"]: 50, rclone_port: 200})
            rx = Receivers(root, ports)
            out = {"compressible": compressible(rx, args.mib * MIB, root, args.repeat, rclone_port)}
        else:
            out = measure(args.mib, root, args.repeat)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    out["uptime_end"] = uptime()
    txt = out["compressible"]
    if args.only_compressible:
        print(f"compressible: {txt['effective_vs_raw_sum']:.2f}x the raw sum; {txt}")
        print(out["uptime_end"])
        return
    inc, one = out["incompressible"], out["one_percent_changed"]
    print(f"incompressible {args.mib} MiB over 200+50 Mbit/s (31.25 MB/s summed):")
    print(
        f"  relay, both paths   {inc['multi_s']:6.2f} s  goodput {inc['goodput_vs_sum']:.1%} of sum"
    )
    print(
        f"  relay, fast path    {inc['single_fast_path_s']:6.2f} s  (seed rule) -> "
        f"both paths {inc['multi_vs_single']:.2f}x faster"
    )
    print(
        f"  rclone, fast path   {inc['rclone_fast_path_s']:6.2f} s  -> "
        f"relay {inc['multi_vs_rclone']:.2f}x faster"
    )
    print(
        f"  predicted {out['predicted_s']:.2f} s vs measured {inc['multi_s']:.2f} s "
        f"(ratio {inc['predicted_vs_measured']:.2f})"
    )
    print(
        f"compressible: {txt['effective_vs_raw_sum']:.2f}x the raw sum "
        f"(wire {txt['wire_ratio']:.1%} of the data, zstd level {txt['compression_level']}); "
        f"fast path alone {txt['single_fast_path_s']:.2f} s, "
        f"rclone {txt['rclone_fast_path_s']:.2f} s"
    )
    print(
        f"unshaped loopback (CPU ceiling, incompressible): {out['cpu_ceiling_Bps'] / 1e6:.1f} MB/s"
    )
    print(f"1 % changed: {one['wire_vs_set']:.2%} of the set on the wire")
    print(out["uptime_end"])
    print(json.dumps(out))


if __name__ == "__main__":
    main()

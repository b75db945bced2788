"""Benchmark: skylift db copy vs pg_dump -Fd -j 2 | pg_restore -j 2 vs pgcopydb; db verify rate.

Starts two throw-away PostgreSQL 15 servers on 127.0.0.1 (same settings for
every tool: fsync off), generates a database of about ``--gb`` GiB (one large
table of ~70 %, four smaller ones, with indexes and a foreign key), then
copies it three ways into fresh databases on the second server (before each copy the
earlier copies are dropped, both servers checkpointed and the disk synced):

1. ``pg_dump -Fd -j 2`` to a folder, then ``pg_restore -j 2`` (timed together);
2. ``pgcopydb clone --table-jobs 2 --index-jobs 2`` (0.10 has no --skip-vacuum:
   it also runs VACUUM ANALYZE);
3. ``skylift db copy --jobs 2`` (its peak RSS measured);

and ``skylift db verify --checksum`` on skylift's copy (MB/s of table data).
With ``--rounds N`` the three copies run N times, the order rotating each
round (the machine's load changes during a run), and the best time of each is
compared. Prints the ratios. Run under the benchmark lock (about 4.5 min for
one round at 2 GB on this machine):

    flock /tmp/skylift-bench.lock .venv/bin/python benchmarks/db/bench_copy.py --gb 2
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from skylift.database.testing.servers import PG_BIN, PostgresServer

REPO = Path(__file__).resolve().parents[2]
SKYLIFT = [sys.executable, "-m", "skylift"]


def generate(src: PostgresServer, gb: float) -> None:
    big_rows = int(gb * 0.7 * (1 << 30) / 200)
    small_rows = int(gb * 0.075 * (1 << 30) / 120)
    src.psql("CREATE DATABASE bench")
    src.psql(
        """
        CREATE TYPE status AS ENUM ('new', 'paid', 'shipped');
        CREATE TABLE customers (id bigint PRIMARY KEY, name text, email text, created timestamptz);
        CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint REFERENCES customers(id),
                             total numeric(12,2), status status, placed timestamptz, note text);
        CREATE TABLE events (id bigint PRIMARY KEY, kind text, payload jsonb, at timestamptz);
        CREATE TABLE tags (id bigint, tag text, weights int[]);
        CREATE TABLE items (id bigint PRIMARY KEY, sku text, price numeric, data bytea);
        """,
        "bench",
    )
    procs = []
    env = {**os.environ, **src.env}
    for sql in (
        f"INSERT INTO events SELECT g, 'kind' || (g % 17), jsonb_build_object('n', g, 's', "
        f"md5(g::text), 't', repeat('x', 60)), now() - g * interval '1 second' "
        f"FROM generate_series(1, {big_rows}) g",
        f"INSERT INTO customers SELECT g, 'name ' || g, md5(g::text) || '@example.com', now() "
        f"FROM generate_series(1, {small_rows}) g; "
        f"INSERT INTO orders SELECT g, 1 + g % {small_rows}, (g % 10000) / 7.0, "
        f"(ARRAY['new','paid','shipped'])[1 + g % 3]::status, now(), md5(g::text) "
        f"FROM generate_series(1, {small_rows}) g; "
        f"INSERT INTO tags SELECT g, 'tag' || (g % 100), ARRAY[g % 7, g % 11, g % 13] "
        f"FROM generate_series(1, {small_rows}) g; "
        f"INSERT INTO items SELECT g, 'sku-' || g, g / 3.0, decode(md5(g::text), 'hex') "
        f"FROM generate_series(1, {small_rows}) g",
    ):
        procs.append(
            subprocess.Popen(
                [
                    str(PG_BIN / "psql"),
                    "-X",
                    "-q",
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(src.port),
                    "-U",
                    "postgres",
                    "-d",
                    "bench",
                    "-v",
                    "ON_ERROR_STOP=1",
                    "-c",
                    sql,
                ],
                env=env,
            )
        )
    for p in procs:
        if p.wait() != 0:
            raise SystemExit("data generation failed")
    src.psql(
        "CREATE INDEX ON events (kind); CREATE INDEX ON events (at); CREATE INDEX ON orders "
        "(customer_id); CREATE INDEX ON tags (tag); CREATE UNIQUE INDEX ON items (sku)",
        "bench",
    )
    src.psql("VACUUM ANALYZE", "bench")


def timed(argv: list[str], env: dict[str, str]) -> float:
    started = time.monotonic()
    subprocess.run(argv, check=True, env=env, stdout=subprocess.DEVNULL)
    return time.monotonic() - started


class Runs:
    """The three copies of one benchmark database, each into a fresh target database."""

    def __init__(self, src: PostgresServer, dst: PostgresServer, jobs: int, work: Path) -> None:
        self.src, self.dst, self.j, self.work = src, dst, str(jobs), work
        self.env = {**os.environ, "PGPASSWORD": src.password, "PYTHONPATH": str(REPO / "src")}
        self.n = 0
        self.phases: dict[str, float] = {}
        self.rss_mb = 0.0

    def settle(self) -> None:
        """Before each timed copy: drop the earlier copies (their autovacuum and dirty
        pages would land in the next tool's run), checkpoint both servers, flush the
        disk and pause, so every tool starts from the same quiet servers."""
        for db in self.dst.psql(
            "SELECT datname FROM pg_database WHERE datname LIKE 't\\_%'"
        ).split():
            self.dst.psql(f"DROP DATABASE {db} WITH (FORCE)")
        for server in (self.src, self.dst):
            server.psql("CHECKPOINT")
        os.sync()
        time.sleep(2)

    def _fresh(self, name: str) -> str:
        self.n += 1
        db = f"{name}_{self.n}"
        self.dst.psql(f"CREATE DATABASE {db}")
        return db

    def skylift(self) -> float:
        db = f"t_skylift_{self.n + 1}"
        self.n += 1
        started = time.monotonic()
        done = subprocess.run(
            [
                *SKYLIFT,
                "db",
                "copy",
                self.src.url("bench"),
                self.dst.url(db),
                "--jobs",
                self.j,
                "--json",
            ],
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
        )
        took = time.monotonic() - started
        self.phases = json.loads(done.stdout)["phases"]
        self.rss_mb = max(
            self.rss_mb, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        )
        self.last_skylift = db
        return took

    def dump_restore(self) -> float:
        db = self._fresh("t_dump")
        conn = ["-h", "127.0.0.1", "-U", "postgres"]
        folder = self.work / db
        took = timed(
            [
                str(PG_BIN / "pg_dump"),
                *conn,
                "-p",
                str(self.src.port),
                "-Fd",
                "-j",
                self.j,
                "-f",
                str(folder),
                "bench",
            ],
            self.env,
        )
        took += timed(
            [
                str(PG_BIN / "pg_restore"),
                *conn,
                "-p",
                str(self.dst.port),
                "-j",
                self.j,
                "-d",
                db,
                str(folder),
            ],
            self.env,
        )
        shutil.rmtree(folder)
        return took

    def pgcopydb(self) -> float:
        db = self._fresh("t_pgcopydb")
        return timed(
            [
                "pgcopydb",
                "clone",
                "--source",
                self.src.url("bench"),
                "--target",
                self.dst.url(db),
                "--table-jobs",
                self.j,
                "--index-jobs",
                self.j,
                "--no-owner",
                "--dir",
                str(self.work / db),
            ],
            self.env,
        )

    def verify(self) -> tuple[dict[str, object], float]:
        started = time.monotonic()
        res = subprocess.run(  # noqa: PLW1510 - a difference exits 6 and is reported below
            [
                *SKYLIFT,
                "db",
                "verify",
                self.src.url("bench"),
                self.dst.url(self.last_skylift),
                "--checksum",
                "--jobs",
                self.j,
                "--json",
            ],
            env=self.env,
            capture_output=True,
            text=True,
        )
        return json.loads(res.stdout), time.monotonic() - started


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--gb", type=float, default=2.0)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="copy rounds; the order of the tools rotates each round, best time kept",
    )
    args = ap.parse_args()
    load = os.getloadavg()
    print(f"uptime load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    password = "bench-only-password"
    src = PostgresServer(password=password).start()
    dst = PostgresServer(password=password).start()
    work = Path(tempfile.mkdtemp(prefix="skylift-dbbench-"))
    try:
        t0 = time.monotonic()
        generate(src, args.gb)
        size = int(src.psql("SELECT pg_database_size('bench')"))
        print(f"generated {size / 2**30:.2f} GiB database in {time.monotonic() - t0:.0f} s")
        runs = Runs(src, dst, args.jobs, work)
        tools = {"pgcopydb": runs.pgcopydb, "skylift": runs.skylift, "pg_dump": runs.dump_restore}
        order = list(tools)
        times: dict[str, list[float]] = {name: [] for name in tools}
        verify: dict[str, object] = {}
        t_verify = 0.0
        for r in range(args.rounds):
            for name in order[r % 3 :] + order[: r % 3]:
                runs.settle()
                times[name].append(tools[name]())
                print(
                    f"  round {r + 1}: {name} {times[name][-1]:.1f} s "
                    f"(load {os.getloadavg()[0]:.1f})",
                    flush=True,
                )
                if name == "skylift":  # verify this copy now: the next settle drops it
                    verify, t_verify = runs.verify()
        best = {name: min(t) for name, t in times.items()}
        load = os.getloadavg()
        j = args.jobs
        mbps = float(verify["bytes_checked"]) / 1e6 / float(verify["seconds"])  # type: ignore[arg-type]
        print(
            f"skylift db copy --jobs {j}: {best['skylift']:.1f} s (best of {args.rounds}), "
            f"peak RSS {runs.rss_mb:.0f} MB"
        )
        print(
            "  skylift phases (last run): "
            + ", ".join(f"{k} {v:.1f} s" for k, v in runs.phases.items())
        )
        print(
            f"pg_dump -Fd -j {j} + pg_restore -j {j}: {best['pg_dump']:.1f} s "
            f"-> skylift is {best['pg_dump'] / best['skylift']:.2f}x faster"
        )
        print(
            f"pgcopydb clone --table-jobs {j} --index-jobs {j}: {best['pgcopydb']:.1f} s "
            f"-> skylift is {best['pgcopydb'] / best['skylift']:.2f}x faster"
        )
        print(
            f"skylift db verify --checksum: {verify['seconds']:.1f} s in the command "
            f"({t_verify:.1f} s wall incl. Python start-up), "
            f"{float(verify['bytes_checked']) / 1e6:.0f} MB of tables -> {mbps:.0f} MB/s; "  # type: ignore[arg-type]
            f"differing tables {sum(1 for t in verify['tables'] if t['differing'])}, "  # type: ignore[attr-defined,index]
            f"schema differences {len(verify['schema_differences'])}"
        )  # type: ignore[arg-type]
        print(f"uptime load average at end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    finally:
        src.remove()
        dst.remove()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

"""Benchmark: skylift db copy vs pg_dump -Fd -j 2 | pg_restore -j 2 vs pgcopydb; db verify rate.

Starts two throw-away PostgreSQL 15 servers on 127.0.0.1 (same settings for
every tool: fsync off), generates a database of about ``--gb`` GiB (one large
table of ~70 %, four smaller ones, with indexes and a foreign key), then
copies it three ways into fresh databases on the second server:

1. ``pg_dump -Fd -j 2`` to a folder, then ``pg_restore -j 2`` (timed together);
2. ``pgcopydb clone --table-jobs 2 --index-jobs 2`` (0.10 has no --skip-vacuum:
   it also runs VACUUM ANALYZE);
3. ``skylift db copy --jobs 2`` (its peak RSS measured);

and ``skylift db verify --checksum`` on skylift's copy (MB/s of table data).
Prints the ratios. Run under the benchmark lock:

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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--gb", type=float, default=2.0)
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    load = os.getloadavg()
    print(f"uptime load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    password = "bench-only-password"
    src = PostgresServer(password=password).start()
    dst = PostgresServer(password=password).start()
    work = Path(tempfile.mkdtemp(prefix="skylift-dbbench-"))
    env = {**os.environ, "PGPASSWORD": password, "PYTHONPATH": str(REPO / "src")}
    try:
        t0 = time.monotonic()
        generate(src, args.gb)
        size = int(src.psql("SELECT pg_database_size('bench')"))
        tables = int(
            src.psql(
                "SELECT sum(pg_table_size(c.oid)) FROM pg_class c JOIN pg_namespace n ON "
                "n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname = 'public'",
                "bench",
            )
        )
        print(
            f"generated {size / 2**30:.2f} GiB database ({tables / 2**30:.2f} GiB tables) "
            f"in {time.monotonic() - t0:.0f} s"
        )
        s_url, conn = src.url("bench"), ["-h", "127.0.0.1", "-U", "postgres"]
        j = str(args.jobs)

        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        started = time.monotonic()
        copied = subprocess.run(
            [*SKYLIFT, "db", "copy", s_url, dst.url("t_skylift"), "--jobs", j, "--json"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        t_sky = time.monotonic() - started
        phases = json.loads(copied.stdout)["phases"]
        rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        started = time.monotonic()
        res = subprocess.run(  # noqa: PLW1510 - a difference exits 6 and is reported below
            [
                *SKYLIFT,
                "db",
                "verify",
                s_url,
                dst.url("t_skylift"),
                "--checksum",
                "--jobs",
                j,
                "--json",
            ],
            env=env,
            capture_output=True,
            text=True,
        )
        t_verify = time.monotonic() - started
        verify = json.loads(res.stdout)
        dst.psql("CREATE DATABASE t_dump")
        dump_dir = work / "dump"
        t_dump = timed(
            [
                str(PG_BIN / "pg_dump"),
                *conn,
                "-p",
                str(src.port),
                "-Fd",
                "-j",
                j,
                "-f",
                str(dump_dir),
                "bench",
            ],
            env,
        )
        t_dump += timed(
            [
                str(PG_BIN / "pg_restore"),
                *conn,
                "-p",
                str(dst.port),
                "-j",
                j,
                "-d",
                "t_dump",
                str(dump_dir),
            ],
            env,
        )
        shutil.rmtree(dump_dir)
        dst.psql("CREATE DATABASE t_pgcopydb")
        t_pgc = timed(
            [
                "pgcopydb",
                "clone",
                "--source",
                s_url,
                "--target",
                dst.url("t_pgcopydb"),
                "--table-jobs",
                j,
                "--index-jobs",
                j,
                "--no-owner",
                "--dir",
                str(work / "pgcopydb"),
            ],
            env,
        )
        load = os.getloadavg()
        mbps = verify["bytes_checked"] / 1e6 / verify["seconds"]
        mbps_wall = verify["bytes_checked"] / 1e6 / t_verify
        print(
            f"skylift db copy --jobs {j}: {t_sky:.1f} s, peak RSS {rss_mb:.0f} MB "
            f"(children max before: {before / 1024:.0f} MB)"
        )
        print(
            f"pg_dump -Fd -j {j} + pg_restore -j {j}: {t_dump:.1f} s "
            f"-> skylift is {t_dump / t_sky:.2f}x faster"
        )
        print("  skylift phases: " + ", ".join(f"{k} {v:.1f} s" for k, v in phases.items()))
        print(f"pgcopydb clone: {t_pgc:.1f} s -> skylift is {t_pgc / t_sky:.2f}x faster")
        print(
            f"skylift db verify --checksum: {verify['seconds']:.1f} s in the command "
            f"({t_verify:.1f} s wall incl. Python start-up), "
            f"{verify['bytes_checked'] / 1e6:.0f} MB of tables -> {mbps:.0f} MB/s "
            f"({mbps_wall:.0f} MB/s wall); "
            f"differing tables {sum(1 for t in verify['tables'] if t['differing'])}, "
            f"schema differences {len(verify['schema_differences'])}"
        )
        print(f"uptime load average at end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    finally:
        src.remove()
        dst.remove()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

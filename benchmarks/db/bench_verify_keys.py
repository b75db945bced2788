"""Benchmark: ``db verify --checksum`` over a composite key vs the same rows under an integer key.

Starts two throw-away PostgreSQL 15 servers on 127.0.0.1 and writes the same
rows (about ``--mb`` MB of heap) on both, twice: database ``intkey`` with a
``bigint`` primary key (equal-width ranges over ``[min, max]``) and database
``pairkey`` with a primary key ``(int, text)`` (ranges between keys sampled
with ``TABLESAMPLE SYSTEM``, compared as row values). Then runs
``verify_database(..., checksum=True, jobs=2)`` on each, best of ``--rounds``,
and prints MB/s of table data for both, the ratio composite / integer, the
number of ranges and the time spent planning the composite ranges (the
sample). ``--engine mariadb``: the same on two MariaDB servers (``VARCHAR``
key; the composite ranges between keys sampled with ``RAND``, the planning
time then includes that read of the key). Run under the benchmark lock
(about 1.5 min at 400 MB):

    flock /tmp/skylift-bench.lock .venv/bin/python benchmarks/db/bench_verify_keys.py --mb 400
    flock /tmp/skylift-bench.lock .venv/bin/python benchmarks/db/bench_verify_keys.py --mb 400 \
        --engine mariadb
"""

from __future__ import annotations

import argparse
import os
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

from skylift.database.connect import my_connect, pg_connect
from skylift.database.copy import verify_database
from skylift.database.mysql.checksum import _spans
from skylift.database.mysql.tables import my_tables
from skylift.database.postgres.checksum import key_ranges
from skylift.database.testing.servers import PG_BIN, MariaDBServer, PostgresServer
from skylift.database.url import DbUrl, parse_url

TABLES = {
    "intkey": "CREATE TABLE t (id bigint PRIMARY KEY, g int, k text, payload text)",
    "pairkey": "CREATE TABLE t (id bigint, g int, k text, payload text, PRIMARY KEY (g, k))",
}
ROW_BYTES = 130  # heap bytes per row of the rows below, measured (PostgreSQL)
Server = PostgresServer | MariaDBServer


def generate(server: PostgresServer, rows: int) -> None:
    env = {**os.environ, **server.env}
    for db, ddl in TABLES.items():
        server.psql(f"CREATE DATABASE {db}")
        server.psql(ddl, db)
        subprocess.run(
            [str(PG_BIN / "psql"), "-X", "-q", "-h", "127.0.0.1", "-p", str(server.port),
             "-U", "postgres", "-d", db, "-c",
             f"INSERT INTO t SELECT n, n % 1000, 'key-' || n, md5(n::text) || md5((-n)::text)"
             f" FROM generate_series(1, {rows}) n", "-c", "VACUUM ANALYZE t"],
            check=True, env=env, capture_output=True,
        )  # fmt: skip


MY_TABLES = {
    "intkey": "CREATE TABLE t (id BIGINT PRIMARY KEY, g INT, k VARCHAR(20), payload CHAR(64))",
    "pairkey": "CREATE TABLE t (id BIGINT, g INT, k VARCHAR(20), payload CHAR(64),"
    " PRIMARY KEY (g, k))",
}


def generate_mariadb(server: MariaDBServer, rows: int) -> None:
    for db, ddl in MY_TABLES.items():
        server.sql(
            f"CREATE DATABASE {db}; USE {db}; {ddl};"
            f" INSERT INTO t SELECT seq, seq % 1000, CONCAT('key-', seq),"
            f" CONCAT(MD5(seq), MD5(-seq)) FROM seq_1_to_{rows}; ANALYZE TABLE t"
        )


def plan_mariadb(url: DbUrl, parts: int) -> tuple[int, int, float]:
    """(bytes, ranges, seconds) of planning the composite key's ranges."""
    with my_connect(url) as conn, conn.cursor() as cur:
        (t,) = my_tables(cur, url.database)
        t0 = time.monotonic()
        spans = _spans(cur, t, ["g", "k"], parts)
        return t.bytes, len(spans), time.monotonic() - t0


def plan_postgres(url: DbUrl, rows: int, range_rows: int) -> tuple[int, int, float]:
    """(bytes, ranges, seconds) of planning the composite key's ranges."""
    with pg_connect(url) as conn:
        (nbytes,) = conn.execute("SELECT pg_table_size('t')").fetchone() or (0,)
        t0 = time.monotonic()
        key = [("g", "integer"), ("k", "text")]
        planned = key_ranges(conn, "public.t", key, (nbytes, rows), range_rows)
        return int(nbytes), len(planned), time.monotonic() - t0


def urls(src: Server, dst: Server, db: str) -> tuple[DbUrl, DbUrl]:
    env = {"SKYLIFT_SOURCE_PASSWORD": src.password, "SKYLIFT_TARGET_PASSWORD": dst.password}
    return (
        parse_url(src.url(db), "source", environ=env),
        parse_url(dst.url(db), "target", environ=env),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--range-rows", type=int, default=250_000)
    parser.add_argument("--engine", choices=("postgresql", "mariadb"), default="postgresql")
    args = parser.parse_args()
    rows = args.mb * 1_000_000 // ROW_BYTES
    pg = args.engine == "postgresql"
    src: Server
    dst: Server
    src, dst = (PostgresServer(), PostgresServer()) if pg else (MariaDBServer(), MariaDBServer())
    fill = generate if pg else generate_mariadb
    try:
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(lambda s: s.start(), (src, dst)))
            t0 = time.monotonic()
            list(pool.map(lambda s: fill(s, rows), (src, dst)))
        print(f"generated {rows:,} rows x 2 tables x 2 servers in {time.monotonic() - t0:.0f} s")
        best: dict[str, tuple[float, float, int]] = {}
        for _ in range(args.rounds):
            for db in TABLES:
                s, d = urls(src, dst, db)
                v = verify_database(s, d, checksum=True, jobs=2, range_rows=args.range_rows)
                assert v.ok, v
                rate = v.bytes_checked / 1e6 / v.seconds
                if db not in best or rate > best[db][0]:
                    best[db] = (rate, v.seconds, v.tables[0].ranges)
        s, _ = urls(src, dst, "pairkey")
        if pg:
            nbytes, planned, plan_s = plan_postgres(s, rows, args.range_rows)
        else:
            nbytes, planned, plan_s = plan_mariadb(s, best["pairkey"][2])
        for db, (rate, secs, ranges) in best.items():
            print(f"{db}: {rate:,.0f} MB/s ({secs:.2f} s, {ranges} ranges, {nbytes / 1e6:.0f} MB)")
        ratio = best["pairkey"][0] / best["intkey"][0]
        print(f"composite / integer key verify rate: {ratio:.2f}x")
        print(f"planning {planned} composite ranges (sample): {plan_s * 1000:.0f} ms")
        print("load:", os.getloadavg())
    finally:
        src.remove()
        dst.remove()


if __name__ == "__main__":
    main()

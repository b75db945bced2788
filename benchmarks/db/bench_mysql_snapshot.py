"""Benchmark: how long a consistent MySQL snapshot for N workers holds writes back.

skylift lines its copy workers up with ``LOCK TABLES … READ`` on the copied
schema (sessions connected beforehand), ``START TRANSACTION WITH CONSISTENT
SNAPSHOT`` in each, the binlog position, ``UNLOCK TABLES``
(:mod:`skylift.database.mysql.snapshot`). The peer, in the same run, is
mydumper's / ``mysqldump --single-transaction --master-data`` method: ``FLUSH
TABLES WITH READ LOCK`` instead of the schema lock, the rest alike. While
both run, a writer commits single-row inserts into the schema as fast as it
can; the figure is the longest gap between two of its commits inside each
snapshot's window (what the application feels), and the time the lock was
held. Median of ``--rounds``, alternating. With ``--long-query S`` a long
write statement on another schema (``UPDATE other.one SET x = x +
SLEEP(S)``, a batch job) is running when each snapshot starts:
``FLUSH TABLES WITH READ LOCK`` waits for it to finish while holding every
write of the server back; the schema lock does not wait for it. Run under
the benchmark lock (about 30 s each):

    flock /tmp/skylift-bench.lock .venv/bin/python benchmarks/db/bench_mysql_snapshot.py
    flock /tmp/skylift-bench.lock .venv/bin/python benchmarks/db/bench_mysql_snapshot.py \
        --long-query 1
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import subprocess
import threading
import time

import pymysql  # type: ignore[import-untyped]

from skylift.database.connect import my_connect
from skylift.database.mysql.snapshot import Snapshot, binlog_position
from skylift.database.mysql.tables import my_tables
from skylift.database.testing.servers import MariaDBServer
from skylift.database.url import parse_url


class Writer(threading.Thread):
    """Single-row autocommit inserts; commit times kept."""

    def __init__(self, server: MariaDBServer) -> None:
        super().__init__(daemon=True)
        self.server = server
        self.stop = threading.Event()
        self.commits: list[float] = []

    def run(self) -> None:
        conn = pymysql.connect(
            host="127.0.0.1",
            port=self.server.port,
            user="root",
            password=self.server.password,
            database="s",
            autocommit=True,
        )
        with conn.cursor() as c:
            while not self.stop.is_set():
                c.execute("INSERT INTO t0 (v) VALUES ('w')")
                self.commits.append(time.monotonic())
        conn.close()

    def stall(self, start: float, end: float) -> float:
        """The longest gap between commits around ``[start, end]``."""
        times = [t for t in self.commits if start - 0.5 <= t <= end + 0.5]
        return max((b - a for a, b in itertools.pairwise(times)), default=0.0)


def _report(server: MariaDBServer, seconds: float) -> None:
    """A long write statement on another schema (a failure is printed)."""
    try:
        server.sql(f"UPDATE other.one SET x = x + SLEEP({seconds})")
    except subprocess.CalledProcessError as exc:
        print(f"the long query failed: {exc.stderr.strip()}", flush=True)


def ftwrl(url, jobs: int) -> float:  # type: ignore[no-untyped-def]
    """mydumper's method; the seconds the global lock was held."""
    sessions = [my_connect(url) for _ in range(jobs)]
    locker = my_connect(url)
    with locker.cursor() as c:
        c.execute("FLUSH TABLES WITH READ LOCK")
        held = time.monotonic()
        for s in sessions:
            with s.cursor() as w:
                w.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")
        binlog_position(c, True)
        c.execute("UNLOCK TABLES")
        held = time.monotonic() - held
    for conn in [locker, *sessions]:
        conn.close()
    return held


def main() -> None:
    """Start a MariaDB server, generate the schema, measure both methods."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tables", type=int, default=20)
    ap.add_argument("--jobs", type=int, default=4)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--long-query", type=float, default=0.0, help="seconds; 0: none")
    args = ap.parse_args()
    server = MariaDBServer().start()
    try:
        server.sql("CREATE DATABASE s; CREATE DATABASE other; CREATE TABLE other.one (x INT)")
        server.sql("INSERT INTO other.one VALUES (1)")
        for i in range(args.tables):
            server.sql(
                f"CREATE TABLE t{i} (id INT PRIMARY KEY AUTO_INCREMENT, v TEXT);"
                f" INSERT INTO t{i} (v) SELECT MD5(seq) FROM seq_1_to_5000",
                "s",
            )
        url = parse_url(server.url("s"), environ={"SKYLIFT_SOURCE_PASSWORD": server.password})
        with my_connect(url) as conn, conn.cursor() as c:
            tables = my_tables(c, "s")
        writer = Writer(server)
        writer.start()
        time.sleep(0.5)
        held: dict[str, list[float]] = {"skylift": [], "ftwrl": []}
        stall: dict[str, list[float]] = {"skylift": [], "ftwrl": []}
        for _ in range(args.rounds):
            for method in ("skylift", "ftwrl"):
                report = None
                if args.long_query:
                    report = threading.Thread(target=_report, args=(server, args.long_query))
                    report.start()
                    time.sleep(0.2)
                start = time.monotonic()
                if method == "skylift":
                    snap = Snapshot(url, tables, args.jobs, mariadb=True, required=True)
                    held[method].append(snap.lock_seconds)
                    snap.close()
                else:
                    held[method].append(ftwrl(url, args.jobs))
                time.sleep(0.6)  # let the writer's commits after the window arrive
                stall[method].append(writer.stall(start, time.monotonic() - 0.6))
                if report is not None:
                    report.join()
        writer.stop.set()
        writer.join()
    finally:
        server.remove()
    for method in ("skylift", "ftwrl"):
        print(
            f"{method:8s} lock held median {statistics.median(held[method]) * 1000:7.1f} ms, "
            f"writer's longest stall median {statistics.median(stall[method]) * 1000:7.1f} ms "
            f"({args.tables} tables, {args.jobs} workers, {args.rounds} rounds, "
            f"long query {args.long_query} s)"
        )
    ratio = statistics.median(held["ftwrl"]) / max(statistics.median(held["skylift"]), 1e-9)
    print(f"FLUSH TABLES WITH READ LOCK held {ratio:.2f}x as long as skylift's schema lock")
    ratio = statistics.median(stall["ftwrl"]) / max(statistics.median(stall["skylift"]), 1e-9)
    print(f"the writer stalled {ratio:.2f}x as long under FLUSH TABLES WITH READ LOCK")


if __name__ == "__main__":
    main()

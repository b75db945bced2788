"""skylift db copy/verify/cutover against two real PostgreSQL 15 servers.

The content oracle is the servers themselves: after a copy, an ordered
``string_agg`` of every row's text on the source equals the target's
(independent of skylift's own checksum), and ``db verify`` must find a
change made behind its back.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import pytest

from skylift.database.copy import copy_database, cutover_database, verify_database
from skylift.database.testing.servers import PostgresServer
from skylift.database.url import DbUrl, parse_url
from skylift.domain.database import DbCopyOptions
from skylift.errors import ProviderError, TransferError

SCHEMA = """
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE ROLE app_reader NOLOGIN;
CREATE ROLE app_owner NOLOGIN;
CREATE TABLE kinds (id bigint PRIMARY KEY, n numeric(20,6), j json, jb jsonb, arr int[],
                    b bytea, ts timestamptz, m mood, ms mood[], t text);
INSERT INTO kinds SELECT g, g / 7.0, json_build_object('g', g),
       jsonb_build_object('k', g, 'a', ARRAY[g]), ARRAY[g, -g, NULL], decode(md5(g::text), 'hex'),
       '2024-03-01 12:00+05'::timestamptz + g * interval '1 hour',
       (ARRAY['sad','ok','happy'])[1 + g % 3]::mood, ARRAY['ok', 'sad']::mood[],
       E'line\\nbreak\\ttab ' || g
  FROM generate_series(1, 3000) g;
INSERT INTO kinds VALUES (0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
CREATE TABLE big (id bigint PRIMARY KEY, payload text);
INSERT INTO big SELECT g, repeat(md5(g::text), 4) FROM generate_series(1, 40000) g;
CREATE TABLE nokey (x int, y text);
INSERT INTO nokey SELECT g % 10, 'dup' FROM generate_series(1, 500) g;
CREATE TABLE child (id serial PRIMARY KEY, big_id bigint REFERENCES big(id));
INSERT INTO child (big_id) SELECT g FROM generate_series(1, 100) g;
CREATE INDEX big_payload ON big (payload);
CREATE VIEW v_kinds AS SELECT id, m FROM kinds;
GRANT SELECT ON kinds TO app_reader;
ALTER TABLE kinds OWNER TO app_owner;
SELECT lo_from_bytea(0, 'a large object');
"""

ORACLE = "SELECT md5(string_agg(t::text, '|' ORDER BY {key})) FROM {table} t"


def _urls(src: PostgresServer, dst: PostgresServer, sdb: str, ddb: str) -> tuple[DbUrl, DbUrl]:
    env = {"SKYLIFT_SOURCE_PASSWORD": src.password, "SKYLIFT_TARGET_PASSWORD": dst.password}
    return (
        parse_url(src.url(sdb), "source", environ=env),
        parse_url(dst.url(ddb), "target", environ=env),
    )


@pytest.fixture(scope="module")
def source_db(pg_pair: tuple[PostgresServer, PostgresServer]) -> str:
    src, _ = pg_pair
    src.psql("CREATE DATABASE shop")
    src.psql(SCHEMA, "shop")
    src.psql("ANALYZE", "shop")
    return "shop"


def _oracle(server: PostgresServer, db: str) -> list[str]:
    tables = [("kinds", "id"), ("big", "id"), ("nokey", "x, y"), ("child", "id")]
    return [server.psql(ORACLE.format(table=t, key=k), db) for t, k in tables]


def test_copy_types_ranges_and_verify(pg_pair, source_db):
    src, dst = pg_pair
    s, d = _urls(src, dst, source_db, "shop_copy")
    result = copy_database(s, d, DbCopyOptions(jobs=3, split_bytes=512 << 10))
    by_table = {t.table: t for t in result.tables}
    assert by_table["public.big"].ranges > 3  # the large table went in page ranges
    assert by_table["public.big"].rows == 40000
    assert not by_table["public.nokey"].primary_key
    assert any("nokey" in w and "no primary key" in w for w in result.warnings)
    assert result.large_objects == 1 and result.sequences == 1
    assert _oracle(src, "shop") == _oracle(dst, "shop_copy")
    # ownership, grants, enum values, views, sequence value and the journal's removal
    assert (
        dst.psql("SELECT tableowner FROM pg_tables WHERE tablename = 'kinds'", "shop_copy")
        == "app_owner"
    )
    acl = "SELECT relacl::text FROM pg_class WHERE relname = 'kinds'"
    assert "app_reader=r/app_owner" in dst.psql(acl, "shop_copy")
    assert dst.psql(acl, "shop_copy") == src.psql(acl, "shop")
    assert dst.psql("SELECT last_value FROM child_id_seq", "shop_copy") == "100"
    assert dst.psql("SELECT to_regnamespace('_skylift') IS NULL", "shop_copy") == "t"
    assert dst.psql("SELECT lo_get(oid) FROM pg_largeobject_metadata", "shop_copy") == src.psql(
        "SELECT lo_get(oid) FROM pg_largeobject_metadata", "shop"
    )
    v = verify_database(s, d, checksum=True, jobs=2, range_rows=10000)
    assert v.ok, (v.schema_differences, [t for t in v.tables if not t.ok])
    big = next(t for t in v.tables if t.table == "public.big")
    assert big.ranges >= 4
    # a change behind skylift's back is found, in the right range, and the schema diff too
    dst.psql(
        "UPDATE big SET payload = 'x' WHERE id = 25000; DELETE FROM nokey WHERE ctid = "
        "(SELECT min(ctid) FROM nokey); CREATE INDEX extra ON child (big_id)",
        "shop_copy",
    )
    v = verify_database(s, d, checksum=True, jobs=2, range_rows=10000)
    assert not v.ok
    bad = {t.table: t for t in v.tables if not t.ok}
    assert set(bad) == {"public.big", "public.nokey"}
    (r,) = bad["public.big"].differing
    assert int(r.lo or 0) <= 25000 < int(r.hi or 10**9)
    assert bad["public.nokey"].target_rows == 499
    assert any("extra" in x for x in v.schema_differences)
    counts_only = verify_database(s, d, checksum=False, jobs=2, range_rows=10000)
    assert {t.table for t in counts_only.tables if not t.ok} == {"public.nokey"}


def test_missing_extension_stops_before_any_data(pg_pair):
    src, _ = pg_pair
    src.psql("CREATE DATABASE withext")
    src.psql(
        "CREATE EXTENSION pg_trgm; CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1)",
        "withext",
    )
    # a target whose installation lacks pg_trgm (a private tree; the system one is untouched)
    bare = PostgresServer(without_extensions=("pg_trgm",)).start()
    try:
        s, d = _urls(src, bare, "withext", "withext_copy")
        with pytest.raises(TransferError) as exc:
            copy_database(s, d, DbCopyOptions(jobs=1))
        assert "pg_trgm" in exc.value.message and "nothing was copied" in exc.value.message
        assert "install the extension" in exc.value.hint
        assert bare.psql("SELECT count(*) FROM pg_database WHERE datname = 'withext_copy'") == "0"
        assert bare.psql("SELECT count(*) FROM pg_roles WHERE rolname = 'app_reader'") == "0"
    finally:
        bare.remove()


def test_wrong_password_is_one_line_without_the_secret(pg_pair, tmp_path):
    src, dst = pg_pair
    bad = "Wr0ng-Secret-Value"
    env = {**os.environ, "SKYLIFT_SOURCE_PASSWORD": bad, "SKYLIFT_TARGET_PASSWORD": dst.password}
    res = subprocess.run(
        [sys.executable, "-m", "skylift", "db", "copy", src.url("shop"), dst.url("x")],
        env=env,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert res.returncode == 4
    assert bad not in res.stdout + res.stderr
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert lines[0].startswith("error: cannot connect to postgresql://postgres@127.0.0.1")
    assert "password authentication failed" in lines[0]
    assert lines[1].startswith("hint:") and len(lines) == 2
    with pytest.raises(ProviderError):
        verify_database(
            parse_url(src.url("shop"), environ={"PGPASSWORD": bad}),
            parse_url(dst.url("x"), environ={}),
            checksum=False,
        )


def test_copy_killed_midway_resumes(pg_pair, source_db, tmp_path):
    src, dst = pg_pair
    src.psql("CREATE DATABASE resumable")
    src.psql(
        "CREATE TABLE r (id bigint PRIMARY KEY, p text); INSERT INTO r SELECT g, repeat('y', 200) "
        "FROM generate_series(1, 60000) g; CREATE TABLE r2 (id int PRIMARY KEY); "
        "INSERT INTO r2 SELECT generate_series(1, 1000)",
        "resumable",
    )
    env = {
        **os.environ,
        "SKYLIFT_SOURCE_PASSWORD": src.password,
        "SKYLIFT_TARGET_PASSWORD": dst.password,
    }
    argv = [
        sys.executable,
        "-m",
        "skylift",
        "db",
        "copy",
        src.url("resumable"),
        dst.url("resumed"),
        "--jobs",
        "1",
        "--split-mb",
        "1",
        "--json",
    ]
    proc = subprocess.Popen(
        argv, env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 60
    done = "0"
    while time.monotonic() < deadline:  # kill once some ranges are committed, not all
        try:
            done = dst.psql(
                "SELECT count(*) FILTER (WHERE done) || '/' || count(*) FROM _skylift.copy_chunks",
                "resumed",
            )
        except subprocess.CalledProcessError:
            done = "0/0"
        n, _, total = done.partition("/")
        if total and 2 <= int(n) < int(total) - 2:
            break
        time.sleep(0.05)
    proc.kill()
    proc.wait()
    assert "/" in done and int(done.split("/")[0]) >= 2, done
    res = subprocess.run(argv, env=env, cwd=tmp_path, capture_output=True, text=True, check=True)
    import json

    result = json.loads(res.stdout)
    assert result["resumed"] is True
    r = next(t for t in result["tables"] if t["table"] == "public.r")
    assert r["ranges_skipped"] >= 2 and r["rows"] == 60000
    assert dst.psql("SELECT count(*), count(DISTINCT id) FROM r", "resumed") == "60000|60000"
    s, d = _urls(src, dst, "resumable", "resumed")
    assert verify_database(s, d, checksum=True).ok


def test_online_copy_with_writes_then_cutover(pg_pair):
    src, dst = pg_pair
    src.psql("CREATE DATABASE live")
    src.psql(
        "CREATE TABLE acc (id serial PRIMARY KEY, v int, note text); "
        "INSERT INTO acc (v, note) SELECT g, 'init' FROM generate_series(1, 20000) g; "
        "CREATE TABLE nk (x int); ALTER TABLE nk REPLICA IDENTITY FULL",
        "live",
    )
    s, d = _urls(src, dst, "live", "live_copy")
    stop = threading.Event()
    writes = [0]

    def writer() -> None:
        import psycopg

        with psycopg.connect(src.url("live"), password=src.password, autocommit=True) as c:
            while not stop.is_set():
                c.execute("INSERT INTO acc (v, note) VALUES (-1, 'during')")
                c.execute("UPDATE acc SET v = v + 1 WHERE id = %s", (1 + writes[0] % 20000,))
                c.execute("DELETE FROM acc WHERE id = %s", (20000 - writes[0],))
                c.execute("INSERT INTO nk VALUES (%s)", (writes[0],))
                writes[0] += 1

    t = threading.Thread(target=writer)
    t.start()
    try:
        result = copy_database(
            s, d, DbCopyOptions(jobs=2, online=True, split_bytes=256 << 10, catch_up_seconds=5)
        )
        time.sleep(0.5)
    finally:
        stop.set()
        t.join()
    assert result.online and writes[0] > 10
    lags: list[int] = []

    class Lag:
        def table_done(self, copy): ...
        def bytes_moved(self, amount): ...
        def lag(self, lag_bytes):
            lags.append(lag_bytes)

    cut = cutover_database(s, d, timeout=60, events=Lag())
    assert cut.lag_bytes == 0 and lags[-1] == 0
    assert cut.sequences == 1
    assert src.psql("SELECT count(*) FROM pg_replication_slots") == "0"
    assert src.psql("SELECT count(*) FROM pg_publication", "live") == "0"
    v = verify_database(s, d, checksum=True, jobs=2, range_rows=5000)
    assert v.ok, (v.schema_differences, [x for x in v.tables if not x.ok])
    assert dst.psql("SELECT count(*) FROM acc WHERE note = 'during'", "live_copy") == str(writes[0])
    # sequences were carried over: the next id on the target continues the source's
    assert dst.psql("SELECT last_value FROM acc_id_seq", "live_copy") == src.psql(
        "SELECT last_value FROM acc_id_seq", "live"
    )


def test_online_refuses_table_without_replica_identity(pg_pair):
    src, dst = pg_pair
    src.psql("CREATE DATABASE nori")
    src.psql("CREATE TABLE loose (x int)", "nori")
    s, d = _urls(src, dst, "nori", "nori_copy")
    with pytest.raises(TransferError) as exc:
        copy_database(s, d, DbCopyOptions(online=True))
    assert "loose" in exc.value.message and "REPLICA IDENTITY FULL" in exc.value.hint

"""Per-table index builds on real PostgreSQL: costliest first, jobs-limited until the data is in.

The builds are real ``pg_restore -L`` runs into a target that received the
pre-data section; a wrapper around them only records when each one ran.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from skylift.database.connect import pg_connect
from skylift.database.postgres import schema
from skylift.database.postgres.indexes import (
    IndexBuilder,
    foreign_key_entries,
    per_table_entries,
)
from skylift.database.url import parse_url

SCHEMA = """
CREATE TABLE t1 (id bigint PRIMARY KEY, n int, s text);
CREATE INDEX t1_n ON t1 (n); CREATE INDEX t1_s ON t1 (s); CREATE INDEX t1_n_id ON t1 (n, id);
CREATE TABLE t2 (id bigint PRIMARY KEY, s varchar(20) UNIQUE);
CREATE TABLE t3 (id int PRIMARY KEY, n int CHECK (n > 0), t1_id bigint REFERENCES t1 (id));
"""


def test_entries_costliest_first_and_builds_limited_until_data_done(pg_pair, tmp_path, monkeypatch):
    src, dst = pg_pair
    src.psql("CREATE DATABASE idxsched")
    src.psql(SCHEMA, "idxsched")
    dst.psql("CREATE DATABASE idxsched")
    env = {"SKYLIFT_SOURCE_PASSWORD": src.password, "SKYLIFT_TARGET_PASSWORD": dst.password}
    source = parse_url(src.url("idxsched"), "source", environ=env)
    target = parse_url(dst.url("idxsched"), "target", environ=env)
    archive = schema.dump_schema(source, Path(tmp_path))
    schema.restore_pre_data(archive, target)
    with pg_connect(source) as conn:
        entries = per_table_entries(archive, target, conn, set())
        fks = foreign_key_entries(archive, target, conn, set())
    assert [(ln.split(" ")[-2], t) for ln, t in fks] == [
        ("t3_t1_id_fkey", frozenset({"public.t1", "public.t3"}))
    ]
    names = {t: [ln.split(" ")[-2] for ln in lines] for t, lines in entries.items()}
    # text key first, then the two-column key, then one integer column
    assert names["public.t1"][:2] == ["t1_s", "t1_n_id"], names
    assert set(names["public.t1"][2:]) == {"t1_n", "t1_pkey"}
    assert names["public.t2"][0] == "t2_s_key", names
    total = sum(len(v) for v in entries.values())

    real = schema.restore_entries
    lock = threading.Lock()
    running, peak, started, ended = [0], {"copying": 0, "after": 0}, [], {}
    phase = ["copying"]
    go = threading.Event()  # builds are held until the test has seen the limits

    def recorded(*args, **kwargs):
        with lock:
            running[0] += 1
            peak[phase[0]] = max(peak[phase[0]], running[0])
            started.append((args[2][0].split(" ")[-2], time.monotonic()))
        try:
            go.wait(60)
            real(*args, **kwargs)
        finally:
            with lock:
                running[0] -= 1
                ended[args[2][0].split(" ")[-2]] = time.monotonic()

    monkeypatch.setattr(schema, "restore_entries", recorded)
    builder = IndexBuilder(archive, target, entries, jobs=1, memory_mb=64, foreign_keys=fks)
    builder.table_done("public.t1")
    builder.table_done("public.t2")
    time.sleep(0.3)  # a second build would start meanwhile if the limit were not kept
    assert not any(name == "t3_t1_id_fkey" for name, _ in started)  # t3's rows are not in
    builder.table_done("public.t3")
    # Every build is held until the data is in, so whatever the machine's speed all but
    # the one running are left then, enough for two at once. (Builds of 0.2 s raced
    # sleeps: a fast machine finished all but the last one first, the peak after the
    # data stayed at 1 and CI failed; a stalled test thread could do the same.)
    assert total >= 7 and len(started) == 1
    with lock:
        phase[0] = "after"
    builder.data_done()
    deadline = time.monotonic() + 30
    while running[0] < 2 and time.monotonic() < deadline:  # the second build starts
        time.sleep(0.01)
    go.set()
    builder.finish()
    assert peak["copying"] == 1  # jobs builds beside the copy workers
    assert peak["after"] == 2  # 2 x jobs once the data is in
    assert started[0][0] == "t1_s" and len(started) == total + 1
    fk_start = dict(started)["t3_t1_id_fkey"]
    assert all(ended[n] <= fk_start for n in ("t1_pkey", "t3_pkey"))  # the key it checks exists
    with pg_connect(target) as conn:
        have = schema.existing_post_data(conn)
    assert {
        "INDEX public t1_s",
        "INDEX public t1_n_id",
        "CONSTRAINT public t3 t3_pkey",
        "CONSTRAINT public t3 t3_t1_id_fkey",
    } <= have

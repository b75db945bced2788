"""Online MariaDB copy (native replication from the snapshot's GTID) and cutover, for real.

Two MariaDB servers with different server ids (and a third without a binary
log) are started for this module. The content oracle is the servers
themselves: an ordered ``MD5(GROUP_CONCAT(...))`` of every table on the
source equals the target's, independently of skylift's own checksums.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest

from skylift.database.copy import (
    copy_database,
    cutover_database,
    replication_state,
    verify_database,
)
from skylift.database.mysql import cutover as mysql_cutover
from skylift.database.testing.servers import MariaDBServer
from skylift.database.url import DbUrl, parse_url
from skylift.domain.database import DbCopyOptions
from skylift.errors import TransferError
from tests.integration.database.cli import run_cli

SCHEMA = """
CREATE DATABASE shop; USE shop;
CREATE TABLE orders (id BIGINT PRIMARY KEY AUTO_INCREMENT, customer VARCHAR(40),
                     total DECIMAL(12,2), note TEXT, at DATETIME(3));
INSERT INTO orders (customer, total, note, at)
  SELECT CONCAT('c', seq % 97), seq / 7, REPEAT(MD5(seq), 3), '2025-01-01' + INTERVAL seq MINUTE
  FROM seq_1_to_20000;
CREATE TABLE order_lines (order_id BIGINT, n INT, sku VARCHAR(20), qty INT,
                          PRIMARY KEY (order_id, n));
INSERT INTO order_lines SELECT seq, 1, CONCAT('sku', seq % 50), seq % 5 FROM seq_1_to_5000;
CREATE TABLE audit (who VARCHAR(20), what VARCHAR(40));
INSERT INTO audit VALUES ('a', 'x'), ('a', 'x'), ('b', NULL);
CREATE DATABASE other; CREATE TABLE other.noise (id INT PRIMARY KEY AUTO_INCREMENT, v INT);
CREATE USER repl@'127.0.0.1' IDENTIFIED BY 'Repl-pw-9f3b';
GRANT REPLICATION SLAVE ON *.* TO repl@'127.0.0.1';
CREATE USER reader@'127.0.0.1' IDENTIFIED BY 'Reader-pw-71c2';
GRANT SELECT ON *.* TO reader@'127.0.0.1';
ANALYZE TABLE orders;
"""

ORACLES = {
    "orders": "CONCAT_WS('|', id, customer, total, note, at)",
    "order_lines": "CONCAT_WS('|', order_id, n, sku, qty)",
    "audit": "CONCAT_WS('|', who, IFNULL(what, 'N'))",
}


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[MariaDBServer, MariaDBServer, MariaDBServer]]:
    """Source (server_id 1), target (2), and a server without a binary log (3)."""
    trio = (MariaDBServer(server_id=1), MariaDBServer(server_id=2))
    trio += (MariaDBServer(server_id=3, binlog=False),)
    try:
        with ThreadPoolExecutor(3) as pool:
            list(pool.map(MariaDBServer.start, trio))
        trio[0].sql(SCHEMA)
        trio[2].sql("CREATE DATABASE shop; CREATE TABLE shop.t (id INT PRIMARY KEY)")
        yield trio
    finally:
        for s in trio:
            s.remove()


def _env(src: MariaDBServer, dst: MariaDBServer) -> dict[str, str]:
    return {
        "SKYLIFT_SOURCE_PASSWORD": src.password,
        "SKYLIFT_TARGET_PASSWORD": dst.password,
        "SKYLIFT_REPLICATION_PASSWORD": "Repl-pw-9f3b",
    }


def _url(server: MariaDBServer, db: str, role: str, env: dict[str, str]) -> DbUrl:
    return parse_url(server.url(db), role, environ=env)


def _oracle(server: MariaDBServer, db: str) -> list[str]:
    out = []
    for table, row in ORACLES.items():
        out.append(
            server.sql(
                "SET SESSION group_concat_max_len = 1000000000; SELECT COUNT(*),"
                f" MD5(GROUP_CONCAT({row} ORDER BY {row} SEPARATOR ',')) FROM {db}.{table}"
            )
        )
    return out


class Writer(threading.Thread):
    """Inserts, updates and deletes in every table (and another schema) until stopped."""

    def __init__(self, server: MariaDBServer) -> None:
        super().__init__(daemon=True)
        self.server = server
        self.stop = threading.Event()
        self.rounds = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        import pymysql  # type: ignore[import-untyped]

        conn = pymysql.connect(
            host="127.0.0.1",
            port=self.server.port,
            user="root",
            password=self.server.password,
            database="shop",
            autocommit=True,
        )
        try:
            with conn.cursor() as c:
                i = 0
                while not self.stop.is_set():
                    i += 1
                    c.execute(
                        "INSERT INTO orders (customer, total, note, at) VALUES"
                        " (%s, %s, 'live', NOW(3))",
                        (f"w{i}", i),
                    )
                    c.execute("UPDATE orders SET total = total + 1 WHERE id = %s", (i * 37,))
                    c.execute("DELETE FROM orders WHERE id = %s", (i * 53 % 20000 + 1,))
                    c.execute("INSERT INTO order_lines VALUES (%s, 2, 'live', %s)", (i, i % 9))
                    c.execute("UPDATE order_lines SET qty = qty + 1 WHERE order_id = %s", (i,))
                    c.execute("DELETE FROM order_lines WHERE order_id = %s AND n = 1", (i + 2000,))
                    c.execute("INSERT INTO audit VALUES ('w', %s)", (str(i),))
                    c.execute("UPDATE audit SET what = 'y' WHERE who = 'a' LIMIT 1")
                    c.execute("DELETE FROM audit WHERE what = %s", (str(i - 3),))
                    c.execute("INSERT INTO other.noise (v) VALUES (%s)", (i,))
                    self.rounds += 1
                    time.sleep(0.005)
        except BaseException as exc:
            self.error = exc
        finally:
            conn.close()


class PollsSeeWrites:
    """``time`` as the cutover's settle loop sees it: each pause between two polls also
    lasts until the writer has done a whole round within it. So the loop always sees
    writes continue, however late a loaded machine runs the writer thread (a quiet 0.3 s
    between two polls of lag 0 would let the cutover through: "DID NOT RAISE")."""

    def __init__(self, writer: Writer) -> None:
        self.writer = writer

    def sleep(self, seconds: float) -> None:
        seen = self.writer.rounds  # round seen + 1 may have begun before the pause
        time.sleep(seconds)
        deadline = time.monotonic() + 30
        while self.writer.rounds < seen + 2 and time.monotonic() < deadline:
            time.sleep(0.005)

    def __getattr__(self, name: str) -> object:
        return getattr(time, name)


def test_online_copy_with_writes_then_cutover(servers, tmp_path, capsys, monkeypatch):
    src, dst, _ = servers
    env = _env(src, dst)
    from skylift.workspace.core import create_workspace

    ws = tmp_path / "ws"
    create_workspace(ws)
    writer = Writer(src)
    writer.start()
    while writer.rounds < 5:
        time.sleep(0.01)
    code, out, err = run_cli(
        [
            "db",
            "copy",
            src.url("shop"),
            dst.url("shop_live"),
            "--online",
            "--replication-user",
            "repl",
            "--jobs",
            "2",
            "--split-mb",
            "1",
            "--json",
        ],
        ws,
        env,
        capsys,
        monkeypatch,
    )
    assert code == 0, err
    for secret in env.values():
        assert secret not in out and secret not in err
    copied = json.loads(out)
    assert copied["online"] and copied["lag_bytes"] is not None
    assert copied["sequences"] == 1  # the AUTO_INCREMENT of orders
    assert (
        copied["snapshot_position"].startswith("binlog.0")
        and "GTID 0-1-" in copied["snapshot_position"]
    )
    by_table = {t["table"]: t for t in copied["tables"]}
    assert by_table["shop.orders"]["ranges"] > 1
    assert any("shop.audit: no primary key" in w for w in copied["warnings"])
    s, d = _url(src, "shop", "source", env), _url(dst, "shop_live", "target", env)

    time.sleep(0.5)  # writes go on while the target replicates
    with monkeypatch.context() as m:
        m.setattr(mysql_cutover, "time", PollsSeeWrites(writer))
        with pytest.raises(TransferError, match="nothing was changed") as busy:
            cutover_database(s, d, timeout=1.0)
    assert "continue on the source" in str(busy.value) or "lag is still" in str(busy.value)
    writer.stop.set()
    writer.join()
    assert writer.error is None and writer.rounds > 20
    src.sql("ALTER TABLE orders ADD COLUMN flag INT DEFAULT 7", "shop")  # DDL, schema as default db

    dst.sql("STOP SLAVE 'skylift' SQL_THREAD")
    src.sql("INSERT INTO shop.orders (customer) VALUES ('while stopped')")
    with pytest.raises(TransferError, match=r"lag is still [\d,]+ bytes .*nothing was changed"):
        cutover_database(s, d, timeout=1.0)
    status = ["db", "status", src.url("shop"), dst.url("shop_live"), "--json"]
    code, out, err = run_cli(status, ws, env, capsys, monkeypatch)
    stopped = json.loads(out)
    assert code == 0 and not stopped["replicating"] and stopped["lag_bytes"] > 0
    assert stopped["detail"] == "the replica's SQL thread is stopped"
    dst.sql("START SLAVE 'skylift' SQL_THREAD")

    src.sql("BEGIN; INSERT INTO shop.orders (customer) VALUES ('rolled back'); ROLLBACK")
    code, out, err = run_cli(
        ["db", "cutover", src.url("shop"), dst.url("shop_live"), "--timeout", "30", "--json"],
        ws,
        env,
        capsys,
        monkeypatch,
    )
    assert code == 0, err
    cut = json.loads(out)
    assert cut["lag_bytes"] == 0 and cut["sequences"] == 1 and cut["verify"]["tables"]
    assert dst.sql("SHOW ALL SLAVES STATUS") == ""  # replica settings (and password) removed
    assert not replication_state(s, d).replicating
    assert _oracle(dst, "shop_live") == _oracle(src, "shop")
    assert dst.sql("SHOW DATABASES LIKE 'other'") == ""
    assert dst.sql("SELECT COUNT(*) FROM shop_live.orders WHERE flag = 7") == src.sql(
        "SELECT COUNT(*) FROM shop.orders WHERE flag = 7"
    )
    auto = "SELECT AUTO_INCREMENT FROM information_schema.TABLES WHERE TABLE_NAME = 'orders'"
    assert dst.sql(auto + " AND TABLE_SCHEMA = 'shop_live'") == src.sql(
        auto + " AND TABLE_SCHEMA = 'shop'"
    )
    code, out, err = run_cli(
        ["db", "verify", src.url("shop"), dst.url("shop_live"), "--checksum", "--json"],
        ws,
        env,
        capsys,
        monkeypatch,
    )
    checked = json.loads(out)
    assert code == 0 and checked["checksum"] and len(checked["tables"]) == 3, err
    assert not verify_database(s, d, checksum=True, range_rows=4000).schema_differences
    dst.sql("UPDATE shop_live.audit SET what = 'z' WHERE who = 'b'")  # the check can fail
    assert not verify_database(s, d, checksum=True, range_rows=4000).ok


def test_offline_workers_share_one_snapshot(servers):
    """Rows written while the copy runs are in no range: every worker read the same moment."""
    src, dst, _ = servers
    env = _env(src, dst)
    src.sql("CREATE DATABASE snap; CREATE TABLE snap.t (id INT PRIMARY KEY, v INT)")
    src.sql("INSERT INTO t SELECT seq, 0 FROM seq_1_to_30000; ANALYZE TABLE t", "snap")
    writer = threading.Event()

    def bump() -> None:  # moves a row from the last range to the first, over and over
        i = 0
        while not writer.is_set():
            i += 1
            src.sql(f"UPDATE snap.t SET id = {-i} WHERE id = {30001 - i}")

    t = threading.Thread(target=bump, daemon=True)
    t.start()
    time.sleep(0.3)
    result = copy_database(
        _url(src, "snap", "source", env),
        _url(dst, "snap", "target", env),
        DbCopyOptions(jobs=2, split_bytes=64 << 10),
    )
    writer.set()
    t.join()
    assert result.tables[0].ranges > 2
    # each row is copied exactly once: a worker reading later would see a moved row twice or never
    assert dst.sql("SELECT COUNT(*) FROM snap.t") == "30000"


def test_offline_copy_without_lock_privilege_warns(servers):
    """A user with SELECT only copies, told that the workers' snapshots were not aligned."""
    src, dst, _ = servers
    env = {**_env(src, dst), "SKYLIFT_SOURCE_PASSWORD": "Reader-pw-71c2"}
    result = copy_database(
        parse_url(src.url("shop", user="reader"), "source", environ=env),
        _url(dst, "reader_copy", "target", env),
        DbCopyOptions(jobs=2),
    )
    assert result.snapshot_position == "" and result.rows > 20000
    assert any("reader may not LOCK TABLES on shop" in w for w in result.warnings)


def test_online_preflight_names_what_is_missing(servers, tmp_path, capsys, monkeypatch):
    src, dst, nobin = servers
    env = _env(nobin, dst)
    with pytest.raises(TransferError) as missing:
        copy_database(
            _url(nobin, "shop", "source", env),
            _url(dst, "nobin_copy", "target", env),
            DbCopyOptions(online=True),
        )
    text = str(missing.value)
    assert "binary log is off: start it with log_bin" in text and "nothing was copied" in text
    assert "\n" not in text
    reader = parse_url(src.url("shop", user="reader"), "replication", environ=env)
    env = _env(src, nobin)  # server ids 1 and 3; the reader lacks REPLICATION SLAVE
    with pytest.raises(TransferError) as grants:
        copy_database(
            _url(src, "shop", "source", env),
            _url(nobin, "shop_copy", "target", env),
            DbCopyOptions(online=True),
            replica_user=replace(reader, password="Reader-pw-71c2"),
        )
    assert "reader lacks REPLICATION SLAVE" in str(grants.value)
    assert nobin.sql("SHOW DATABASES LIKE 'shop_copy'") == ""
    src.sql("SET GLOBAL binlog_format = 'STATEMENT'")
    try:
        with pytest.raises(TransferError) as both:  # into the source itself: same server id
            copy_database(
                _url(src, "shop", "source", _env(src, src)),
                _url(src, "stmt_copy", "target", _env(src, src)),
                DbCopyOptions(online=True),
            )
    finally:
        src.sql("SET GLOBAL binlog_format = 'ROW'")
    text = str(both.value)
    assert "binlog_format is STATEMENT: set binlog_format=ROW" in text and "\n" not in text
    assert "the target's server_id is 1 (the source has 1)" in text


def test_wrong_replication_password_is_one_line(servers, tmp_path, capsys, monkeypatch):
    src, dst, _ = servers
    env = {**_env(src, dst), "SKYLIFT_REPLICATION_PASSWORD": "Wrong-secret-5521"}
    from skylift.workspace.core import create_workspace

    create_workspace(tmp_path / "ws")
    code, out, err = run_cli(
        ["db", "copy", src.url("shop"), dst.url("badpw"), "--online", "--replication-user", "repl"],
        tmp_path / "ws",
        env,
        capsys,
        monkeypatch,
    )
    assert code == 4
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert lines[0].startswith("error: cannot connect to mysql://repl@127.0.0.1:")
    assert "Access denied" in lines[0] and len(lines) == 2 and lines[1].startswith("hint:")
    assert "Wrong-secret-5521" not in out + err and "Traceback" not in err
    assert dst.sql("SHOW DATABASES LIKE 'badpw'") == ""


def test_status_without_replication(servers, pg_pair):
    src, dst, _ = servers
    env = _env(src, dst)
    mine = replication_state(_url(src, "shop", "source", env), _url(dst, "nothing", "target", env))
    assert not mine.replicating and mine.lag_bytes is None and "no 'skylift'" in mine.detail
    pa, pb = pg_pair
    penv = {"SKYLIFT_SOURCE_PASSWORD": pa.password, "SKYLIFT_TARGET_PASSWORD": pb.password}
    pg = replication_state(
        parse_url(pa.url("postgres"), "source", environ=penv),
        parse_url(pb.url("nothing"), "target", environ=penv),
    )
    assert not pg.replicating and pg.detail == "no replication slot skylift_nothing"


def test_broken_replication_is_named(servers):
    """A change the target cannot apply stops its replica: status and cutover say why."""
    src, dst, _ = servers
    env = _env(src, dst)
    src.sql("CREATE DATABASE tiny; CREATE TABLE tiny.t (id INT PRIMARY KEY, v INT)")
    src.sql("INSERT INTO tiny.t VALUES (1, 1), (2, 2)")
    s, d = _url(src, "tiny", "source", env), _url(dst, "tiny", "target", env)
    try:
        copied = copy_database(s, d, DbCopyOptions(online=True, catch_up_seconds=5))
        assert any("keeps root's password in its replica settings" in w for w in copied.warnings)
        dst.sql("DELETE FROM tiny.t WHERE id = 2")  # behind replication's back
        src.sql("UPDATE tiny.t SET v = 20 WHERE id = 2")
        deadline = time.monotonic() + 60  # the replica's SQL thread meets the change
        while "1032" not in (state := replication_state(s, d)).detail:
            assert time.monotonic() < deadline, state
            time.sleep(0.1)
        assert not state.replicating and "Update_rows" in state.detail
        with pytest.raises(TransferError, match=r"replication into .* stopped: Could not execute"):
            cutover_database(s, d, timeout=5)
    finally:
        dst.sql("STOP SLAVE 'skylift'; RESET SLAVE 'skylift' ALL")

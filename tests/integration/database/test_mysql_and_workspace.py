"""MariaDB copy/verify, and discover db → assess through the CLI into a workspace."""

from __future__ import annotations

import json

import pytest

from skylift.database.copy import copy_database, verify_database
from skylift.database.url import parse_url
from skylift.domain.database import DbCopyOptions
from skylift.errors import TransferError
from tests.integration.database.cli import run_cli

MY_SCHEMA = """
CREATE DATABASE shop; USE shop;
CREATE TABLE t (id BIGINT PRIMARY KEY AUTO_INCREMENT, a VARCHAR(50), d DECIMAL(12,3), c DATETIME(6),
                j JSON, bl BLOB, e ENUM('x','y'), n INT NULL);
INSERT INTO t (a, d, c, j, bl, e)
  SELECT CONCAT('r', seq, '\\t\\n'), seq / 3, '2024-01-01' + INTERVAL seq SECOND,
       JSON_OBJECT('k', seq), UNHEX(MD5(seq)), IF(seq % 2, 'x', 'y') FROM seq_1_to_8000;
CREATE TABLE nopk (x INT, y TEXT); INSERT INTO nopk VALUES (1, 'a'), (1, 'a'), (2, NULL);
CREATE VIEW v AS SELECT id FROM t WHERE id < 10;
ANALYZE TABLE t;
"""


def test_mariadb_copy_in_ranges_and_verify(my_pair):
    src, dst = my_pair
    src.sql(MY_SCHEMA)
    env = {"SKYLIFT_SOURCE_PASSWORD": src.password, "SKYLIFT_TARGET_PASSWORD": dst.password}
    s = parse_url(src.url("shop"), "source", environ=env)
    d = parse_url(dst.url("shop_copy"), "target", environ=env)
    with pytest.raises(TransferError, match=r"target.s server_id is 1 \(the source has 1\)"):
        copy_database(s, d, DbCopyOptions(online=True))
    result = copy_database(s, d, DbCopyOptions(jobs=2, split_bytes=64 << 10))
    tables = {t.table: t for t in result.tables}
    assert tables["shop.t"].rows == 8000 and tables["shop.t"].ranges > 1
    assert not tables["shop.nopk"].primary_key
    oracle = (
        "SELECT MD5(GROUP_CONCAT(CONCAT_WS('|', id, a, d, c, j, HEX(bl), e, IFNULL(n, 'N'))"
        " ORDER BY id SEPARATOR ','))"
    )
    src.sql("SET SESSION group_concat_max_len = 100000000")
    assert dst.sql(
        f"SET SESSION group_concat_max_len = 100000000; {oracle} FROM shop_copy.t"
    ) == src.sql(f"SET SESSION group_concat_max_len = 100000000; {oracle} FROM shop.t")
    assert dst.sql("SELECT COUNT(*) FROM shop_copy.v") == "9"
    assert verify_database(s, d, checksum=True, range_rows=2000).ok
    dst.sql("UPDATE shop_copy.t SET a = 'changed' WHERE id = 4321")
    v = verify_database(s, d, checksum=True, range_rows=2000)
    (bad,) = [t for t in v.tables if not t.ok]
    assert bad.table == "shop.t" and len(bad.differing) == 1


def test_discover_and_assess_through_the_cli(pg_pair, my_pair, tmp_path, capsys, monkeypatch):
    _cli = run_cli
    from skylift.workspace.core import create_workspace

    src, _ = pg_pair
    msrc, _ = my_pair
    ws = tmp_path / "ws"
    create_workspace(ws)
    code, out, err = _cli(
        ["discover", "db", src.url("postgres"), "--json"],
        ws,
        {"PGPASSWORD": src.password},
        capsys,
        monkeypatch,
    )
    assert code == 0, err
    inv = json.loads(out)
    assert inv["engine"] == "postgresql" and inv["major"] == "15"
    assert inv["replication"]["wal_level"] == "logical"
    assert "postgres" in inv["roles"] and src.password not in out
    assert "postgres" in {d["name"] for d in inv["databases"]}
    code, out, err = _cli(
        ["discover", "db", msrc.url(""), "--json"],
        ws,
        {"MYSQL_PWD": msrc.password},
        capsys,
        monkeypatch,
    )
    assert code == 0, err
    assert json.loads(out)["flavor"] == "mariadb"
    code, out, err = _cli(["db", "assess", "--json"], ws, {}, capsys, monkeypatch)
    assert code == 0, err
    found = {a["engine"]: a for a in json.loads(out)}
    pg = found["postgresql"]
    assert pg["strategy"] == "replatform"
    assert {o["cloud"] for o in pg["options"]} == {"aws", "azure", "gcp"}
    assert all(o["ready"] and o["monthly_usd"] > 0 for o in pg["options"])
    my = found["mysql"]
    assert any("mariadb source" in i for o in my["options"] for i in o["issues"])
    statuses = {o["price_status"] for a in found.values() for o in a["options"]}
    assert statuses <= {"verified", "derived", "unverified"} and statuses
    for o in (o for a in found.values() for o in a["options"]):
        assert o["price_source"].lower().startswith(o["price_status"])
    code, out, err = _cli(["db", "assess"], ws, {}, capsys, monkeypatch)
    assert code == 0, err
    footnotes = [ln for ln in out.splitlines() if ln[:2] in {"* ", "! "}]
    marks = {"derived": "*", "unverified": "!"}
    assert {ln[0] for ln in footnotes} == {marks[s] for s in statuses if s in marks}
    if "unverified" in statuses:
        assert any(ln.startswith("! UNVERIFIED") for ln in footnotes)
        assert any("USD/month!" in ln for ln in out.splitlines())

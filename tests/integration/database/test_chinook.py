"""A real public database (Chinook, MIT, vendored) copied and verified on both engines."""

from __future__ import annotations

import json
from pathlib import Path

from skylift.database.copy import copy_database, verify_database
from skylift.database.discover import discover_database
from skylift.database.url import parse_url
from skylift.domain.database import DbCopyOptions
from tests.integration.database.cli import run_cli

CHINOOK = Path(__file__).parents[2] / "fixtures" / "database" / "chinook"
TABLES = ("album", "artist", "customer", "employee", "genre", "invoice", "invoice_line",
          "media_type", "playlist", "playlist_track", "track")  # fmt: skip


def test_chinook_postgresql(pg_pair, tmp_path, capsys, monkeypatch):
    src, dst = pg_pair
    src.psql_file(CHINOOK / "Chinook_PostgreSql.sql")
    env = {"SKYLIFT_SOURCE_PASSWORD": src.password, "SKYLIFT_TARGET_PASSWORD": dst.password}
    s = parse_url(src.url("chinook"), "source", environ=env)
    d = parse_url(dst.url("chinook"), "target", environ=env)
    inv = discover_database(s)
    chinook = next(db for db in inv.databases if db.name == "chinook")
    assert {t.name for t in chinook.tables} == set(TABLES)
    assert next(t for t in chinook.tables if t.name == "playlist_track").primary_key == (
        "playlist_id",
        "track_id",
    )
    result = copy_database(s, d, DbCopyOptions(jobs=2))
    assert result.rows == 15607
    for table in TABLES:
        q = f"SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) FROM {table} t"
        assert src.psql(q, "chinook") == dst.psql(q, "chinook"), table
    assert verify_database(s, d, checksum=True).ok
    # the CLI: identical → 0; a changed row → exit 6 naming the table and its range
    argv = ["db", "verify", src.url("chinook"), dst.url("chinook"), "--checksum", "--json"]
    code, out, _ = run_cli(argv, tmp_path, env, capsys, monkeypatch)
    assert code == 0 and json.loads(out)["bytes_checked"] > 0
    dst.psql("UPDATE track SET unit_price = unit_price + 0.01 WHERE track_id = 77", "chinook")
    code, out, _ = run_cli(argv[:-1], tmp_path, env, capsys, monkeypatch)
    assert code == 6
    assert "DIFFERENT" in out and "public.track: source 3,503 rows, target 3,503" in out
    assert "content differs" in out


def test_chinook_mariadb(my_pair):
    src, dst = my_pair
    src.sql_file(CHINOOK / "Chinook_MySql.sql")
    env = {"SKYLIFT_SOURCE_PASSWORD": src.password, "SKYLIFT_TARGET_PASSWORD": dst.password}
    s = parse_url(src.url("Chinook"), "source", environ=env)
    d = parse_url(dst.url("Chinook"), "target", environ=env)
    result = copy_database(s, d, DbCopyOptions(jobs=2))
    assert result.rows == 15607
    v = verify_database(s, d, checksum=True)
    assert v.ok and len(v.tables) == 11

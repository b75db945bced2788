"""Pure parts of the database stage: URLs and passwords, key ranges, post-data TOC keys, assess."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from skylift.database.assess import assess_database
from skylift.database.postgres.chunks import SourceTable, plan_chunks
from skylift.database.postgres.schema import post_data_key
from skylift.database.ranges import equal_width
from skylift.database.url import parse_url
from skylift.domain.database import DatabaseInventory, DbDatabase, DbEngine
from skylift.domain.inventory import Server


def test_password_sources_in_order_and_never_shown(tmp_path):
    passfile = tmp_path / "pw"
    passfile.write_text("db1:5432:shop:app:from\\:file\n*:*:*:*:fallback\n")
    url = "postgresql://app:inurl@db1/shop"
    env = {"SKYLIFT_SOURCE_PASSWORD": "side", "PGPASSWORD": "engine", "HOME": str(tmp_path)}
    assert parse_url(url, "source", env, passfile).password == "side"
    env.pop("SKYLIFT_SOURCE_PASSWORD")
    assert parse_url(url, "source", env, passfile).password == "from:file"
    assert parse_url("postgresql://x@other/db", "source", env, passfile).password == "fallback"
    assert parse_url(url, "source", env).password == "engine"
    parsed = parse_url(url, "source", {"HOME": str(tmp_path)})
    assert parsed.password == "inurl"
    assert "inurl" not in repr(parsed) and "inurl" not in parsed.display()
    assert parsed.display() == "postgresql://app@db1:5432/shop"
    my = parse_url("mariadb://root@h/shop", "target", {"MYSQL_PWD": "m", "HOME": str(tmp_path)})
    assert my.engine is DbEngine.MYSQL and my.port == 3306 and my.password == "m"


@given(st.integers(-(10**6), 10**6), st.integers(0, 10**6), st.integers(1, 50))
def test_equal_width_ranges_cover_every_key_once(lo, width, parts):
    hi = lo + width
    ranges = equal_width(lo, hi, parts)
    assert ranges[0][0] is None and ranges[-1][1] is None
    assert len(ranges) <= parts
    for key in {lo - 5, lo, hi, hi + 5, (lo + hi) // 2}:
        owners = [
            r for r in ranges if (r[0] is None or key >= r[0]) and (r[1] is None or key < r[1])
        ]
        assert len(owners) == 1


@given(st.integers(0, 10**10), st.integers(1 << 20, 10**9))
def test_page_ranges_cover_the_table(nbytes, split):
    chunks = plan_chunks([SourceTable("s", "t", nbytes, True, "d", "a")], split)
    ends = sorted(chunks, key=lambda c: c.lo or 0)
    assert ends[0].lo in (None, 0) and all(c.bytes >= 0 for c in chunks)
    assert ends[-1].hi is None
    for a, b in itertools.pairwise(ends):
        assert a.hi == b.lo


def test_post_data_keys_from_pg_restore_listing():
    assert post_data_key("3257; 2606 16411 CONSTRAINT public t t_pkey postgres") == (
        "CONSTRAINT public t t_pkey"
    )
    assert post_data_key("3300; 2606 16420 FK CONSTRAINT public child child_t_fkey app") == (
        "CONSTRAINT public child child_t_fkey"
    )
    assert post_data_key("3260; 1259 16412 INDEX public big_payload postgres") == (
        "INDEX public big_payload"
    )
    assert post_data_key("215; 1259 16385 TABLE public t postgres") is None


def _inv(engine, flavor, major, exts=(), size=10 << 30):
    return DatabaseInventory(
        key="k",
        engine=engine,
        flavor=flavor,
        version=major + ".1",
        major=major,
        url="u",
        host="h",
        port=1,
        databases=(DbDatabase(name="d", size_bytes=size, extensions=exts),),
    )


def test_assess_blocks_unknown_extension_and_old_version_and_picks_cheapest():
    ok = assess_database(_inv(DbEngine.POSTGRESQL, "postgresql", "15", ("plpgsql 1.0",)))
    assert ok.strategy == "replatform" and all(o.ready for o in ok.options)
    cheapest = min(ok.options, key=lambda o: o.monthly_usd or 0)
    assert cheapest.service in ok.rationale
    blocked = assess_database(_inv(DbEngine.POSTGRESQL, "postgresql", "12", ("oracle_fdw 1.2",)))
    assert blocked.strategy == "rehost"
    cloudsql = next(o for o in blocked.options if o.service == "Cloud SQL for PostgreSQL")
    assert cloudsql.issues == ("extension oracle_fdw not supported",)
    odd = assess_database(_inv(DbEngine.POSTGRESQL, "postgresql", "16", ("myext 1.0",)))
    assert all("extension myext not on the known allow-list" in o.issues for o in odd.options)
    timescale = assess_database(_inv(DbEngine.POSTGRESQL, "postgresql", "16", ("timescaledb 2",)))
    assert [o.ready for o in timescale.options].count(True) == 1


def test_assess_sizes_from_the_host_server_and_flags_myisam_and_mariadb():
    host = Server(key="s", name="db1", source="t", cores=16, cpu_util_pct=50.0, memory_mib=65536)
    inv = _inv(DbEngine.MYSQL, "mariadb", "10.11", ("engine MyISAM",))
    a = assess_database(inv, host)
    assert (a.need_vcpus, a.need_memory_gib) == (11, 64.0)
    by = {o.service: o for o in a.options}
    assert by["Amazon RDS for MariaDB"].ready
    assert not by["Amazon Aurora MySQL"].ready
    assert any("MyISAM" in i for i in by["Cloud SQL for MySQL"].issues)
    assert any("mariadb source" in i for i in by["Amazon RDS for MySQL"].issues)
    assert all((o.vcpus or 0) >= 11 and (o.memory_gib or 0) >= 64 for o in a.options if o.tier)

"""``db verify --checksum`` in key ranges over composite and non-integer primary keys.

Real PostgreSQL 15 and MariaDB pairs. Both sides get the same rows; tables
with (int, text), (uuid) and (timestamp, int) keys are cut into ranges between
sampled keys. Oracles: the servers themselves (every row's key satisfies
exactly one range's condition, brute force over the table; the planted row's
key lies between the reported range's boundaries, by the server's own row
comparison), and the planted differences (one per table, each reported in one
range only).
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skylift.database.connect import my_connect, pg_connect
from skylift.database.copy import verify_database
from skylift.database.mysql.checksum import _spans
from skylift.database.mysql.tables import my_tables, primary_keys
from skylift.database.postgres.checksum import key_ranges
from skylift.database.testing.servers import MariaDBServer, PostgresServer
from skylift.database.url import DbUrl, parse_url
from skylift.domain.database import TableCheck, VerifyResult

ROWS = 12_000
RANGE_ROWS = 1_000

PG_SCHEMA = f"""
CREATE TABLE it (a int, b text, payload text, PRIMARY KEY (a, b));
INSERT INTO it SELECT g % 97, 'k' || g || E' é\\'', md5(g::text) FROM generate_series(1, {ROWS}) g;
CREATE TABLE u (id uuid PRIMARY KEY, v int);
INSERT INTO u SELECT md5(g::text)::uuid, g FROM generate_series(1, {ROWS}) g;
CREATE TABLE ts (t timestamp, n int, v text, PRIMARY KEY (t, n));
INSERT INTO ts SELECT '2024-01-01'::timestamp + (g % 4000) * interval '1.5 s', g, g::text
  FROM generate_series(1, {ROWS}) g;
CREATE TABLE nokey (x int);
INSERT INTO nokey SELECT g % 5 FROM generate_series(1, 50) g;
ANALYZE;
"""

# a change planted on the target, and the key of the changed row (as SQL)
PG_PLANTS = {
    "it": ("UPDATE it SET payload = 'x' WHERE b = 'k5238 é'''", "(0, 'k5238 é''')"),
    "u": ("DELETE FROM u WHERE v = 777", "md5('777')::uuid"),
    "ts": ("INSERT INTO ts VALUES ('2024-01-01 00:30:00.25', -1, 'new')",
           "('2024-01-01 00:30:00.25'::timestamp, -1)"),
}  # fmt: skip

MY_SCHEMA = f"""
CREATE TABLE it (a INT, b VARCHAR(40), payload CHAR(32), PRIMARY KEY (a, b));
INSERT INTO it SELECT seq % 97, CONCAT('k', seq, ' é'''), MD5(seq) FROM seq_1_to_{ROWS};
CREATE TABLE u (id UUID PRIMARY KEY, v INT);
INSERT INTO u SELECT CAST(CONCAT_WS('-', SUBSTR(m, 1, 8), SUBSTR(m, 9, 4), CONCAT('4',
    SUBSTR(m, 14, 3)), CONCAT('8', SUBSTR(m, 18, 3)), SUBSTR(m, 21)) AS UUID), seq
  FROM (SELECT seq, MD5(seq) AS m FROM seq_1_to_{ROWS}) g;
CREATE TABLE ts (t DATETIME(6), n INT, v TEXT, PRIMARY KEY (t, n));
INSERT INTO ts SELECT '2024-01-01' + INTERVAL (seq % 4000) * 1500000 MICROSECOND, seq, seq
  FROM seq_1_to_{ROWS};
CREATE TABLE nokey (x INT);
INSERT INTO nokey SELECT seq % 5 FROM seq_1_to_50;
ANALYZE TABLE it, u, ts, nokey;
"""

MY_PLANTS = {
    "it": ("UPDATE it SET payload = 'x' WHERE b = 'k5238 é'''", "(0, 'k5238 é''')"),
    "u": ("DELETE FROM u WHERE v = 777", "(SELECT id FROM u WHERE v = 777)"),
    "ts": ("INSERT INTO ts VALUES ('2024-01-01 00:30:00.25', -1, 'new')",
           "('2024-01-01 00:30:00.25', -1)"),
}  # fmt: skip


def _env(
    src: PostgresServer | MariaDBServer, dst: PostgresServer | MariaDBServer
) -> dict[str, str]:
    return {"SKYLIFT_SOURCE_PASSWORD": src.password, "SKYLIFT_TARGET_PASSWORD": dst.password}


def _by_table(v: VerifyResult) -> dict[str, TableCheck]:
    return {t.table.split(".")[-1]: t for t in v.tables}


def _assert_split_and_identical(v: VerifyResult) -> None:
    tables = _by_table(v)
    assert v.ok, [t for t in v.tables if not t.ok]
    for name in ("it", "u", "ts"):
        t = tables[name]
        assert t.source_rows == ROWS and t.checksum
        assert 6 <= t.ranges <= 3 * ROWS // RANGE_ROWS, (name, t.ranges)
    assert tables["nokey"].ranges == 1 and tables["nokey"].source_rows == 50


def _between(key: str, lo: str | None, hi: str | None) -> str:
    """SQL: the key lies in ``[lo, hi)`` by the server's own row comparison."""
    conds = [f"{key} >= {lo}" if lo else "TRUE", f"{key} < {hi}" if hi else "TRUE"]
    return " AND ".join(conds)


@pytest.fixture(scope="module")
def pg_ranges(pg_pair: tuple[PostgresServer, PostgresServer]) -> tuple[DbUrl, DbUrl]:
    src, dst = pg_pair
    for server in (src, dst):
        server.psql("CREATE DATABASE keyranges")
        server.psql(PG_SCHEMA, "keyranges")
    env = _env(src, dst)
    return (
        parse_url(src.url("keyranges"), "source", environ=env),
        parse_url(dst.url("keyranges"), "target", environ=env),
    )


def test_postgres_ranges_partition_every_key(pg_ranges):
    s, _ = pg_ranges
    with pg_connect(s) as conn:
        for table, key in (("it", [("a", "integer"), ("b", "text")]), ("u", [("id", "uuid")])):
            ranges = key_ranges(conn, f"public.{table}", key, (1 << 20, ROWS), RANGE_ROWS)
            assert len(ranges) > 5 and ranges[0].lo is None and ranges[-1].hi is None
            assert all(a.hi == b.lo for a, b in itertools.pairwise(ranges))
            owners = " + ".join(f"({r.cond})::int" for r in ranges)
            lo, hi, n = conn.execute(
                f"SELECT min(n), max(n), count(*) FROM (SELECT {owners} AS n FROM {table} x) s"
            ).fetchone()
            assert (lo, hi, n) == (1, 1, ROWS)


def test_postgres_difference_reported_in_its_range_only(pg_pair, pg_ranges):
    s, d = pg_ranges
    _, dst = pg_pair
    _assert_split_and_identical(verify_database(s, d, checksum=True, jobs=2, range_rows=RANGE_ROWS))
    for change, _ in PG_PLANTS.values():
        dst.psql(change, "keyranges")
    tables = _by_table(verify_database(s, d, checksum=True, jobs=2, range_rows=RANGE_ROWS))
    assert tables["nokey"].ok
    for name, (_, planted) in PG_PLANTS.items():
        (bad,) = tables[name].differing
        found = dst.psql(f"SELECT {_between(planted, bad.lo, bad.hi)}", "keyranges")
        assert found == "t", (name, bad, planted)
    assert tables["u"].target_rows == ROWS - 1 and tables["ts"].target_rows == ROWS + 1


@pytest.fixture(scope="module")
def my_ranges_db(my_pair: tuple[MariaDBServer, MariaDBServer]) -> tuple[DbUrl, DbUrl]:
    src, dst = my_pair
    for server in (src, dst):
        server.sql(f"CREATE DATABASE keyranges; USE keyranges; {MY_SCHEMA}")
    env = _env(src, dst)
    return (
        parse_url(src.url("keyranges"), "source", environ=env),
        parse_url(dst.url("keyranges"), "target", environ=env),
    )


def test_mariadb_ranges_partition_every_key(my_ranges_db):
    s, _ = my_ranges_db
    with my_connect(s) as conn, conn.cursor() as cur:
        keys = {t: [c for c, _ in k] for t, k in primary_keys(cur, "keyranges").items()}
        assert keys["it"] == ["a", "b"] and keys["ts"] == ["t", "n"]
        for t in my_tables(cur, "keyranges"):
            if t.name == "nokey":
                continue
            spans = _spans(cur, t, keys[t.name], ROWS // RANGE_ROWS)
            assert len(spans) > 5 and spans[0].lo is None and spans[-1].hi is None
            owners = " + ".join(f"({r.cond})" for r in spans)
            cur.execute(
                f"SELECT MIN(n), MAX(n), COUNT(*) FROM (SELECT {owners} AS n FROM {t.name}) s"
            )
            assert cur.fetchone() == (1, 1, ROWS), t.name
            # the written-out comparison is an index range scan, not a table scan
            cur.execute(f"EXPLAIN SELECT COUNT(*) FROM {t.name} WHERE {spans[3].cond}")
            plan = cur.fetchone()
            assert plan[3] == "range" and plan[5] == "PRIMARY", plan


def test_mariadb_difference_reported_in_its_range_only(my_pair, my_ranges_db):
    s, d = my_ranges_db
    _, dst = my_pair
    _assert_split_and_identical(verify_database(s, d, checksum=True, jobs=2, range_rows=RANGE_ROWS))
    uuid = dst.sql("SELECT id FROM u WHERE v = 777", "keyranges")
    for change, _ in MY_PLANTS.values():
        dst.sql(change, "keyranges")
    tables = _by_table(verify_database(s, d, checksum=True, jobs=2, range_rows=RANGE_ROWS))
    assert tables["nokey"].ok
    for name, (_, planted) in MY_PLANTS.items():
        (bad,) = tables[name].differing
        row = f"CAST('{uuid}' AS UUID)" if name == "u" else planted
        assert dst.sql(f"SELECT {_between(row, bad.lo, bad.hi)}", "keyranges") == "1", (name, bad)
    assert tables["u"].target_rows == ROWS - 1 and tables["ts"].target_rows == ROWS + 1


def test_postgres_text_key_with_another_collation_is_one_range(pg_pair, pg_ranges):
    """Ranges between text keys would split the target's rows differently: one range then."""
    src, dst = pg_pair
    s, _ = pg_ranges
    collation = dst.psql("SELECT datcollate FROM pg_database WHERE datname = 'keyranges'")
    other = "C.utf8" if collation != "C.utf8" else "C"
    dst.psql(
        f"CREATE DATABASE keyranges_c TEMPLATE template0 LC_COLLATE '{other}' LC_CTYPE '{other}'"
    )
    dst.psql(PG_SCHEMA + "DROP TABLE nokey;", "keyranges_c")
    d = parse_url(dst.url("keyranges_c"), "target", environ=_env(src, dst))
    v = verify_database(s, d, checksum=True, jobs=2, range_rows=RANGE_ROWS)
    tables = _by_table(v)
    assert tables["it"].ranges == 1 and tables["u"].ranges > 1 and tables["ts"].ranges > 1
    assert all(tables[t].ok for t in ("it", "u", "ts"))
    # a table the target lacks: reported (schema, 0 rows there), not an error
    assert not v.ok and tables["nokey"].target_rows == 0 and tables["nokey"].source_rows == 50
    assert "only in source: table public.nokey" in v.schema_differences


@pytest.fixture(scope="module")
def pg_keygen(pg_pair: tuple[PostgresServer, PostgresServer]) -> DbUrl:
    src, dst = pg_pair
    src.psql("CREATE DATABASE keygen")
    return parse_url(src.url("keygen"), "source", environ=_env(src, dst))


@pytest.fixture(scope="module")
def my_keygen(my_pair: tuple[MariaDBServer, MariaDBServer]) -> DbUrl:
    src, dst = my_pair
    src.sql("CREATE DATABASE keygen")
    return parse_url(src.url("keygen"), "source", environ=_env(src, dst))


_KEY_TEXT = st.text(alphabet=st.sampled_from("aZ'\\\"%é ,()\u2603"), max_size=4)


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(st.tuples(st.integers(-3, 3), _KEY_TEXT), min_size=1, max_size=60, unique=True),
       st.integers(2, 9))  # fmt: skip
def test_postgres_ranges_over_generated_keys_with_quotes_and_backslashes(pg_keygen, keys, parts):
    """Boundary literals survive quotes, backslashes and unicode: every key in one range."""
    with pg_connect(pg_keygen) as conn:
        conn.execute(
            "DROP TABLE IF EXISTS gen; CREATE TABLE gen (a int, b text, PRIMARY KEY (a, b))"
        )
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO gen VALUES (%s, %s)", keys)
        key = [("a", "integer"), ("b", "text")]
        ranges = key_ranges(conn, "public.gen", key, (8192, len(keys) * parts), len(keys))
        owners = " + ".join(f"({r.cond or 'true'})::int" for r in ranges)
        lo, hi, n = conn.execute(
            f"SELECT min(n), max(n), count(*) FROM (SELECT {owners} AS n FROM gen x) s"
        ).fetchone()
        assert (lo, hi, n) == (1, 1, len(keys))


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(st.tuples(st.integers(-3, 3), _KEY_TEXT), min_size=1, max_size=60, unique=True),
       st.integers(2, 9))  # fmt: skip
def test_mariadb_ranges_over_generated_keys_with_quotes_and_backslashes(my_keygen, keys, parts):
    with my_connect(my_keygen) as conn, conn.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS gen")
        cur.execute("CREATE TABLE gen (a INT, b VARCHAR(10), PRIMARY KEY (a, b))")
        # case- and trailing-space-insensitive collation: equal keys are dropped
        cur.executemany("INSERT IGNORE INTO gen VALUES (%s, %s)", keys)
        cur.execute("ANALYZE TABLE gen")
        cur.fetchall()
        (table,) = [t for t in my_tables(cur, "keygen") if t.name == "gen"]
        spans = _spans(cur, table, ["a", "b"], parts)
        owners = " + ".join(f"({r.cond or '1'})" for r in spans)
        cur.execute(
            "SELECT MIN(n), MAX(n), COUNT(*) = (SELECT COUNT(*) FROM gen)"
            f" FROM (SELECT {owners} AS n FROM gen) s"
        )
        assert cur.fetchone() == (1, 1, 1)


def test_mariadb_text_key_with_another_collation_is_one_range(my_pair, my_ranges_db):
    src, dst = my_pair
    s, _ = my_ranges_db
    ddl = MY_SCHEMA.replace("b VARCHAR(40)", "b VARCHAR(40) COLLATE utf8mb4_bin")
    ddl += "DROP TABLE nokey;"
    dst.sql(f"CREATE DATABASE keyranges_bin; USE keyranges_bin; {ddl}")
    d = parse_url(dst.url("keyranges_bin"), "target", environ=_env(src, dst))
    v = verify_database(s, d, checksum=True, jobs=2, range_rows=RANGE_ROWS)
    tables = _by_table(v)
    assert tables["it"].ranges == 1 and tables["it"].ok
    assert tables["u"].ranges > 1 and tables["ts"].ranges > 1 and tables["ts"].ok
    assert not v.ok and tables["nokey"].target_rows == 0 and tables["nokey"].source_rows == 50

"""Key ranges over any primary key: every key in exactly one range, checked by brute force.

The SQL conditions (row values and the written-out form MariaDB gets) are run
by an in-process SQLite, which has row values since 3.15, against a Python
oracle: ``bisect`` of each key over the sorted boundaries.
"""

from __future__ import annotations

import bisect
import itertools
import sqlite3
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skylift.database.ranges import (
    Measured,
    bound_label,
    pick_bounds,
    row_compare,
    span_where,
    spans,
    table_checks,
)

_TEXT = st.text(alphabet="ab'\\,é ", max_size=3)
_COLUMN = st.sampled_from([st.integers(-3, 3), _TEXT])


def _lit(v: object) -> str:
    return str(v) if isinstance(v, int) else "'" + str(v).replace("'", "''") + "'"


@st.composite
def key_sets(draw: st.DrawFn) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    """Distinct keys of 1-3 columns (int or text each), and arbitrary sorted boundaries."""
    column_kinds = draw(st.lists(_COLUMN, min_size=1, max_size=3))
    key = st.tuples(*column_kinds)
    keys = draw(st.lists(key, min_size=0, max_size=40, unique=True))
    bounds = sorted(set(draw(st.lists(key, max_size=6))))
    return keys, bounds


def _owners(db: sqlite3.Connection, n: int, conds: Sequence[str]) -> list[tuple[object, ...]]:
    cols = [f"c{i}" for i in range(n)]
    counted = " + ".join(f"({c or '1'})" for c in conds)
    which = " + ".join(f"({c or '1'}) * {i}" for i, c in enumerate(conds))
    return db.execute(f"SELECT {', '.join(cols)}, {counted}, {which} FROM t").fetchall()


def _check_partition(keys: list[tuple[object, ...]], bounds: list[tuple[object, ...]]) -> None:
    n = len(keys[0]) if keys else len(bounds[0]) if bounds else 1
    db = sqlite3.connect(":memory:")
    cols = [f"c{i}" for i in range(n)]
    db.execute(f"CREATE TABLE t ({', '.join(cols)}, PRIMARY KEY ({', '.join(cols)}))")
    db.executemany(f"INSERT INTO t VALUES ({', '.join('?' * n)})", keys)
    for expand in (False, True):
        conds = [
            span_where(
                cols,
                None if lo is None else [_lit(v) for v in lo],
                None if hi is None else [_lit(v) for v in hi],
                expand,
            )
            for lo, hi in spans(bounds)
        ]
        assert len(conds) == len(bounds) + 1
        for *key, count, which in _owners(db, n, conds):
            assert count == 1, (key, conds)
            # oracle: Python's tuple order is SQLite's (BINARY text = code points, ints)
            assert which == bisect.bisect_right(bounds, tuple(key))


@settings(max_examples=300, deadline=None)
@given(key_sets())
def test_ranges_over_arbitrary_bounds_cover_every_key_once(data):
    keys, bounds = data
    if keys and bounds and len(keys[0]) != len(bounds[0]):
        return
    _check_partition(keys, bounds)


@settings(max_examples=200, deadline=None)
@given(key_sets(), st.integers(1, 12), st.randoms(use_true_random=False))
def test_ranges_from_a_sample_cover_every_key_once(data, parts, rnd):
    keys, _ = data
    if not keys:
        return
    sample = sorted(rnd.sample(keys, rnd.randint(0, len(keys))))
    bounds = pick_bounds(sample, parts)
    assert len(bounds) <= parts - 1
    assert all(a < b for a, b in itertools.pairwise(bounds))
    assert set(bounds) <= set(sample)
    _check_partition(keys, bounds)


def test_row_values_written_out_for_mariadb():
    assert row_compare(["a"], ">=", ["1"], expand=True) == "a >= 1"
    assert row_compare(["a", "b"], "<", ["1", "'x'"]) == "(a, b) < (1, 'x')"
    assert row_compare(["a", "b", "c"], ">=", ["1", "2", "3"], expand=True) == (
        "a >= 1 AND (a > 1 OR (a = 1 AND (b > 2 OR (b = 2 AND (c >= 3)))))"
    )
    assert row_compare(["a", "b"], "<", ["1", "2"], expand=True) == (
        "a <= 1 AND (a < 1 OR (a = 1 AND (b < 2)))"
    )
    assert span_where(["a"], None, None) == ""
    with pytest.raises(ValueError, match="op must be"):
        row_compare(["a"], ">", ["1"])


def test_pick_bounds_spreads_over_the_sample_and_labels_keys():
    sample = [(i,) for i in range(100)]
    assert pick_bounds(sample, 4) == [(25,), (50,), (75,)]
    assert pick_bounds(sample, 1) == [] and pick_bounds([], 5) == []
    assert pick_bounds([(1,), (2,)], 10) == [(1,), (2,)]
    assert bound_label((42, "it's")) == "(42, 'it''s')"
    assert bound_label(("7",)) == "'7'" and bound_label(("7",), [True]) == "7"
    assert bound_label(None) is None
    assert bound_label((b"\x01\xff",)) == "'01ff'"


def test_table_checks_name_only_the_differing_range():
    ok, bad = (10, 99), (10, 98)
    checks = table_checks(
        [
            Measured("s.t", None, "(5, 'a')", ok, ok),
            Measured("s.t", "(5, 'a')", None, ok, bad),
            Measured("s.u", None, None, (0, 0), (0, 0)),
        ],
        checksum=True,
    )
    t, u = checks
    assert (t.table, t.ranges, t.source_rows, t.target_rows) == ("s.t", 2, 20, 20)
    assert not t.ok and [(d.lo, d.hi) for d in t.differing] == [("(5, 'a')", None)]
    assert u.ok

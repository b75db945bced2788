"""Replication lag in binlog bytes across log files, against laying the files end to end."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from skylift.database.mysql.replication import _wild, lag_between
from skylift.database.mysql.snapshot import BinlogPosition


@given(
    sizes=st.lists(st.integers(4, 10_000), min_size=1, max_size=6),
    data=st.data(),
)
def test_lag_is_the_distance_between_offsets(sizes, data):
    names = [f"binlog.{i + 1:06d}" for i in range(len(sizes))]
    logs = list(zip(names, sizes, strict=True))
    a = data.draw(st.integers(0, len(sizes) - 1))
    b = data.draw(st.integers(a, len(sizes) - 1))
    done_pos = data.draw(st.integers(4, sizes[a]))
    now_pos = data.draw(st.integers(done_pos if b == a else 4, sizes[b]))
    start = sum(sizes[:a]) + done_pos  # the oracle: offsets in the concatenated log
    end = sum(sizes[:b]) + now_pos
    assert lag_between(logs, names[a], done_pos, BinlogPosition(names[b], now_pos)) == end - start


def test_lag_unknown_when_the_replica_is_on_a_purged_file():
    logs = [("binlog.000007", 500)]
    assert lag_between(logs, "binlog.000006", 100, BinlogPosition("binlog.000007", 300)) is None
    assert lag_between(logs, "binlog.000007", 300, BinlogPosition("binlog.000007", 300)) == 0


def test_wildcard_filter_takes_names_literally():
    assert _wild("shop_copy") == "shop\\_copy"
    assert _wild("50%off") == "50\\%off"

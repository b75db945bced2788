"""Throughput history: what is recorded (no paths, no user names) and the median."""

from __future__ import annotations

from pathlib import Path

import pytest

from skylift.transfer.history import endpoint_kind, measured_mbps, read, record


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("/data/finance/payroll", "local"),
        ("file:///data/x", "local"),
        ("C:\\data", "local"),
        ("s3://bucket/secret/path", "s3://bucket"),
        ("sftp://alice:pw@files.corp:2222/home/alice", "sftp://files.corp"),
        ("az://container/prefix", "az://container"),
    ],
)
def test_endpoint_kind_keeps_no_path_or_user(url: str, kind: str) -> None:
    assert endpoint_kind(url) == kind


def test_median_of_recent_runs_big_enough_to_measure(tmp_path: Path) -> None:
    record(tmp_path, "/a", "s3://b", 10 << 20, 1.0)  # too small: overhead, not the link
    for seconds in (8.0, 4.0, 2.0):
        record(tmp_path, "/a", "s3://b", 100 << 20, seconds)
    record(tmp_path, "/a", "s3://b", 0, 1.0)  # nothing moved: not recorded
    with (tmp_path / "history.jsonl").open("a") as fh:
        fh.write("not json\n")
    runs = read(tmp_path)
    assert len(runs) == 4
    found = measured_mbps(runs)
    assert found is not None
    mbps, n = found
    assert n == 3
    assert mbps == pytest.approx((100 << 20) * 8 / 1e6 / 4.0)
    assert measured_mbps(runs[:1]) is None

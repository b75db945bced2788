"""A verify is never attributed to another destination's transfer run (#12, review): the
stored endpoint of ``sftp://other:2222/home/me@example.com/f`` was ``sftp://example.com/f``,
so verifying any host's ``…:PORT/…@example.com/f`` marked that run's servers."""

from __future__ import annotations

from pathlib import Path

from skylift.domain.tracking import MigrationState
from skylift.workspace import tracking
from tests.unit.report.test_tracking import _states, ws  # noqa: F401 - the fixture


def test_a_verify_of_an_elided_destination_marks_no_other_runs_servers(ws: Path) -> None:  # noqa: F811
    with tracking.start_transfer(
        ws, "/data", "sftp://other:2222/home/me@example.com/f", ["web01"]
    ) as run:
        run.done(True)
    assert _states(ws) == {"web01": MigrationState.TRANSFERRED}
    for dst in ("sftp://host:2222/home/me@example.com/f", "sftp://other:2223/x@example.com/f"):
        assert tracking.record_verify(ws, "/data", dst, False, "verify: 1 missing") == []
    assert _states(ws) == {"web01": MigrationState.TRANSFERRED}
    # an ordinary URL is still attributed
    with tracking.start_transfer(ws, "/data", "sftp://me:pw@host:22/x", ["web01"]) as run:
        run.done(True)
    assert tracking.record_verify(ws, "/data", "sftp://host:22/x", True, "") == ["web01"]

"""The coordinator's protocol, without Ray (it is a plain class that the driver wraps):
progress deltas, split proposals answered by the task, a retry keeping the accepted end."""

from __future__ import annotations

from skylift.transfer.scaleout.coordinator import Coordinator


def test_progress_is_summed_and_reset_per_snapshot() -> None:
    c = Coordinator()
    assert c.start(0) is None and c.start(1) is None
    c.report(0, (10, 1000), 500, 4, "a/1", None)
    c.report(1, (5, 50), 50, 5, "m/1", None)
    snap = c.snapshot()
    assert (snap.planned_objects, snap.planned_bytes, snap.sent, snap.finished) == (
        15,
        1050,
        550,
        9,
    )
    assert snap.positions == {0: "a/1", 1: "m/1"} and snap.done == {0: 4, 1: 5}
    again = c.snapshot()
    assert again.sent == 0 and again.positions == {0: "a/1", 1: "m/1"}  # positions stay


def test_split_is_proposed_answered_and_kept_for_a_retry() -> None:
    c = Coordinator()
    c.start(3)
    c.propose(3, "k500")
    assert c.report(3, (0, 0), 0, 0, "k100", None) == "k500"  # the task sees the proposal
    assert c.report(3, (0, 0), 0, 0, "k120", ("k500", True)) is None  # and accepts it
    snap = c.snapshot()
    assert snap.accepted == [(3, "k500")] and snap.rejected == []
    assert c.start(3) == "k500"  # the worker died: the retry keeps the shorter range
    assert c.snapshot().restarts == 1


def test_a_refused_or_unanswered_proposal_is_reported_rejected() -> None:
    c = Coordinator()
    c.start(1)
    c.propose(1, "b")
    c.report(1, (0, 0), 0, 0, "c", ("b", False))  # already listed past it
    assert c.snapshot().rejected == [1]
    c.propose(1, "d")
    c.finished_shard(1)  # ended before answering
    snap = c.snapshot()
    assert snap.rejected == [1] and 1 not in snap.positions

"""The coordinator's protocol, without Ray (it is a plain class that the driver wraps):
progress deltas, split proposals answered by the task, a retry keeping the accepted end."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

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


def test_a_retried_shard_plans_its_objects_once() -> None:
    # the worker died after its shard planned 10 objects: the retry lists the same range
    # and plans them again; the progress bar's total must stay 10 (+ what is new), not 20
    c = Coordinator()
    c.start(2)
    c.report(2, (6, 600), 0, 0, "k6", None)
    c.report(2, (4, 400), 0, 0, "k9", None)
    first = c.snapshot()
    c.start(2)  # the retry
    c.report(2, (7, 700), 0, 0, "k6", None)
    second = c.snapshot()
    c.report(2, (5, 500), 0, 0, "k9", None)  # two beyond the first attempt's plan
    third = c.snapshot()
    planned = [(s.planned_objects, s.planned_bytes) for s in (first, second, third)]
    assert planned == [(10, 1000), (0, 0), (2, 200)]


def test_a_retry_after_a_death_mid_listing_counts_the_rest_of_the_range() -> None:
    # the first attempt listed 10 of 15 objects and finished 6; the retry skips those 6
    # (identical at the destination) and plans the other 9: the total is 15
    c = Coordinator()
    c.start(0)
    c.report(0, (10, 1000), 0, 6, "k10", None)
    first = c.snapshot()
    c.start(0)
    c.report(0, (9, 900), 0, 9, "k15", None)
    second = c.snapshot()
    assert (first.planned_objects, second.planned_objects) == (10, 5)
    assert first.finished + second.finished == 15  # the bar ends full, not past its total


@given(
    st.integers(0, 60),  # objects in the shard's range
    st.lists(st.tuples(st.floats(0, 1), st.floats(0, 1)), max_size=4),  # dead attempts
    st.lists(st.integers(0, 20), max_size=6),  # another shard, one attempt
)
def test_planned_total_counts_each_object_once(
    n: int, dead: list[tuple[float, float]], other: list[int]
) -> None:
    # each dead attempt lists part of what is left and finishes part of that; the last
    # lists and finishes the rest. Oracle: the total is the range's size, and so is the
    # number of objects reported finished.
    c = Coordinator()
    planned = finished = nbytes = 0
    c.start(9)
    for k in other:
        c.report(9, (k, k), 0, k, "z", None)
    left = n
    for listed, done in [*dead, (1.0, 1.0)]:
        c.start(0)
        p = round(left * listed)
        f = round(p * done)
        c.report(0, (p, p), 0, 0, "a", None)
        c.report(0, (0, 0), 0, f, "b", None)
        left -= f
        snap = c.snapshot()
        planned += snap.planned_objects
        finished += snap.finished
        nbytes += snap.planned_bytes
    assert left == 0 and planned == n + sum(other) and finished == n + sum(other)
    assert nbytes <= n + sum(other)  # bytes: the largest attempt's plan (never too many)

"""Guest partition usage spread over a VM's disks: the docstring's rules as an oracle (Hypothesis).

Re-typed from the promise of ``disk_usage``: a partition whose disk key names
a disk counts on it; unmatched usage is spread over the disks that got no
matched partition (all disks when each got one) in proportion to capacity
(equally when they have none); each result capped at the capacity; no
partitions → unknown. Against mutmut's survivors in the RVTools join.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skylift.inventory.rvtools.join import disk_usage
from tests.helpers import examples

KEYS = ["2000", "2001", "2002", None]


def oracle(
    disks: list[tuple[str | None, float]], partitions: list[tuple[str | None, float]]
) -> list[float | None]:
    """The documented rules, written out plainly."""
    if not disks or not partitions:
        return [None] * len(disks)
    first_index = {}
    for i, (key, _) in enumerate(disks):
        if key is not None:
            first_index[key] = i  # the last disk with a key wins, as a dict would
    used = [0.0 for _ in disks]
    got_partition = [False for _ in disks]
    unmatched = 0.0
    for key, consumed in partitions:
        if key is not None and key in first_index:
            used[first_index[key]] += consumed
            got_partition[first_index[key]] = True
        else:
            unmatched += consumed
    if unmatched:
        receivers = [i for i, got in enumerate(got_partition) if not got]
        if not receivers:
            receivers = list(range(len(disks)))
        capacity = sum(disks[i][1] for i in receivers)
        for i in receivers:
            if capacity:
                used[i] += unmatched * disks[i][1] / capacity
            else:
                used[i] += unmatched / len(receivers)
    return [min(u, disks[i][1]) for i, u in enumerate(used)]


sizes = st.sampled_from([0.0, 10.0, 100.0, 250.0, 1024.0])
disks_st = st.lists(st.tuples(st.sampled_from(KEYS), sizes), max_size=4)
parts_st = st.lists(st.tuples(st.sampled_from([*KEYS, "9999"]), sizes), max_size=5)


@settings(max_examples=examples(400), deadline=None)
@given(disks=disks_st, partitions=parts_st)
def test_disk_usage_follows_the_documented_rules(
    disks: list[tuple[str | None, float]], partitions: list[tuple[str | None, float]]
) -> None:
    got = disk_usage(disks, partitions)
    want = oracle(disks, partitions)
    assert len(got) == len(disks)
    for g, w, (_, cap) in zip(got, want, disks, strict=True):
        if w is None:
            assert g is None
        else:
            assert g == pytest.approx(w) and g <= cap


def test_worked_cases() -> None:
    disks = [("2000", 100.0), ("2001", 300.0)]
    assert disk_usage(disks, []) == [None, None]
    assert disk_usage([], [("2000", 5.0)]) == []
    # unmatched usage goes to the disk without a matched partition only
    assert disk_usage(disks, [("2000", 40.0), (None, 30.0)]) == [40.0, 30.0]
    # every disk matched: unmatched usage spread by capacity over all of them
    assert disk_usage(disks, [("2000", 10.0), ("2001", 10.0), ("x", 40.0)]) == [20.0, 40.0]
    # capped at the capacity
    assert disk_usage(disks, [("2000", 150.0), ("2000", 1.0)]) == [100.0, 0.0]
    # no capacity known: spread equally
    assert disk_usage([(None, 0.0), (None, 0.0)], [(None, 10.0)]) == [0.0, 0.0]

"""``--min-age``/``--max-age`` on Ray: every shard counts ages back from the run's one
reference time (the driver fixes it and ships it; a re-run of the same job reuses it), not
from its own start, so the shards pass the objects a local run passes."""

from __future__ import annotations

import contextlib
import os
import sys
import time
import types
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path

import pytest

from skylift.domain.transfer import TransferOptions
from skylift.storage.base import ObjectInfo
from skylift.transfer.engine import run_transfer
from skylift.transfer.journal import journal_key
from skylift.transfer.scaleout import driver
from skylift.transfer.scaleout.driver import reference_time
from skylift.transfer.scaleout.merge import drop_run
from skylift.transfer.scaleout.shards import Checkpoints, Shard
from skylift.transfer.scaleout.task import ShardOutcome, ShardTask, run_shard

DAY = 86400.0
REF = 1_000_000_000.0  # the run's reference time (2001): far from the test's "now"


def test_the_reference_time_is_now_and_kept_for_a_rerun(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    before = time.time()
    first = reference_time(run_dir)
    assert before <= first <= time.time()
    monkeypatch.setattr(time, "time", lambda: first + 3600)  # the re-run, later
    assert reference_time(run_dir) == first  # the stored plan's: ranges planned the same
    drop_run(run_dir)  # the run succeeded: its folder (and reference time) is gone
    run_dir.mkdir()
    assert reference_time(run_dir) == first + 3600


def _tree(root: Path) -> Path:
    src = root / "src"
    src.mkdir()
    for name, age in (("old.txt", 10 * DAY), ("new.txt", DAY)):
        (src / name).write_bytes(name.encode())
        os.utime(src / name, (REF - age, REF - age))
    return src


def test_a_local_run_counts_ages_from_the_given_instant(tmp_path: Path) -> None:
    src = _tree(tmp_path)
    options = TransferOptions(max_age=2 * DAY)
    result = run_transfer(str(src), str(tmp_path / "dst"), options, tmp_path / "j", now=REF)
    assert result.transferred == 1 and (tmp_path / "dst" / "new.txt").exists()
    assert not (tmp_path / "dst" / "old.txt").exists()


class _Ref:
    """A value in place of a Ray object reference (``ray.get`` gives it back)."""

    def __init__(self, value: object) -> None:
        self.value = value


class _Method:
    def __init__(self, value: object = None) -> None:
        self._value = value

    def remote(self, *_args: object) -> _Ref:
        return _Ref(self._value)


class _Coordinator:
    """Stands in for the coordinator actor (the shard's filtering needs no cluster)."""

    start = _Method()
    report = _Method()


def test_a_shard_filters_against_the_shipped_reference_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a fake ``ray`` module: run_shard asks the coordinator through ray.get only
    fake = types.ModuleType("ray")
    fake.get = lambda ref: ref.value  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "ray", fake)
    src = _tree(tmp_path)
    options = TransferOptions(max_age=2 * DAY)  # from REF: new.txt only; from today: none
    task = ShardTask(0, "", None, str(src), str(tmp_path / "dst"), options,
                     str(tmp_path / "run"), {}, now=REF)  # fmt: skip
    outcome = run_shard(task, _Coordinator())
    assert outcome.error is None and outcome.result is not None
    assert outcome.result.transferred == 1
    assert sorted(p.name for p in (tmp_path / "dst").iterdir()) == ["new.txt"]


class _InProcessJob:
    """Stands in for the driver's ``_Job`` (Ray's scheduling is not under test): runs each
    planned shard here, in order, with the task the driver built for it."""

    last: _InProcessJob

    def __init__(self, _ray: object, base: ShardTask, points: Checkpoints, workers: int,
                 progress: object, metrics: object) -> None:  # fmt: skip
        self.base, self.points, self.workers, self.metrics = base, points, workers, metrics
        self.splits = self.restarts = self.listed = 0
        self.on_done: Callable[[ShardOutcome], None] = lambda _o: None
        _InProcessJob.last = self

    def counted(self, listing: Iterable[ObjectInfo]) -> Iterable[ObjectInfo]:
        return listing

    def run(self, plan: Iterable[Shard]) -> list[ShardOutcome]:
        outcomes = []
        for index, shard in enumerate(plan):
            task = replace(self.base, index=index, lo=shard.lo, hi=shard.hi)
            outcomes.append(run_shard(task, _Coordinator()))
            self.on_done(outcomes[-1])
        return outcomes


def test_a_rerun_plans_and_filters_with_the_stored_reference_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the job's plan was left by an earlier run at REF: the driver's listing and every
    # shard filter against REF, as a local run at REF does (the oracle)
    fake = types.ModuleType("ray")
    fake.get = lambda ref: ref.value  # type: ignore[attr-defined]
    fake.cluster_resources = lambda: {"CPU": 2}  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "ray", fake)
    monkeypatch.setattr(driver, "connected", lambda _address: contextlib.nullcontext(fake))
    monkeypatch.setattr(driver, "_Job", _InProcessJob)
    src = _tree(tmp_path)
    options = TransferOptions(max_age=2 * DAY)
    dst, journal = tmp_path / "dst", tmp_path / "j"
    run_dir = journal / "scaleout" / journal_key(str(src), str(dst), options)
    run_dir.mkdir(parents=True)
    (run_dir / driver.REFERENCE_TIME).write_text(repr(REF))
    result = driver.run_scaleout(str(src), str(dst), options, journal)
    local = run_transfer(str(src), str(tmp_path / "local"), options, tmp_path / "lj", now=REF)
    assert result.transferred == local.transferred == 1
    assert _InProcessJob.last.points.total_objects == 1  # the driver's own listing too
    assert _InProcessJob.last.base.now == REF
    assert sorted(p.name for p in dst.iterdir() if p.suffix == ".txt") == ["new.txt"]

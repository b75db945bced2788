"""The heap frozen while a transfer runs (issue #12): the collector skips the modules a
run loaded, garbage made during the run is still collected, and everything is put
back after (memory stays bounded by what was alive at a freeze)."""

from __future__ import annotations

import contextlib
import gc
import subprocess
import sys
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest

from skylift.cli import warm
from skylift.cli.heap import freeze_if_frozen, frozen_heap
from skylift.storage.s3.client import paused_gc
from tests.unit.first_write import first_write_probe


class _Node:
    """A reference cycle: garbage only the cyclic collector frees."""

    def __init__(self) -> None:
        self.me = self


@pytest.fixture(autouse=True)
def _unfrozen() -> Iterator[None]:
    assert gc.get_freeze_count() == 0  # nothing in the test process freezes
    yield
    gc.unfreeze()


def test_a_run_freezes_the_heap_and_puts_it_back() -> None:
    before = _Node()
    dropped = weakref.ref(before)
    with frozen_heap():
        assert gc.get_freeze_count() > 0
        del before  # frozen: its cycle outlives a collection during the run
        gc.collect()
        assert dropped() is not None
        during = _Node()
        made = weakref.ref(during)
        del during  # made during the run: collected as before
        gc.collect()
        assert made() is None
    assert gc.get_freeze_count() == 0
    gc.collect()
    assert dropped() is None  # put back: collected after the run


def test_a_heap_frozen_by_someone_else_stays_frozen() -> None:
    node = _Node()
    made = weakref.ref(node)
    gc.freeze()
    del node  # a cycle frozen by someone else: only an unfreeze lets a collection free it
    with frozen_heap():
        pass
    # not the count: frozen objects other threads drop leave the permanent generation
    assert gc.get_freeze_count() > 0
    assert _frozen(made)


def _frozen(made: weakref.ref[_Node]) -> bool:
    """Whether the (dropped) cycle ``made`` refers to was frozen: a collection keeps it."""
    gc.collect()
    return made() is not None


def test_objects_made_while_frozen_freeze_only_inside_a_run() -> None:
    node = _Node()
    made = weakref.ref(node)
    freeze_if_frozen()
    del node
    assert not _frozen(made)
    with frozen_heap():
        node = _Node()
        made = weakref.ref(node)
        freeze_if_frozen()
        del node
        assert _frozen(made)
    assert gc.get_freeze_count() == 0


@pytest.mark.parametrize("in_run", [False, True])
def test_background_loads_run_without_the_collector_and_freeze_in_a_run(in_run: bool) -> None:
    seen: list[bool] = []
    made: list[weakref.ref[_Node]] = []
    kept: list[_Node] = []

    def load() -> None:
        seen.append(gc.isenabled())
        kept.append(_Node())
        made.append(weakref.ref(kept[0]))

    with frozen_heap() if in_run else contextlib.nullcontext():
        warm.in_background(load).join(10)
        assert gc.isenabled()
        kept.clear()
        assert _frozen(made[0]) is in_run
    assert seen == [False]


@pytest.mark.parametrize("in_run", [False, True])
def test_botocore_s_model_freezes_only_inside_a_run(in_run: bool) -> None:
    with frozen_heap() if in_run else contextlib.nullcontext():
        with paused_gc():
            assert not gc.isenabled()
            node = _Node()
            made = weakref.ref(node)
        assert gc.isenabled()
        del node
        assert _frozen(made) is in_run


def test_a_transfer_runs_with_its_start_frozen_and_puts_it_back(tmp_path: Path) -> None:
    """The command freezes its start for the run (its first write sees a frozen heap)
    and unfreezes once the run is over, also after the background loads."""
    src = tmp_path / "src"
    src.mkdir()
    for i in range(50):
        (src / f"f{i}.txt").write_text(f"{i}\n")
    code = first_write_probe(
        "gc.get_freeze_count()",
        """
for thread in threading.enumerate():
    if thread.name == "skylift-warm-up":
        thread.join()
print(seen[0] > 10_000, gc.get_freeze_count(), gc.isenabled())
""",
    )
    argv = ["transfer", str(src), str(tmp_path / "dst"), "--journal", str(tmp_path / "j")]
    out = subprocess.run(
        [sys.executable, "-c", code, *argv], capture_output=True, text=True, check=True
    )
    assert "50 transferred" in out.stdout
    assert out.stdout.splitlines()[-1] == "True 0 True"

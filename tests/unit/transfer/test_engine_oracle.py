"""What a run does to a destination, from docs/transfer.md's rules written out (Hypothesis).

For generated source and destination contents (memory:// stores, which keep mtimes) and
options (copy or sync, --checksum, --exclude, --min-size), the oracle decides per path:
copy when missing, update when the size differs or (without --checksum) the mtime differs
by more than 1 ms or (with --checksum) the content differs, skip otherwise; under --delete
a destination object missing at the source is deleted unless a filter excludes it (one the
source has, left out by its size or age, is not missing: never deleted, #12). Then
``plan_transfer`` must count exactly that, ``run_transfer`` must do it (the destination
holds the expected bytes and mtimes, the result counts match) and a second run must skip
everything. Written against mutmut's survivors in transfer/engine.py.
"""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skylift.domain.transfer import MANIFEST_NAME, Action, TransferOptions
from skylift.storage.base import Storage
from skylift.storage.memory import MemoryStorage, drop_memory_store
from skylift.transfer.engine import comparison_for, plan_transfer, run_transfer
from tests.helpers import examples
from tests.unit.transfer.conftest import Wrapped

T = 1_700_000_000.0
PATHS = ["a.txt", "b.log", "d/c.txt", "d/e.log", "f", "z/y/x.bin"]
BODIES = [b"", b"x", b"xy", b"yx", b"hello", b"hellO", b"0123456789"]
MTIMES = [T, T + 0.0005, T + 0.5, T - 3.0]

Tree = dict[str, tuple[bytes, float]]
trees = st.dictionaries(
    st.sampled_from(PATHS), st.tuples(st.sampled_from(BODIES), st.sampled_from(MTIMES)), max_size=6
)


def _store(tree: Tree) -> tuple[str, MemoryStorage]:
    url = f"memory://o{uuid.uuid4().hex[:12]}"
    store = MemoryStorage(url)
    for path, (body, mtime) in tree.items():
        store.write(path, body, mtime=mtime)
    return url, store


def _contents(store: Storage) -> Tree:
    out: Tree = {}
    for info in store.list():
        if info.path != MANIFEST_NAME:
            assert info.mtime is not None
            out[info.path] = (store.read(info.path), info.mtime)
    return out


def expected(
    src: Tree,
    dst: Tree,
    delete: bool,
    checksum: bool,
    exclude: bool,
    min_size: int | None = None,
    left_out: frozenset[str] = frozenset(),
) -> dict[str, str]:
    """Action per path by the documented rules; ``src`` is what passed the filters,
    ``left_out`` the source paths the size filter left out (neither copied nor deleted).
    The filters apply to the destination too (as rclone's): an object they exclude
    there is never deleted."""

    def excluded(path: str) -> bool:
        return exclude and path.endswith(".log")

    actions: dict[str, str] = {}
    for path in sorted(src.keys() | dst.keys()):
        if excluded(path) or path in left_out:
            continue
        if path not in src:
            if delete and (min_size is None or len(dst[path][0]) >= min_size):
                actions[path] = "delete"
            continue
        body, mtime = src[path]
        if path not in dst:
            actions[path] = "copy"
            continue
        old, old_mtime = dst[path]
        if len(old) != len(body):
            actions[path] = "update"
        elif checksum:
            actions[path] = "update" if old != body else "skip"
        else:
            actions[path] = "skip" if abs(old_mtime - mtime) <= 0.001 else "update"
    return actions


@settings(
    max_examples=examples(60),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    src=trees,
    dst=trees,
    delete=st.booleans(),
    checksum=st.booleans(),
    exclude=st.booleans(),
    min_size=st.sampled_from([None, 2]),
)
def test_a_run_does_what_the_rules_say_and_a_rerun_nothing(
    src: Tree, dst: Tree, delete: bool, checksum: bool, exclude: bool, min_size: int | None
) -> None:
    small = {p for p, (b, _) in src.items() if min_size is not None and len(b) < min_size}
    visible = {p: v for p, v in src.items() if p not in small}
    want = expected(visible, dst, delete, checksum, exclude, min_size, frozenset(small))
    options = TransferOptions(
        delete=delete,
        checksum=checksum,
        exclude=("*.log",) if exclude else (),
        min_size=None if min_size is None else str(min_size),
        jobs=2,
    )
    src_url, _ = _store(src)
    dst_url, dst_store = _store(dst)
    try:
        plan = plan_transfer(src_url, dst_url, options)
        count = {
            a: sum(1 for v in want.values() if v == a) for a in ("copy", "update", "delete", "skip")
        }
        assert (plan.copy_count, plan.update_count, plan.delete_count, plan.skip_count) == (
            count["copy"], count["update"], count["delete"], count["skip"]
        )  # fmt: skip
        sent = sum(len(visible[p][0]) for p, a in want.items() if a in ("copy", "update"))
        assert plan.bytes_to_send == sent
        listed = [(a.action.value, a.path, a.size) for a in plan.actions]
        assert listed == [
            (a, p, len((visible.get(p) or dst[p])[0])) for p, a in want.items() if a != "skip"
        ]
        assert plan.actions_truncated is False
        assert _contents(dst_store) == dst  # a plan writes nothing

        with tempfile.TemporaryDirectory() as journal:
            result = run_transfer(src_url, dst_url, options, Path(journal))
            assert result.ok, result.failures
            assert result.transferred == count["copy"] + count["update"]
            assert (result.deleted, result.skipped) == (count["delete"], count["skip"])
            assert result.bytes_transferred == sent
            after = dict(dst)
            for path, action in want.items():
                if action == "delete":
                    del after[path]
                elif action in ("copy", "update"):
                    after[path] = visible[path]
            assert _contents(dst_store) == after
            again = run_transfer(src_url, dst_url, options, Path(journal))
            assert again.ok and again.transferred == 0 and again.deleted == 0
            assert _contents(dst_store) == after
    finally:
        for url in (src_url, dst_url):
            drop_memory_store(url.removeprefix("memory://"))


def test_size_filtered_destination_objects_are_not_deleted(tmp_path: Path) -> None:
    src_url, _ = _store({"small": (b"x", T), "big": (b"xxxx", T)})
    dst_url, dst_store = _store({"small": (b"x", T), "tiny-old": (b"y", T)})
    options = TransferOptions(delete=True, min_size="2")
    result = run_transfer(src_url, dst_url, options, tmp_path / "j")
    assert result.ok
    assert sorted(_contents(dst_store)) == ["big", "small", "tiny-old"]


class _NoMtime(Wrapped):
    """A destination that does not keep mtimes (an object store)."""

    def __init__(self, inner: MemoryStorage, scheme: str = "memory") -> None:
        super().__init__(inner)
        self.scheme = scheme  # type: ignore[misc]


@pytest.mark.parametrize(
    ("src_scheme", "keeps", "options", "want"),
    [
        ("memory", True, {}, (False, False, True, 0.001)),
        ("memory", False, {}, (False, False, False, 1.0)),  # object store: 1 s
        ("sftp", True, {}, (False, False, True, 1.0)),  # SFTP keeps whole seconds
        ("memory", True, {"checksum": True}, (True, False, True, 0.001)),
        ("memory", True, {"checksum": True, "encrypt": True}, (False, True, True, 0.001)),
        ("memory", True, {"compress": True}, (False, True, True, 0.001)),
        ("memory", True, {"decode": True}, (False, True, True, 0.001)),
    ],
)
def test_how_objects_are_compared_for_a_pair_of_stores(
    src_scheme: str, keeps: bool, options: dict[str, bool], want: tuple[bool, bool, bool, float]
) -> None:
    import dataclasses

    a = MemoryStorage(f"memory://c{uuid.uuid4().hex[:8]}")
    b = MemoryStorage(f"memory://c{uuid.uuid4().hex[:8]}")
    src = _NoMtime(a, src_scheme)
    dst = _NoMtime(b)
    dst.capabilities = dataclasses.replace(b.capabilities, preserves_mtime=keeps)  # type: ignore[misc]
    c = comparison_for(src, dst, TransferOptions(**options))  # type: ignore[arg-type]
    assert (c.checksum, c.ignore_size, c.dst_keeps_mtime, c.window) == want
    for url in (a.url, b.url):
        drop_memory_store(url.removeprefix("memory://"))


def test_plan_names_what_it_would_send(tmp_path: Path) -> None:
    src_url, _ = _store({"a": (b"12345", T), "b": (b"1", T), "c": (b"22", T)})
    dst_url, _ = _store({"b": (b"1", T), "c": (b"2", T), "old": (b"zz", T)})
    plan = plan_transfer(src_url, dst_url, TransferOptions(delete=True))
    assert [(a.action, a.path, a.size) for a in plan.actions] == [
        (Action.COPY, "a", 5),
        (Action.UPDATE, "c", 2),
        (Action.DELETE, "old", 2),
    ]
    assert (plan.source, plan.destination, plan.bytes_to_send) == (src_url, dst_url, 7)

"""Folder markers (empty ``dir/`` objects) are dropped from object-store listings."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from skylift.storage import objlist
from skylift.storage.objlist import drop_folder_markers


@dataclass(frozen=True)
class Item:
    path: str
    size: int


def _run(items: list[tuple[str, int]]) -> list[str]:
    got = drop_folder_markers(iter([Item(p, s) for p, s in items]), lambda i: i.path)
    return [i.path for i in got]


def test_marker_with_children_is_dropped_and_order_kept() -> None:
    listing = [("dir", 0), ("dir-a", 5), ("dir.txt", 0), ("dir/x", 3), ("e", 1)]
    assert _run(listing) == ["dir-a", "dir.txt", "dir/x", "e"]


def test_empty_files_without_children_are_kept() -> None:
    assert _run([("a", 0), ("b", 0), ("b0", 1), ("c", 0)]) == ["a", "b", "b0", "c"]


def test_nested_markers() -> None:
    listing = [("a", 0), ("a/b", 0), ("a/b/c", 0), ("a/b/c/d", 1), ("a/b0", 0)]
    assert _run(listing) == ["a/b/c/d", "a/b0"]


def test_lookahead_is_bounded(monkeypatch: object) -> None:
    listing = [("d", 0)] + [(f"d-{i:04d}", 1) for i in range(objlist.MARKER_LOOKAHEAD + 5)]
    listing.append(("d/x", 1))
    out = _run(listing)
    assert out[0] == "d"  # gave up: kept as a file
    assert out[-1] == "d/x"
    assert len(out) == len(listing)


@settings(max_examples=60, deadline=None)
@given(st.sets(st.text(alphabet="ab-/", min_size=1, max_size=5), max_size=15))
def test_matches_the_definition(keys: set[str]) -> None:
    keys = {k for k in keys if "//" not in k and not k.startswith("/") and not k.endswith("/")}
    listing = sorted((k, 0) for k in keys)
    expected = [k for k, _ in listing if not any(o.startswith(k + "/") for o in keys)]
    assert _run(listing) == expected

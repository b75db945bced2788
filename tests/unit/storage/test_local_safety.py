"""A local destination never writes outside its root, even through symlinks."""

from __future__ import annotations

from pathlib import Path

import pytest

from skylift.errors import InputError
from skylift.storage.local import LocalStorage


def test_symlinked_folder_leading_outside_is_refused(tmp_path: Path) -> None:
    root, outside = tmp_path / "root", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (root / "link").symlink_to(outside, target_is_directory=True)
    store = LocalStorage(str(root))
    with pytest.raises(InputError) as err:
        store.write("link/evil.txt", b"x")
    assert "outside the destination" in err.value.message
    assert "follow_symlinks" in err.value.hint
    with pytest.raises(InputError):
        store.create_multipart("link/deep/evil.bin")
    with pytest.raises(InputError):
        store.delete("link/victim.txt")
    assert list(outside.iterdir()) == []


def test_symlinks_are_followed_when_asked(tmp_path: Path) -> None:
    root, outside = tmp_path / "root", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (root / "link").symlink_to(outside, target_is_directory=True)
    store = LocalStorage(str(root), follow_symlinks="true")
    store.write("link/ok.txt", b"x")
    assert (outside / "ok.txt").read_bytes() == b"x"


def test_symlinks_inside_the_root_are_fine(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "real").mkdir(parents=True)
    (root / "alias").symlink_to(root / "real", target_is_directory=True)
    LocalStorage(str(root)).write("alias/file", b"1")
    assert (root / "real" / "file").read_bytes() == b"1"


def test_a_root_that_is_itself_a_symlink_works(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "root").symlink_to(tmp_path / "data", target_is_directory=True)
    store = LocalStorage(str(tmp_path / "root"))
    store.write("a/b", b"1")
    assert [o.path for o in store.list()] == ["a/b"]

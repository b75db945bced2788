"""A file swapped for a symlink after the listing is not read through it (#12).

The ``--links`` policy was applied when the source was listed; the read then
opened the path again, following whatever was there by then. Someone who can
write to the source tree (a user's home folder that root migrates) could
replace ``notes.txt`` by a link to ``/etc/shadow`` between the listing and
the read, and the secret was copied to the destination although ``--links
copy`` (the default) and ``skip`` never follow links out of the source. Now a
read that resolves outside the source root fails the object instead.
The swap is injected at an exact point (a real local folder whose ``read``
first makes the swap, as the other user would at that moment).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from skylift.domain.transfer import TransferOptions
from skylift.storage.local import LocalStorage
from skylift.transfer.engine import run_transfer

SECRET = b"root:$6$secret-hash:19000:0:99999:7:::\n"


class SwappedBeforeRead(LocalStorage):
    """A source folder where ``name`` becomes a symlink to ``target`` just before it is read."""

    def __init__(self, url: str, name: str, target: Path) -> None:
        super().__init__(url)
        self.name, self.target, self.swapped = name, target, False

    def read(self, path: str, start: int = 0, end: int | None = None) -> bytes:
        if path == self.name and not self.swapped:
            self.swapped = True
            os.unlink(self.root / path)
            os.symlink(self.target, self.root / path)
        return super().read(path, start, end)


def _tree(tmp_path: Path) -> tuple[Path, Path]:
    secret = tmp_path / "outside" / "shadow"
    secret.parent.mkdir()
    secret.write_bytes(SECRET)
    src = tmp_path / "home" / "alice"
    (src / "docs").mkdir(parents=True)
    (src / "docs" / "notes.txt").write_bytes(b"x" * len(SECRET))  # same size as the secret
    (src / "todo.txt").write_text("todo")
    return src, secret


@pytest.mark.parametrize("links", ["copy", "skip"])
def test_a_link_put_in_place_of_a_listed_file_is_not_followed_out(
    tmp_path: Path, links: str
) -> None:
    src, secret = _tree(tmp_path)
    store = SwappedBeforeRead(str(src), "docs/notes.txt", secret)
    dst = tmp_path / "dst"
    opts = TransferOptions(links=links)
    result = run_transfer(str(src), str(dst), opts, tmp_path / "j", src=store)
    assert store.swapped
    assert [f.path for f in result.failures] == ["docs/notes.txt"], result
    assert "outside the source" in result.failures[0].error
    assert not (dst / "docs" / "notes.txt").exists()
    assert (dst / "todo.txt").read_text() == "todo"


def test_follow_still_reads_through_links(tmp_path: Path) -> None:
    src, secret = _tree(tmp_path)
    store = SwappedBeforeRead(str(src), "docs/notes.txt", secret)
    dst = tmp_path / "dst"
    result = run_transfer(
        str(src), str(dst), TransferOptions(links="follow"), tmp_path / "j", src=store
    )
    assert result.ok, result.failures
    assert (dst / "docs" / "notes.txt").read_bytes() == SECRET  # what --links follow asks for


def test_a_folder_swapped_for_a_link_is_not_followed_out_either(tmp_path: Path) -> None:
    src, secret = _tree(tmp_path)

    class FolderSwapped(LocalStorage):
        def read(self, path: str, start: int = 0, end: int | None = None) -> bytes:
            if path == "docs/notes.txt" and (self.root / "docs").is_dir():
                os.rename(self.root / "docs", tmp_path / "moved-docs")
                os.makedirs(secret.parent / "fake", exist_ok=True)
                os.symlink(secret, secret.parent / "fake" / "notes.txt")
                os.symlink(secret.parent / "fake", self.root / "docs")
            return super().read(path, start, end)

    dst = tmp_path / "dst"
    store = FolderSwapped(str(src))
    result = run_transfer(str(src), str(dst), TransferOptions(), tmp_path / "j", src=store)
    assert [f.path for f in result.failures] == ["docs/notes.txt"], result
    assert not (dst / "docs" / "notes.txt").exists()


def test_a_single_file_source_that_is_a_link_is_read_where_it_points(tmp_path: Path) -> None:
    """``transfer ./a/link.csv DST`` names the link: its content is copied, as before."""
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "real.csv").write_text("data")
    (tmp_path / "a").mkdir()
    os.symlink("../b/real.csv", tmp_path / "a" / "link.csv")
    dst = tmp_path / "dst"
    result = run_transfer(
        str(tmp_path / "a" / "link.csv"), str(dst), TransferOptions(), tmp_path / "j"
    )
    assert result.ok, result.failures
    assert (dst / "link.csv").read_text() == "data"

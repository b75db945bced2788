"""``--links copy|skip|follow`` on a real local tree, and the warning for every skipped link."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def _tree(tmp_path: Path) -> Path:
    outside = tmp_path / "outside"
    (outside / "dir").mkdir(parents=True)
    (outside / "secret.txt").write_text("secret")
    (outside / "dir" / "o.txt").write_text("o")
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    (src / "inner.txt").write_text("inner")
    (src / "sub" / "x.txt").write_text("x")
    os.symlink(src / "inner.txt", src / "link_in")
    os.symlink(outside / "secret.txt", src / "link_out")
    os.symlink(tmp_path / "nowhere", src / "dangling")
    os.symlink(src / "sub", src / "dirlink")
    os.symlink(outside / "dir", src / "outdir")
    os.symlink(src, src / "sub" / "loop")
    return src


def _files(root: Path) -> list[str]:
    return sorted(
        str(p.relative_to(root))
        for p in root.rglob("*")
        if p.is_file() and not p.name.startswith(".skylift-")
    )


def _run(tmp_path: Path, *extra: str) -> tuple[list[str], str]:
    src, dst = _tree(tmp_path), tmp_path / "dst"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "skylift",
            "transfer",
            str(src),
            str(dst),
            "--journal",
            str(tmp_path / "j"),
            *extra,
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    return _files(dst), proc.stderr


def test_default_follows_links_inside_the_source_only(tmp_path: Path) -> None:
    files, err = _run(tmp_path)
    assert files == ["dirlink/x.txt", "inner.txt", "link_in", "sub/x.txt"]
    for name in ("link_out", "dangling", "outdir", "sub/loop"):
        assert f"warning: skipped symlink {name}" in err, err
    assert "secret" not in "".join(files)


def test_skip_skips_every_link_with_a_warning(tmp_path: Path) -> None:
    files, err = _run(tmp_path, "--links", "skip")
    assert files == ["inner.txt", "sub/x.txt"]
    assert err.count("warning: skipped symlink") == 6


def test_follow_follows_every_link_but_not_loops(tmp_path: Path) -> None:
    files, err = _run(tmp_path, "--links", "follow")
    assert files == [
        "dirlink/x.txt",
        "inner.txt",
        "link_in",
        "link_out",
        "outdir/o.txt",
        "sub/x.txt",
    ]
    assert "skipped symlink dangling" in err and "skipped symlink sub/loop" in err


def test_unknown_links_mode_is_bad_input(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "skylift",
            "transfer",
            str(tmp_path),
            str(tmp_path / "d"),
            "--links",
            "maybe",
            "--journal",
            str(tmp_path / "j"),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert proc.returncode == 2 and "links" in proc.stderr


@pytest.mark.parametrize("mode", ["copy", "skip", "follow"])
def test_verify_uses_the_same_policy(tmp_path: Path, mode: str) -> None:
    _run(tmp_path, "--links", mode)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "skylift",
            "verify",
            str(tmp_path / "src"),
            str(tmp_path / "dst"),
            "--links",
            mode,
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_a_link_into_a_sibling_whose_name_extends_the_source_is_outside(tmp_path: Path) -> None:
    # /x/src-private is not inside /x/src, though its path starts with it
    src, private = tmp_path / "src", tmp_path / "src-private"
    src.mkdir()
    private.mkdir()
    (private / "key.pem").write_text("private key")
    os.symlink(private / "key.pem", src / "key_link")
    os.symlink(private, src / "dir_link")
    (src / "ok.txt").write_text("ok")
    dst = tmp_path / "dst"
    proc = subprocess.run(
        [sys.executable, "-m", "skylift", "transfer", str(src), str(dst),
         "--journal", str(tmp_path / "j")],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert _files(dst) == ["ok.txt"]
    for name in ("key_link", "dir_link"):
        assert f"warning: skipped symlink {name}: it points outside the source" in proc.stderr

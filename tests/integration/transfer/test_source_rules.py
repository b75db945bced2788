"""Source rules of ``skylift transfer``/``verify`` as a real process on local folders.

A missing source is an error before the destination is touched; a single file
is copied into the destination; overlapping trees are refused unless the inner
one is excluded.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import run_skylift


def _dst_with_files(dst: Path, n: int = 3) -> set[str]:
    dst.mkdir(parents=True)
    for i in range(n):
        (dst / f"keep{i}.txt").write_text(str(i))
    return {p.name for p in dst.iterdir()}


def test_missing_source_with_delete_is_an_error_and_destination_untouched(tmp_path: Path) -> None:
    dst = tmp_path / "dst"
    before = _dst_with_files(dst)
    r = run_skylift(
        "transfer", str(tmp_path / "does_not_exist"), str(dst), "--delete",
        "--journal", str(tmp_path / "j"),
    )  # fmt: skip
    assert r.returncode == 2, r.stdout + r.stderr
    assert "does not exist" in r.stderr
    assert {p.name for p in dst.iterdir()} == before


def test_verify_of_a_missing_source_is_an_error_not_a_match(tmp_path: Path) -> None:
    dst = tmp_path / "dst"
    _dst_with_files(dst)
    r = run_skylift("verify", str(tmp_path / "nope"), str(dst))
    assert r.returncode == 2, r.stdout + r.stderr
    assert "does not exist" in r.stderr and "match" not in r.stdout


def test_an_empty_existing_source_folder_is_a_valid_source(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    j = str(tmp_path / "j")
    r = run_skylift("transfer", str(tmp_path / "empty"), str(tmp_path / "d"), "--journal", j)
    assert r.returncode == 0, r.stderr


def test_single_file_source_is_copied_into_the_destination(tmp_path: Path) -> None:
    src = tmp_path / "docs" / "report.pdf"
    src.parent.mkdir()
    src.write_bytes(b"%PDF-1.7 hello")
    (src.parent / "other.txt").write_text("not me")
    dst = tmp_path / "out"
    r = run_skylift("transfer", str(src), str(dst), "--journal", str(tmp_path / "j"), "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["transferred"] == 1
    assert (dst / "report.pdf").read_bytes() == b"%PDF-1.7 hello"
    assert not (dst / "other.txt").exists()
    assert run_skylift("verify", str(src), str(dst)).returncode == 0


def test_single_file_source_with_delete_is_refused(tmp_path: Path) -> None:
    src = tmp_path / "a.txt"
    src.write_text("a")
    dst = tmp_path / "dst"
    before = _dst_with_files(dst)
    r = run_skylift("transfer", str(src), str(dst), "--delete", "--journal", str(tmp_path / "j"))
    assert r.returncode == 2 and "single-file source" in r.stderr
    assert {p.name for p in dst.iterdir()} == before


def test_destination_inside_the_source_is_refused_and_nothing_nests(tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "f.txt").write_text("x")
    r = run_skylift("transfer", str(bad), str(bad / "sub"), "--journal", str(tmp_path / "j"))
    assert r.returncode == 2 and "overlap" in r.stderr
    assert not (bad / "sub").exists()
    r = run_skylift("transfer", str(bad / "sub"), str(bad), "--delete", "--journal", str(tmp_path))
    assert r.returncode == 2 and "overlap" in r.stderr
    assert (bad / "f.txt").exists()


def test_overlap_is_allowed_when_the_inner_folder_is_excluded(tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "f.txt").write_text("x")
    j = str(tmp_path / "j")
    args = ["transfer", str(bad), str(bad / "sub"), "--exclude", "sub/**", "--journal", j]
    for _ in range(2):
        assert run_skylift(*args).returncode == 0
    assert sorted(str(p.relative_to(bad)) for p in bad.rglob("*") if p.is_file()) == [
        "f.txt",
        "sub/.skylift-manifest.jsonl",
        "sub/f.txt",
    ]


def test_a_second_run_to_the_same_folder_is_refused_naming_the_first(tmp_path: Path) -> None:
    import os

    from skylift.transfer.lock import DestinationLock

    src, journal = tmp_path / "src", tmp_path / "j"
    src.mkdir()
    (src / "a").write_text("a")
    with DestinationLock(journal, str(tmp_path / "sub" / ".." / "dst") + "/", "other"):
        r = run_skylift("transfer", str(src), str(tmp_path / "dst"), "--journal", str(journal))
    assert r.returncode == 5, r.stderr
    assert f"pid {os.getpid()}" in r.stderr and "another skylift transfer" in r.stderr
    assert not (tmp_path / "dst").exists()
    assert (
        run_skylift(
            "transfer", str(src), str(tmp_path / "dst"), "--journal", str(journal)
        ).returncode
        == 0
    )

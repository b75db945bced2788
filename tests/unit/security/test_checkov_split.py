"""Splitting a big Terraform tree over two checkov runs: which folders go where."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from skylift.security import checkov
from skylift.security.checkov import terraform_halves
from skylift.security.files import FileKind, ScanFile


def _tree(root: Path, layout: dict[str, str]) -> list[ScanFile]:
    files = []
    for rel, text in layout.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        files.append(ScanFile(rel, rel, path, root, FileKind.TERRAFORM, path.stat().st_size))
    return files


BUCKET = 'resource "aws_s3_bucket" "b" {\n  bucket = "b"\n}\n'


@pytest.fixture(autouse=True)
def _small_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(checkov, "SPLIT_MIN_FILES", 2)


def _units(root: Path, skips: list[str]) -> set[str]:
    """Which top-level folders a skip list names (checked the way checkov matches)."""
    names = {p.name for p in root.iterdir() if p.is_dir()}
    base = root.resolve()
    return {n for n in names if any(re.search(s, str(base / n)) for s in skips)}


def test_two_halves_skip_complementary_folders_of_similar_size(tmp_path: Path) -> None:
    files = _tree(tmp_path, {f"svc{i}/main.tf": BUCKET * (i + 1) for i in range(6)})
    halves = terraform_halves(tmp_path, files)
    assert halves is not None
    first, second = (_units(tmp_path, h) for h in halves)
    assert first and second and not first & second
    assert first | second == {f"svc{i}" for i in range(6)}
    size = {f"svc{i}": (i + 1) for i in range(6)}
    run_first = sum(size[u] for u in second)  # the first run checks what it does not skip
    run_second = sum(size[u] for u in first)
    assert abs(run_first - run_second) <= 1


def test_patterns_name_one_folder_not_its_namesakes(tmp_path: Path) -> None:
    files = _tree(tmp_path, {"svc01/a.tf": BUCKET, "svc010/a.tf": BUCKET * 3})
    halves = terraform_halves(tmp_path, files)
    assert halves is not None
    assert sorted(map(len, halves)) == [1, 1]
    for skips in halves:
        (pattern,) = skips
        hits = [n for n in ("svc01", "svc010") if re.search(pattern, str(tmp_path.resolve() / n))]
        assert len(hits) == 1
        assert pattern not in str(tmp_path.resolve() / hits[0])  # checkov's substring test


def test_folders_calling_each_other_stay_together(tmp_path: Path) -> None:
    call = 'module "m" {\n  source = "../lib/mod"\n}\n'
    files = _tree(
        tmp_path,
        {
            "lib/mod/main.tf": BUCKET * 4,
            "app/main.tf": call,
            "web/main.tf": BUCKET * 2,
            "ops/main.tf": BUCKET * 2,
            "registry/main.tf": 'module "r" {\n  source = "terraform-aws-modules/vpc/aws"\n}\n',
        },
    )
    halves = terraform_halves(tmp_path, files)
    assert halves is not None
    for skips in halves:
        units = _units(tmp_path, skips)
        assert ("lib" in units) == ("app" in units)


@pytest.mark.parametrize(
    "layout",
    [
        {"main.tf": BUCKET, "svc1/main.tf": BUCKET, "svc2/main.tf": BUCKET},  # a root module
        {"one/a.tf": BUCKET, "one/b.tf": BUCKET},  # a single folder
        {"a/main.tf": 'module "x" {\n  source = "../b"\n}\n', "b/main.tf": BUCKET},  # one group
    ],
)
def test_not_split(tmp_path: Path, layout: dict[str, str]) -> None:
    assert terraform_halves(tmp_path, _tree(tmp_path, layout)) is None


def test_small_trees_are_not_split(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(checkov, "SPLIT_MIN_FILES", 200)
    files = _tree(tmp_path, {f"svc{i}/main.tf": BUCKET for i in range(10)})
    assert terraform_halves(tmp_path, files) is None

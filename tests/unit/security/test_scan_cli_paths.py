"""File names that are not UTF-8: --json and --sarif were internal errors (exit 70)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.helpers import run_cli


@pytest.fixture
def odd_tree(tmp_path: Path) -> Path:
    root = tmp_path / "app"
    root.mkdir()
    name = os.path.join(os.fsencode(root), b"\xffprod.env")
    try:
        with open(name, "wb") as fh:
            fh.write(b"DB_PASSWORD=Zq8wN3vBx5Hy\n")
    except OSError:  # pragma: no cover - file systems that refuse such names
        pytest.skip("this file system does not store non-UTF-8 names")
    return root


def test_json_and_sarif_show_undecodable_bytes_escaped(odd_tree: Path, tmp_path: Path) -> None:
    done = run_cli("scan", str(odd_tree), "--no-misconfig", "--json")
    assert done.code == 1, done.stderr
    (finding,) = json.loads(done.stdout)["findings"]
    assert finding["location"]["path"] == f"{odd_tree}/\\xffprod.env"
    sarif = tmp_path / "scan.sarif"
    done = run_cli("scan", str(odd_tree), "--no-misconfig", "--sarif", str(sarif))
    assert done.code == 1 and "internal error" not in done.stderr, done.stderr
    (result,) = json.loads(sarif.read_text())["runs"][0]["results"]
    uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri.endswith("/%5Cxffprod.env")

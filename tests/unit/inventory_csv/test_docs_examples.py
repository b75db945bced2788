"""The CSV, JSON and YAML examples in docs/discover.md import and describe the same servers."""

from __future__ import annotations

import re
from pathlib import Path

from tests.unit.inventory_csv.builders import parse, write

DOC = Path(__file__).resolve().parents[3] / "docs" / "discover.md"


def test_the_three_documented_examples_agree(tmp_path: Path) -> None:
    blocks = dict(re.findall(r"```(csv|json|yaml)\n(.*?)```", DOC.read_text(), flags=re.S))
    assert set(blocks) == {"csv", "json", "yaml"}
    results = [parse("servers", write(tmp_path / f"ex.{k}", v)).servers for k, v in blocks.items()]
    assert len(results[0]) == 2
    assert results[0] == results[1] == results[2]

"""Golden-file comparison: SKYLIFT_UPDATE_GOLDEN=1 rewrites the files instead of comparing."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

GOLDEN = Path(__file__).parent / "golden"


def assert_golden(case: str, files: Mapping[str, str]) -> None:
    """Every file of ``files`` equals ``golden/<case>/<path>``, and no golden file is missing."""
    base = GOLDEN / case
    if os.environ.get("SKYLIFT_UPDATE_GOLDEN") == "1":
        for rel, text in files.items():
            path = base / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        return
    expected = {str(p.relative_to(base)) for p in base.rglob("*") if p.is_file()}
    assert expected == set(files), f"{case}: files differ from golden (SKYLIFT_UPDATE_GOLDEN=1)"
    for rel, text in files.items():
        want = (base / rel).read_text()
        assert text == want, f"{case}/{rel} differs from golden (SKYLIFT_UPDATE_GOLDEN=1 to accept)"

"""hadolint's findings in the user's own Dockerfile keep their fingerprints when lines
move (issue 13): a baseline made today still accepts them after an unrelated edit."""

from __future__ import annotations

from pathlib import Path

import pytest

from skylift.generate.check import check_dockerfiles
from skylift.tools import find_tool

pytestmark = pytest.mark.skipif(find_tool("hadolint") is None, reason="hadolint not installed")

USER_DOCKERFILE = """FROM python:3.12-slim
RUN apt-get update && apt-get install -y curl
COPY . /app
RUN pip install flask
CMD ["python", "/app/app.py"]
"""


def _findings(tmp_path: Path, text: str) -> dict[str, tuple[str, int | None]]:
    root = tmp_path / "out"
    (root / "docker" / "api").mkdir(parents=True, exist_ok=True)
    (root / "docker" / "api" / "Dockerfile").write_text(text, encoding="utf-8")
    result = check_dockerfiles(root, {"docker/api/Dockerfile": "shop/api/Dockerfile"})
    return {f.fingerprint: (f.rule_id, f.location.line) for f in result.findings}


def test_hadolint_findings_keep_their_fingerprints_when_lines_move(tmp_path: Path) -> None:
    before = _findings(tmp_path, USER_DOCKERFILE)
    assert {rule for rule, _ in before.values()} >= {"DL3008", "DL3013"}
    shifted = USER_DOCKERFILE.replace(
        "FROM python:3.12-slim\n", "# syntax note\n\nFROM python:3.12-slim\n"
    )
    after = _findings(tmp_path, shifted)
    assert after.keys() == before.keys()  # same fingerprints …
    assert {fp: line for fp, (_, line) in after.items()} == {
        fp: (line + 2 if line else None) for fp, (_, line) in before.items()
    }  # … at the new lines
    edited = shifted.replace("install -y curl", "install -y wget")
    assert _findings(tmp_path, edited).keys() != before.keys()

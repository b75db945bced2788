"""Every error and hint the CLI prints is one line, whatever the input carried (#12)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from skylift.domain.text import one_line
from tests.helpers import examples, run_cli


def test_a_newline_in_the_workspace_path_cannot_forge_a_line(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    forged = f"{tmp_path}/x\nDone: 3 transferred, 0 failed"
    result = run_cli("--workspace", forged, "transfer", str(tmp_path / "src"), str(tmp_path / "d"))
    assert result.code != 0
    lines = result.stderr.splitlines()
    assert [line.split(":", 1)[0] for line in lines] == ["error", "hint"], result.stderr
    assert not any(line.startswith("Done") for line in result.stderr.splitlines())
    assert "\\nDone: 3 transferred" in result.stderr


@settings(max_examples=examples(200))
@given(st.text())
def test_one_line_has_no_control_characters_and_keeps_printable_text(text: str) -> None:
    shown = one_line(text)
    assert all(c.isprintable() or c == " " for c in shown)
    assert len(shown.splitlines()) <= 1
    if text.isprintable():
        assert shown == text

"""A value PyYAML types but Python cannot build - an integer over Python's 4,300-digit
limit, a date that does not exist - is a config error naming the file, line and field
(exit 3), not an internal error (#12: exit 70). PyYAML itself is the oracle that the
values are unbuildable."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from skylift.errors import ConfigError
from skylift.workspace.settings_file import read_settings_file
from tests.helpers import run_cli, workspace_and_source

HUGE = "1" + "0" * 5000


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"region: {HUGE}\n", "line 1: region: a number of 5,001 digits (at most 4,300)"),
        (f"remotes:\n  a:\n    region: {HUGE}\n", "line 3: remotes.a.region: a number of"),
        (f"x:\n  - 1\n  - -{HUGE}\n", "line 3: x[1]: a number of 5,001 digits"),
        ("project: p\nwhen: 2024-13-01\n", "line 2: when: not a valid date (month must be"),
    ],
)
def test_an_unbuildable_value_names_its_field(tmp_path: Path, text: str, expected: str) -> None:
    cfg = tmp_path / "skylift.yaml"
    cfg.write_text(text)
    with pytest.raises(ValueError):  # what PyYAML does with it
        yaml.safe_load(text)
    with pytest.raises(ConfigError) as caught:
        read_settings_file(cfg)
    assert str(caught.value).startswith(f"{cfg}: {expected}")
    assert "quote it if it is text" in caught.value.hint


def test_the_command_exits_3_with_one_error_and_a_hint(tmp_path: Path) -> None:
    root, src = workspace_and_source(tmp_path)
    (root / "skylift.yaml").write_text(f"project: t\nregion: {HUGE}\n")
    done = run_cli("--workspace", str(root), "transfer", str(src), str(tmp_path / "dst"))
    assert done.code == 3, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert lines[0].startswith("error: ") and "region: a number of 5,001 digits" in lines[0]
    assert lines[1].startswith("hint: ") and len(lines) == 2, done.stderr

"""Settings precedence and validation errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from skylift.errors import ConfigError
from skylift.workspace.settings import Headroom, env_overrides, load_settings
from skylift.workspace.template import render


def test_template_loads_and_is_complete(tmp_path: Path) -> None:
    cfg = tmp_path / "skylift.yaml"
    cfg.write_text(render("acme"), encoding="utf-8")
    s = load_settings(cfg, environ={})
    assert s.project == "acme"
    assert [t.cloud.value for t in s.targets] == ["aws", "azure", "gcp"]
    assert s.sizing.headroom.factor() == pytest.approx(1.3)


def test_precedence_defaults_file_env_flags(tmp_path: Path) -> None:
    cfg = tmp_path / "skylift.yaml"
    cfg.write_text("sizing:\n  window_days: 7\n  cpu_statistic: p99\n", encoding="utf-8")
    s = load_settings(
        cfg,
        environ={"SKYLIFT_SIZING__CPU_STATISTIC": "max"},
        overrides={"sizing": {"window_days": 1}},
    )
    assert s.sizing.window_days == 1  # flag beats file
    assert s.sizing.cpu_statistic == "max"  # env beats file
    assert s.sizing.memory_statistic == "p95"  # default


def test_env_overrides_ignores_workspace_variable() -> None:
    assert env_overrides({"SKYLIFT_WORKSPACE": "/x", "SKYLIFT_PROJECT": "p"}) == {"project": "p"}


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("sizing:\n  window_days: 5\n", "sizing.window_days"),
        ("targets:\n  - cloud: oracle\n    regions: [x]\n", "targets.0.cloud"),
        ("sizng: {}\n", "sizng"),
    ],
)
def test_invalid_setting_names_field_and_file(tmp_path: Path, text: str, needle: str) -> None:
    cfg = tmp_path / "skylift.yaml"
    cfg.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(cfg, environ={})
    assert needle in info.value.message
    assert str(cfg) in info.value.message
    assert info.value.hint


def test_yaml_syntax_error_names_line(tmp_path: Path) -> None:
    cfg = tmp_path / "skylift.yaml"
    cfg.write_text("project: a\nsizing: [\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="line"):
        load_settings(cfg, environ={})


@pytest.mark.parametrize(
    ("style", "value", "factor"),
    [("comfort_factor", 1.3, 1.3), ("percent", 20, 1.2), ("target_utilisation", 80, 1.25)],
)
def test_headroom_styles(style: str, value: float, factor: float) -> None:
    assert Headroom.model_validate({"style": style, "value": value}).factor() == pytest.approx(
        factor
    )


def test_env_overrides_leave_other_skylift_variables_alone() -> None:
    environ = {
        "SKYLIFT_ENCRYPTION_KEY": "k" * 64,
        "SKYLIFT_XLSX_MAX_BYTES": "10",
        "SKYLIFT_SIZING__WINDOW_DAYS": "7",
    }
    assert env_overrides(environ) == {"sizing": {"window_days": 7}}
    assert load_settings(None, environ=environ).sizing.window_days == 7

"""``skylift transfer`` validates only ``state:`` and ``remotes:`` (issue #12, start-up),
but, as every command does, it refuses a top-level key that is no section of
``skylift.yaml``: a misspelt ``remotes:`` must not send the data with none of its
options (another endpoint, plain HTTP refused …). And a ``SKYLIFT_*`` override that
is not YAML is its text for the field to judge, not an internal error (exit 70)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skylift.errors import ConfigError
from skylift.workspace import Workspace
from skylift.workspace.settings import Settings, load_settings
from skylift.workspace.storage_settings import (
    OTHER_SECTIONS,
    StorageSettings,
    load_storage_settings,
)
from tests.helpers import assert_fails_as_the_whole_file, run_cli, workspace_and_source


def test_the_sections_known_to_a_transfer_are_those_of_the_whole_file() -> None:
    assert OTHER_SECTIONS.isdisjoint(StorageSettings.model_fields)
    assert OTHER_SECTIONS | set(StorageSettings.model_fields) == set(Settings.model_fields)


@pytest.mark.parametrize(
    "text",
    [
        "remote:\n  s3://b:\n    allow_http: true\n",  # misspelt remotes:
        "Remotes: {}\n",
        "stat:\n  url: sqlite:///x.db\n",
        "remotes: {}\nextra: 3\n",
        "1: x\n",
    ],
)
def test_an_unknown_section_fails_as_the_whole_file_does(tmp_path: Path, text: str) -> None:
    cfg = tmp_path / "skylift.yaml"
    cfg.write_text(text)
    assert_fails_as_the_whole_file(cfg)


_SECTION = st.sampled_from(["remote", "State", "remotes_", "x", "sizing", "project"])
_VALUE = st.one_of(st.none(), st.integers(0, 9), st.dictionaries(st.just("k"), st.just("v")))


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(extra=st.dictionaries(_SECTION, _VALUE, max_size=2), bad_state=st.booleans())
def test_top_level_keys_are_judged_as_the_whole_file_judges_them(
    tmp_path: Path, extra: dict[str, object], bad_state: bool
) -> None:
    import yaml

    if "sizing" in extra:  # another section: only its own command validates its value
        extra["sizing"] = {}
    if "project" in extra:
        extra["project"] = "p"
    cfg = tmp_path / "skylift.yaml"
    state = {"url": 1 if bad_state else None, "other": 2} if bad_state else {"url": None}
    cfg.write_text(yaml.safe_dump({"state": state, "remotes": {}, **extra}))
    try:
        whole = load_settings(cfg, environ={})  # the oracle
    except ConfigError as exc:
        with pytest.raises(ConfigError) as part:
            load_storage_settings(cfg, environ={})
        assert part.value.message == exc.message
        return
    assert load_storage_settings(cfg, environ={}).state == whole.state


def test_a_transfer_with_a_misspelt_remotes_section_refuses_and_copies_nothing(
    tmp_path: Path,
) -> None:
    root = tmp_path / "ws"
    with Workspace.init(root, project="t"):
        pass
    with (root / "skylift.yaml").open("a", encoding="utf-8") as fh:
        fh.write("remote:\n  s3://b:\n    endpoint: http://127.0.0.1:9\n")
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text("a\n")
    done = run_cli("--workspace", str(root), "transfer", str(src), str(tmp_path / "dst"))
    assert done.code == 3  # ConfigError
    err = done.stderr
    assert "skylift.yaml: setting 'remote'" in err and "hint:" in err
    assert "Traceback" not in err
    assert not (tmp_path / "dst").exists()


@pytest.mark.parametrize("load", [load_settings, load_storage_settings])
def test_an_override_that_is_not_yaml_is_its_text_and_the_field_judges_it(
    tmp_path: Path, load: Callable[..., Any]
) -> None:
    cfg = tmp_path / "skylift.yaml"
    cfg.write_text("remotes: {}\n")
    environ = {"SKYLIFT_REMOTES__S3://B__ENDPOINT": "[1", "SKYLIFT_STATE__URL": "a: b: c"}
    got = load(cfg, environ=environ)
    assert got.remotes == {"s3://b": {"endpoint": "[1"}}
    assert got.state.url == "a: b: c"
    with pytest.raises(ConfigError, match=r"environment: setting 'state.url': Input should be"):
        load(cfg, environ={"SKYLIFT_STATE__URL": "[x]"})


@pytest.mark.parametrize("load", [load_settings, load_storage_settings])
def test_a_section_and_one_of_its_keys_both_overridden_is_no_crash(
    tmp_path: Path, load: Callable[..., Any]
) -> None:
    cfg = tmp_path / "skylift.yaml"
    cfg.write_text("remotes: {}\n")
    for environ in (
        {"SKYLIFT_STATE": "x", "SKYLIFT_STATE__URL": "sqlite:///s.db"},
        {"SKYLIFT_STATE__URL": "sqlite:///s.db", "SKYLIFT_STATE": "x"},
    ):
        try:
            got = load(cfg, environ=environ)
        except ConfigError as exc:
            assert "setting 'state'" in exc.message
        else:
            assert got.state.url == "sqlite:///s.db"


def test_a_transfer_with_an_override_that_is_not_yaml_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, src = workspace_and_source(tmp_path)
    monkeypatch.setenv("SKYLIFT_REMOTES__S3://B__REGION", "[eu")  # was exit 70, ParserError
    done = run_cli("--workspace", str(root), "transfer", str(src), str(tmp_path / "d"))
    assert done.code == 0, done.stderr
    assert (tmp_path / "d" / "a.txt").read_text() == "a\n"

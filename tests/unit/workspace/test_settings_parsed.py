"""skylift.yaml's parse kept in ``.skylift/settings-parsed.json`` (issue #12, start-up):
keyed by the file's text, so it is never stale; only what JSON gives back unchanged
is kept; a later command reads it without importing PyYAML. PyYAML is the oracle."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skylift.workspace.storage_settings import PARSED_NAME, read_settings_file

_SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
)
_VALUE = st.recursive(
    _SCALAR,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=12,
)
_SETTINGS = st.dictionaries(st.text(min_size=1, max_size=8), _VALUE, max_size=5)


def _workspace(root: Path, text: str) -> Path:
    (root / ".skylift").mkdir(parents=True, exist_ok=True)
    path = root / "skylift.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=_SETTINGS)
def test_the_kept_parse_is_pyyamls(tmp_path: Path, data: dict[str, Any]) -> None:
    text = yaml.safe_dump(data, allow_unicode=True)
    path = _workspace(tmp_path, text)
    (tmp_path / ".skylift" / PARSED_NAME).unlink(missing_ok=True)
    oracle = yaml.safe_load(text) or {}
    assert read_settings_file(path) == oracle  # parsed (and kept)
    assert (tmp_path / ".skylift" / PARSED_NAME).is_file()
    assert read_settings_file(path) == oracle  # from the kept parse


def test_a_changed_file_is_parsed_again_even_with_the_same_size_and_time(tmp_path: Path) -> None:
    path = _workspace(tmp_path, "project: a\nremotes: {}\n")
    stat = path.stat()
    assert read_settings_file(path)["project"] == "a"
    path.write_text("project: b\nremotes: {}\n", encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert path.stat().st_size == stat.st_size
    assert read_settings_file(path)["project"] == "b"


def test_what_json_would_change_is_never_kept(tmp_path: Path) -> None:
    text = "when: 2026-12-07\n1: one\n"
    path = _workspace(tmp_path, text)
    assert read_settings_file(path) == {"when": dt.date(2026, 12, 7), 1: "one"}
    assert not (tmp_path / ".skylift" / PARSED_NAME).exists()
    path.write_text("keys:\n  1: one\n", encoding="utf-8")  # an int key, nested
    assert read_settings_file(path) == {"keys": {1: "one"}}
    assert not (tmp_path / ".skylift" / PARSED_NAME).exists()


def test_a_damaged_kept_parse_is_ignored(tmp_path: Path) -> None:
    path = _workspace(tmp_path, "project: a\n")
    kept = tmp_path / ".skylift" / PARSED_NAME
    for damage in ("{not json", '{"sha256": 1}', '["a"]', ""):
        kept.write_text(damage, encoding="utf-8")
        assert read_settings_file(path) == {"project": "a"}


def test_nothing_is_kept_outside_a_workspace(tmp_path: Path) -> None:
    path = tmp_path / "skylift.yaml"
    path.write_text("project: a\n", encoding="utf-8")
    assert read_settings_file(path) == {"project": "a"}
    assert list(tmp_path.iterdir()) == [path]


def test_a_later_command_reads_it_without_pyyaml(tmp_path: Path) -> None:
    path = _workspace(tmp_path, "project: a\nremotes:\n  s3://b:\n    region: eu-west-1\n")
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from skylift.workspace.storage_settings import read_settings_file\n"
        f"print(read_settings_file(Path({str(path)!r})), 'yaml' in sys.modules)\n"
    )

    def run() -> str:
        argv = [sys.executable, "-c", code]
        out = subprocess.run(argv, capture_output=True, text=True, check=False)
        assert out.returncode == 0, out.stderr
        return out.stdout.strip()

    settings_text = "{'project': 'a', 'remotes': {'s3://b': {'region': 'eu-west-1'}}}"
    assert run() == f"{settings_text} True"  # the first one parses
    assert run() == f"{settings_text} False"
    assert oct((tmp_path / ".skylift" / PARSED_NAME).stat().st_mode & 0o777) == "0o600"

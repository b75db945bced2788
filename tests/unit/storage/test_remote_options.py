"""Per-remote options: YAML booleans everywhere, plain-HTTP endpoints explained."""

from __future__ import annotations

from pathlib import Path

import pytest

from skylift.errors import ConfigError
from skylift.storage.registry import open_storage
from skylift.workspace.settings import load_settings
from tests.helpers import run_cli

YAML_BOOL = "\nremotes:\n  s3://bucket:\n    endpoint: http://127.0.0.1:9\n    allow_http: true\n"


def test_yaml_boolean_option_is_accepted_by_settings_and_inventory(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    assert run_cli("init", str(ws)).code == 0
    cfg = ws / "skylift.yaml"
    cfg.write_text(cfg.read_text() + YAML_BOOL)
    settings = load_settings(cfg)
    assert settings.remotes["s3://bucket"]["allow_http"] == "true"
    r = run_cli("--workspace", str(ws), "inventory", "--json")
    assert r.code == 0, r.stderr
    (tmp_path / "code").mkdir()
    (tmp_path / "code" / "app.py").write_text("print('hi')\n")
    r = run_cli("--workspace", str(ws), "scan", str(tmp_path / "code"), "--json")
    assert r.code == 0, r.stderr  # scan read the settings too ("Input should be a valid string")


def test_http_endpoint_without_allow_http_says_what_to_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("AWS_ALLOW_HTTP", raising=False)
    with pytest.raises(ConfigError, match="plain HTTP") as exc:
        open_storage("s3://bucket/x", endpoint="http://127.0.0.1:9", region="us-east-1")
    assert "allow_http: true" in exc.value.hint


def test_aws_endpoint_url_from_the_environment_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.delenv("AWS_ENDPOINT_URL_S3", raising=False)
    monkeypatch.delenv("AWS_ALLOW_HTTP", raising=False)
    with pytest.raises(ConfigError, match=r"127\.0\.0\.1:9"):
        open_storage("s3://bucket/x", region="us-east-1")
    monkeypatch.setenv("AWS_ALLOW_HTTP", "true")
    store = open_storage("s3://bucket/x", region="us-east-1")
    assert store.options["endpoint"] == "http://127.0.0.1:9"  # type: ignore[attr-defined]


def test_azure_http_endpoint_without_allow_http_says_what_to_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AZURE_STORAGE_ACCOUNT_NAME", "devstoreaccount1")
    monkeypatch.setenv("AZURE_STORAGE_ACCOUNT_KEY", "a2V5")
    with pytest.raises(ConfigError, match="plain HTTP") as exc:
        open_storage("az://container/x", endpoint="http://127.0.0.1:9/devstoreaccount1")
    assert "allow_http: true" in exc.value.hint


@pytest.mark.parametrize(
    "url",
    [
        "ftp://u:hunter2@host/x",
        "s3://u:hunter2@bkt/x",
        "az://u:hunter2@c/x",
        "file://u:hunter2@host/x",
    ],
)
def test_url_errors_never_show_a_password(url: str) -> None:
    from skylift.errors import SkyliftError

    with pytest.raises(SkyliftError) as exc:
        open_storage(url)
    assert "hunter2" not in exc.value.message + exc.value.hint

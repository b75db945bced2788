"""``generate --check`` through the CLI: a failed check lists every validator in ``--json``
(one JSON document on stdout), nothing is written, and ``--accept`` lets it pass."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import run_cli

VENDOR = "services:\n  app:\n    image: vendor/${APP_IMAGE}:${APP_IMAGE_TAG}\n"


def test_cli_env_file_and_failed_check_lists_every_validator_in_json(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text(VENDOR)
    (tmp_path / "env.example").write_text("APP_IMAGE=shop\nAPP_IMAGE_TAG=latest\n")
    out = tmp_path / "out"
    args = ["generate", "--compose", str(tmp_path / "compose.yaml"), "--out", str(out)]
    args += ["--no-workspace-data", "--only", "k8s", "--env-file", str(tmp_path / "env.example")]
    result = run_cli(*args, "--check", "--json", "--allow-missing-validators")
    assert result.code == 7, result.stderr
    payload = json.loads(result.stdout)
    assert payload["written"] is False and not out.exists()
    statuses = {c["validator"]: c["status"] for c in payload["checks"]}
    assert statuses["image pins"] == "failed"
    assert statuses["kubernetes-validate"] == "passed"
    assert "SKY-GEN-IMAGE-UNPINNED" in result.stderr
    ok = run_cli(
        *args,
        "--check",
        "--json",
        "--allow-missing-validators",
        "--accept",
        "SKY-GEN-IMAGE-UNPINNED:vendor/shop:latest",
    )
    assert ok.code == 0, ok.stderr
    accepted = {c["validator"]: c for c in json.loads(ok.stdout)["checks"]}["image pins"]
    assert accepted["status"] == "passed" and len(accepted["accepted"]) == 1


def test_a_baseline_file_in_scans_format_accepts_a_finding(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text("services:\n  web:\n    image: nginx\n")
    args = ["generate", "--compose", str(tmp_path / "compose.yaml"), "--out"]
    args += [str(tmp_path / "out"), "--no-workspace-data", "--only", "k8s", "--check", "--json"]
    first = run_cli(*args, "--allow-missing-validators")
    assert first.code == 7
    pins = {c["validator"]: c for c in json.loads(first.stdout)["checks"]}["image pins"]
    finding = pins["findings"][0]
    baseline = tmp_path / "baseline.json"
    entry = {"fingerprint": finding["fingerprint"], "rule_id": finding["rule_id"]}
    baseline.write_text(json.dumps({"version": 1, "accepted": [{**entry, "reason": "vendor"}]}))
    second = run_cli(*args, "--allow-missing-validators", "--baseline", str(baseline))
    assert second.code == 0, second.stderr
    assert (tmp_path / "out" / "k8s" / "web.yaml").exists()


def test_a_validator_that_is_not_installed_fails_check_unless_allowed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """kubectl (kustomize) and terraform are looked up on PATH: an empty PATH hides them."""
    (tmp_path / "compose.yaml").write_text("services:\n  web:\n    image: nginx:1.27.3\n")
    empty = tmp_path / "empty-path"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    args = ["generate", "--compose", str(tmp_path / "compose.yaml"), "--no-workspace-data"]
    args += ["--only", "k8s,kustomize", "--check", "--json"]
    refused = run_cli(*args, "--out", str(tmp_path / "a"))
    assert refused.code == 7
    payload = json.loads(refused.stdout)
    kustomize = {c["validator"]: c for c in payload["checks"]}["kubectl kustomize"]
    assert kustomize["status"] == "not checked" and kustomize["missing"]
    assert any("not installed, so not run: kubectl kustomize" in p for p in payload["problems"])
    assert not (tmp_path / "a").exists()
    allowed = run_cli(*args, "--out", str(tmp_path / "b"), "--allow-missing-validators")
    assert allowed.code == 0, allowed.stderr
    assert (tmp_path / "b" / "k8s" / "web.yaml").exists()

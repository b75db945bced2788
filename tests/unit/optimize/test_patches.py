"""Terraform diff (checked with git apply), Kustomize and Helm output, instance matching."""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

from skylift.optimize.matching import index_names, instance_host, match_instance
from skylift.optimize.patches import (
    ContainerResources,
    helm_values,
    kustomize_patches,
    resize_terraform,
    unified_diff,
)
from skylift.optimize.prometheus import redacted

TF = """resource "azurerm_linux_virtual_machine" "app_server_long_name" {
  name = "app-server-long"
  size = "Standard_D8s_v5"
}

resource "azurerm_linux_virtual_machine" "web01" {
  name = "web01"
  size = "Standard_D2s_v5"
}
"""


def test_resize_matches_azure_15_character_names_and_applies(tmp_path: Path) -> None:
    after, changed = resize_terraform(
        TF, {"app-server-long-name": "Standard_D4s_v5", "web01": "Standard_D2s_v5"}
    )
    assert changed == {"app-server-long-name": "Standard_D8s_v5"}  # web01 already right
    assert 'size = "Standard_D4s_v5"' in after and after.count("Standard_D2s_v5") == 1
    folder = tmp_path / "gen"
    (folder / "terraform" / "azure").mkdir(parents=True)
    (folder / "terraform" / "azure" / "main.tf").write_text(TF)
    patch = tmp_path / "p.patch"
    patch.write_text(unified_diff("terraform/azure/main.tf", TF, after))
    subprocess.run(["git", "apply", str(patch)], cwd=folder, check=True)
    assert (folder / "terraform" / "azure" / "main.tf").read_text() == after


def test_kustomize_and_helm() -> None:
    items = [ContainerResources("shop", "web-api", 250, 500, 300)]
    docs = list(yaml.safe_load_all(kustomize_patches(items)))
    c = docs[0]["spec"]["template"]["spec"]["containers"][0]
    assert docs[0]["metadata"] == {"name": "web-api", "namespace": "shop"}
    assert c["resources"]["requests"] == {"cpu": "250m", "memory": "300Mi"}
    values = yaml.safe_load(helm_values(items))
    assert values["services"]["web_api"]["memory_limit"] == "300Mi"


def test_instance_matching() -> None:
    assert instance_host("Web01.corp.example:9100") == "web01.corp.example"
    assert instance_host("[::1]:9100") == "::1"
    names = index_names([("k1", ("web01.corp.example", "10.0.0.5")), ("k2", ("db01", None))])
    assert match_instance("web01:9100", names) == "k1"
    assert match_instance("10.0.0.5:9100", names) == "k1"
    assert match_instance("DB01", names) == "k2"
    assert match_instance("other:9100", names) is None


def test_credentials_never_shown() -> None:
    assert redacted("https://user:s3cret@prom.example:9090/x?q=1") == "https://prom.example:9090/x"


def test_window_durations() -> None:
    import pytest

    from skylift.errors import InputError
    from skylift.workspace.optimizing import parse_window

    assert parse_window("14d") == 14 and parse_window("36h") == 1.5 and parse_window("7") == 7
    for bad in ("fortnight", "0d", "120d"):
        with pytest.raises(InputError, match="--window"):
            parse_window(bad)

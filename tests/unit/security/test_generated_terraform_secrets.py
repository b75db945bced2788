"""skylift's own Terraform, with its perimeter WAF, has no secret finding on any cloud."""

from __future__ import annotations

from pathlib import Path

import pytest

from skylift.domain.target import Cloud, HostRule, HostSpec, ServiceRole, TargetSpec
from skylift.generate.terraform import render_terraform
from skylift.security.rules import is_secret_key
from skylift.security.scan import ScanOptions, scan

PUBLIC = TargetSpec(
    name="shop",
    hosts=(HostSpec(key="web01", name="web01", role=ServiceRole.WEB, ports=(80,), public=True),),
    host_rules=(HostRule(source=None, target="web01", port=80),),
)


@pytest.mark.parametrize("cloud", list(Cloud))
def test_generated_terraform_has_no_secret_finding(cloud: Cloud, tmp_path: Path) -> None:
    files, _ = render_terraform(PUBLIC, cloud)
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    result = scan([str(tmp_path)], ScanOptions(misconfig=False, policies=False))
    assert [(f.location.path, f.location.line, f.message) for f in result.findings] == []


@pytest.mark.parametrize("key", ["enforce_on_key", "group_by_key", "sortByKey"])
def test_keys_naming_what_requests_are_grouped_by_are_not_secrets(key: str) -> None:
    assert not is_secret_key(key)
